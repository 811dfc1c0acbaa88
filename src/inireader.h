/*
 * inireader.h -- read an INI file line by line, with line numbers.
 *
 * inih does the INI syntax, through our own reader: Debian's libinih has
 * no INI_HANDLER_LINENO and stops reporting at the first error, so this
 * module counts lines, strips a UTF-8 BOM, CR/LF and leading whitespace,
 * reports section headers with their line (inih reports neither their
 * lines nor empty sections), reports every syntax error (not only the
 * first) and parses a line too long for inih's 200-byte buffer itself,
 * the way inih would, rather than cutting it.
 *
 * Leading whitespace is never a continuation: an indented line is read as
 * if it were not indented.  Comments start with ';' or '#'; an inline
 * comment is a ';' after whitespace.
 */
#ifndef INIREADER_H
#define INIREADER_H

#include <stddef.h>

struct inireader_ops {
	/* A section header "[name]" at line; name is the text between the
	 * brackets, untrimmed.  name is NULL for a header without its ']'
	 * (already reported through error): the keys that follow belong to
	 * no section and were accounted for. */
	void	(*section)(void *ctx, const char *name, int line);
	/* "key = value" (or "key: value") at line, both trimmed, an inline
	 * comment removed; key may be "" ("= value"). */
	void	(*key)(void *ctx, const char *key, const char *value,
		    int line);
	/* A bad line: msg says what is wrong ("syntax error: ...", "line
	 * contains a NUL byte", ...), without the file or line. */
	void	(*error)(void *ctx, int line, const char *msg);
	/* What a line should have been, for "syntax error: expected
	 * EXPECTED (got \"LINE\")"; NULL for "KEY = VALUE, [SECTION] or a
	 * comment". */
	const char *expected;
	/* The longest line (after leading whitespace) read at all, in
	 * bytes; a longer one that is not a comment is reported as "line
	 * too long (more than N bytes)" and skipped.  0: no limit. */
	int	 max_line;
};

#define INIREADER_OPEN	-1	/* the file cannot be opened */
#define INIREADER_READ	-2	/* reading it failed partway */

/*
 * Read the INI file at path, calling ops (all three callbacks required)
 * with ctx for every section header, key and bad line, in file order.
 * Every bad line is reported and skipped; the rest is read.  Returns 0
 * when the whole file was read; INIREADER_OPEN when it cannot be opened
 * (no callback was called); INIREADER_READ when a read failed partway
 * (the lines before it were reported).  On either error, err (when not
 * NULL) gets "cannot open: REASON" or "cannot read: REASON".  Out of
 * memory is fatal.
 */
int	inireader_parse(const char *path, const struct inireader_ops *ops,
	    void *ctx, char *err, size_t errlen);

#endif
