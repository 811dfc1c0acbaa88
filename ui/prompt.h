/*
 * prompt.h -- the one-line editor of the ':' prompt and the filter
 * prompt: cursor movement, editing keys, a history of the session, and
 * Tab completion through a caller-supplied candidate function.
 *
 * No curses here: keys come in as libtermkey keys and the console draws
 * the text, so all of it is testable without a terminal.
 */
#ifndef MODELTOP_PROMPT_H
#define MODELTOP_PROMPT_H

#include <stddef.h>
#include <termkey.h>

#include "util.h"

#define PROMPT_MAX	1024	/* bytes of text, terminator included */
#define PROMPT_HISTORY	100	/* lines kept */
#define PROMPT_WORDS	16	/* words before the one being completed */

/* What prompt_key did with a key. */
enum prompt_result {
	PROMPT_IGNORED,		/* not an editing key; nothing changed */
	PROMPT_EDITED,		/* the text or the cursor changed */
	PROMPT_RUN,		/* Enter: the prompt closed; run prompt_text */
	PROMPT_CANCEL,		/* Escape, C-c or C-g: the prompt closed */
	PROMPT_LISTED,		/* Tab found several candidates, or none:
				 * prompt_message says which */
};

struct prompt;

/*
 * Called on Tab: words[0..nwords-1] are the words before the one being
 * completed (nwords 0: a command name is being completed).  It calls
 * prompt_candidate for each possible word; the prompt keeps those that
 * start with what was typed.
 */
typedef void (*prompt_complete_fn)(void *ctx, struct prompt *p, int nwords,
    char **words);

struct prompt {
	char		 label[32];	/* ":" or "filter: " */
	char		 text[PROMPT_MAX];
	size_t		 len;		/* bytes in text */
	size_t		 cur;		/* cursor, a byte offset */
	int		 active;

	char	       **hist;		/* oldest first, owned */
	size_t		 nhist, hcap;
	size_t		 hpos;		/* == nhist when not browsing */
	char		 draft[PROMPT_MAX];	/* the line before browsing */

	prompt_complete_fn complete;
	void		*complete_ctx;
	char	       **cands;		/* candidates of the last Tab, owned */
	size_t		 ncands, ccap;
	const char	*word;		/* the word being completed */
	size_t		 wordlen;

	struct buf	 message;	/* set by a Tab that listed */
};

/* Initialise p (no history); complete may be NULL for no completion. */
void prompt_init(struct prompt *p, prompt_complete_fn complete, void *ctx);
/* Free p's history and buffers. */
void prompt_free(struct prompt *p);

/* Open the prompt with label and initial text (NULL for none); the cursor
 * goes to the end. */
void prompt_open(struct prompt *p, const char *label, const char *text);
/* Close it without running anything. */
void prompt_close(struct prompt *p);

/*
 * Handle one key: printable characters insert; Left/Right, Home/End,
 * C-a/C-e move; Backspace/Delete, C-u (to the start), C-k (to the end),
 * C-w (the word before the cursor) delete; Up/Down walk the history; Tab
 * completes; Enter runs (adding the line to the history); Escape, C-c and
 * C-g cancel.  Returns what happened (enum prompt_result).
 */
int prompt_key(struct prompt *p, const TermKeyKey *key);

/* The current text (NUL-terminated, owned by p). */
const char *prompt_text(const struct prompt *p);

/* Replace the whole text; the cursor goes to the end. */
void prompt_set_text(struct prompt *p, const char *text);

/* Append line to the history (skipping blanks and a repeat of the last). */
void prompt_history_add(struct prompt *p, const char *line);

/* Complete the word before the cursor (what Tab does).  Returns
 * PROMPT_EDITED when the text changed, PROMPT_LISTED when there were
 * several candidates or none (see prompt_message), else PROMPT_IGNORED. */
int prompt_complete(struct prompt *p);

/* Offer a candidate during completion (copied; duplicates and words that
 * do not start with what was typed are dropped). */
void prompt_candidate(struct prompt *p, const char *word);

/* The message of the last completion, until the next key ("" none):
 * the candidates when there were several, or that there were none. */
const char *prompt_message(const struct prompt *p);

/*
 * Fit the text in width columns: sets *start to the byte offset of the
 * first character to show and returns the column of the cursor relative
 * to it, so that the cursor is always visible.
 */
int prompt_view(const struct prompt *p, int width, size_t *start);

/* Display width of the UTF-8 text s[0..len) (wcwidth; controls 0). */
int prompt_width(const char *s, size_t len);

#endif
