/*
 * traceback.h -- assemble Python tracebacks from log lines into one event.
 *
 * Lines are fed one at a time.  "Traceback (most recent call last):"
 * (after any log prefix: a timestamp, "ERROR:root:", a container
 * runtime's per-line prefix) starts a traceback; its indented "File ...,
 * line N, in fn" frames and source lines, chained exceptions ("During
 * handling of the above exception, another exception occurred:", "The
 * above exception was the direct cause of the following exception:"),
 * and the final "ExcType: message" line (also "pkg.mod.ExcType: message"
 * and a bare "ExcType"), with indented continuation lines of a message
 * that spans lines, make one record.  The prefix seen on the Traceback
 * line is stripped from the following lines that carry it (digits in it
 * may differ: timestamps).  Exception groups ("+ Exception Group
 * Traceback") are assembled too, with the group's type.
 *
 * A traceback interrupted by an unrelated line, or never finished, is
 * reported with what it has (type "unknown" when no final line came) at
 * that line or once it has waited TB_WAIT_MS.  Every other line passes
 * through as a single-line record.
 */
#ifndef MODELTOP_TRACEBACK_H
#define MODELTOP_TRACEBACK_H

#include <stddef.h>
#include <stdint.h>

/* A pending traceback is reported after this long without a new line. */
#define TB_WAIT_MS	1000
/* Most bytes of a record's text kept (lines beyond are counted only). */
#define TB_TEXT_MAX	16384

struct tb_record {
	int		 is_traceback;	/* 0: a single line passed through */
	char		 exc_type[128];	/* "torch.cuda.OutOfMemoryError";
					 * "unknown" when none came; "" for
					 * a single line */
	char		 message[512];	/* after "Type: "; lines of a long
					 * message joined by '\n' */
	char		 chain[512];	/* the chain's earlier exceptions (and
					 * an exception group's members) as
					 * "Type: message" lines, oldest
					 * first; "" when none */
	char		 where[256];	/* innermost frame, "file:line in fn"
					 * ("file:line" for a SyntaxError
					 * location); "" when none */
	char		*text;		/* the lines as read, '\n'-joined,
					 * at most TB_TEXT_MAX bytes (then
					 * "\n[...]"); NUL bytes in lines
					 * become spaces, so it is a C string */
	size_t		 text_len;
	int		 lines;		/* lines making the record */
	uint64_t	 signature;	/* same error, same value (below) */
};

/*
 * The signature hashes (FNV-1a 64) the exception types of the chain, the
 * (file, function) of every frame in order, and the final message with
 * numbers and hexadecimal addresses masked: the same error raised from
 * the same code path gets the same value whatever the line numbers, the
 * sizes or the object addresses.  A single-line record's signature is
 * that of its text, masked the same way.  Stable across runs and builds.
 */

struct tb_asm;

/* A new assembler with nothing pending.  Free with tb_asm_free. */
struct tb_asm *tb_asm_new(void);

/* Free a (NULL is fine); a pending traceback is dropped unreported. */
void tb_asm_free(struct tb_asm *a);

/* Called for each finished record; r and its strings are valid only
 * during the call. */
typedef void (*tb_record_fn)(void *ctx, const struct tb_record *r);

/*
 * Feed one line (len bytes, no newline; need not be NUL-terminated or
 * UTF-8) read at now_ms.  Calls fn for every record this line finishes:
 * none (the line joined a traceback), one, or two (a traceback cut off
 * by this line, then the line itself).  A pending traceback older than
 * TB_WAIT_MS is reported first.
 */
void tb_asm_line(struct tb_asm *a, const char *line, size_t len,
    int64_t now_ms, tb_record_fn fn, void *ctx);

/*
 * Report a pending traceback whose last line came TB_WAIT_MS or more
 * before now_ms, or any pending one when force is set (end of input).
 * Call every tick.
 */
void tb_asm_flush(struct tb_asm *a, int64_t now_ms, int force,
    tb_record_fn fn, void *ctx);

/* 1 while a traceback is being assembled. */
int tb_asm_pending(const struct tb_asm *a);

/* The signature hash of len bytes with digits and hex addresses masked,
 * as used for single-line records; for tests and callers that want to
 * group lines themselves. */
uint64_t tb_signature_text(const char *s, size_t len);

#endif
