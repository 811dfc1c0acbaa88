/*
 * prompt.c -- a small line editor for the console's prompts.
 */
#include "prompt.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static int
is_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

static size_t
next_char(const struct prompt *p, size_t i)
{
	if (i >= p->len)
		return p->len;
	i++;
	while (i < p->len && is_cont((unsigned char)p->text[i]))
		i++;
	return i;
}

static size_t
prev_char(const struct prompt *p, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && is_cont((unsigned char)p->text[i]))
		i--;
	return i;
}

void
prompt_init(struct prompt *p, prompt_complete_fn complete, void *ctx)
{
	memset(p, 0, sizeof *p);
	p->complete = complete;
	p->complete_ctx = ctx;
}

static void
clear_cands(struct prompt *p)
{
	size_t i;

	for (i = 0; i < p->ncands; i++)
		free(p->cands[i]);
	p->ncands = 0;
}

void
prompt_free(struct prompt *p)
{
	size_t i;

	for (i = 0; i < p->nhist; i++)
		free(p->hist[i]);
	free(p->hist);
	clear_cands(p);
	free(p->cands);
	buf_free(&p->message);
	memset(p, 0, sizeof *p);
}

void
prompt_set_text(struct prompt *p, const char *text)
{
	p->len = util_strlcpy(p->text, text != NULL ? text : "",
	    sizeof p->text);
	if (p->len >= sizeof p->text) {
		/* Never leave half a character at the end. */
		p->len = sizeof p->text - 1;
		while (p->len > 0 && is_cont((unsigned char)p->text[p->len]))
			p->len--;
		p->text[p->len] = '\0';
	}
	p->cur = p->len;
}

void
prompt_open(struct prompt *p, const char *label, const char *text)
{
	util_strlcpy(p->label, label, sizeof p->label);
	prompt_set_text(p, text);
	p->hpos = p->nhist;
	p->active = 1;
	buf_clear(&p->message);
}

void
prompt_close(struct prompt *p)
{
	p->active = 0;
	buf_clear(&p->message);
}

const char *
prompt_text(const struct prompt *p)
{
	return p->text;
}

const char *
prompt_message(const struct prompt *p)
{
	return p->message.data != NULL ? p->message.data : "";
}

void
prompt_history_add(struct prompt *p, const char *line)
{
	const char *s = line;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return;
	if (p->nhist > 0 && strcmp(p->hist[p->nhist - 1], line) == 0)
		return;
	if (p->nhist == PROMPT_HISTORY) {
		free(p->hist[0]);
		memmove(p->hist, p->hist + 1, (p->nhist - 1) * sizeof *p->hist);
		p->nhist--;
	}
	p->hist = xgrow(p->hist, &p->hcap, p->nhist + 1, sizeof *p->hist);
	p->hist[p->nhist++] = xstrdup(line);
	p->hpos = p->nhist;
}

static int
insert(struct prompt *p, const char *s, size_t n)
{
	if (n == 0 || p->len + n >= sizeof p->text)
		return PROMPT_IGNORED;
	memmove(p->text + p->cur + n, p->text + p->cur, p->len - p->cur + 1);
	memcpy(p->text + p->cur, s, n);
	p->len += n;
	p->cur += n;
	return PROMPT_EDITED;
}

static int
delete_range(struct prompt *p, size_t from, size_t to)
{
	if (from >= to)
		return PROMPT_IGNORED;
	memmove(p->text + from, p->text + to, p->len - to + 1);
	p->len -= to - from;
	p->cur = from;
	return PROMPT_EDITED;
}

static int
move_to(struct prompt *p, size_t to)
{
	if (to == p->cur)
		return PROMPT_IGNORED;
	p->cur = to;
	return PROMPT_EDITED;
}

static int
history(struct prompt *p, int dir)
{
	if (dir < 0) {
		if (p->hpos == 0)
			return PROMPT_IGNORED;
		if (p->hpos == p->nhist)
			util_strlcpy(p->draft, p->text, sizeof p->draft);
		p->hpos--;
		prompt_set_text(p, p->hist[p->hpos]);
	} else {
		if (p->hpos >= p->nhist)
			return PROMPT_IGNORED;
		p->hpos++;
		prompt_set_text(p, p->hpos == p->nhist ? p->draft :
		    p->hist[p->hpos]);
	}
	return PROMPT_EDITED;
}

static int
control(struct prompt *p, long c)
{
	size_t i;

	switch (c) {
	case 'a':
		return move_to(p, 0);
	case 'e':
		return move_to(p, p->len);
	case 'b':
		return move_to(p, prev_char(p, p->cur));
	case 'f':
		return move_to(p, next_char(p, p->cur));
	case 'd':
		return delete_range(p, p->cur, next_char(p, p->cur));
	case 'u':
		return delete_range(p, 0, p->cur);
	case 'k':
		if (p->cur == p->len)
			return PROMPT_IGNORED;
		p->len = p->cur;
		p->text[p->len] = '\0';
		return PROMPT_EDITED;
	case 'w':
		i = p->cur;
		while (i > 0 && p->text[i - 1] == ' ')
			i--;
		while (i > 0 && p->text[i - 1] != ' ')
			i--;
		return delete_range(p, i, p->cur);
	case 'p':
		return history(p, -1);
	case 'n':
		return history(p, 1);
	case 'c':
	case 'g':
		prompt_close(p);
		return PROMPT_CANCEL;
	}
	return PROMPT_IGNORED;
}

int
prompt_key(struct prompt *p, const TermKeyKey *key)
{
	char ch[8];
	size_t n;

	if (key->type != TERMKEY_TYPE_KEYSYM ||
	    key->code.sym != TERMKEY_SYM_TAB)
		buf_clear(&p->message);
	switch (key->type) {
	case TERMKEY_TYPE_UNICODE:
		if (key->modifiers & TERMKEY_KEYMOD_CTRL)
			return control(p, key->code.codepoint | 0x20);
		if (key->modifiers & TERMKEY_KEYMOD_ALT)
			return PROMPT_IGNORED;
		if (key->code.codepoint < 0x20 || key->code.codepoint == 0x7f)
			return PROMPT_IGNORED;
		n = strlen(key->utf8);
		if (n == 0 && key->code.codepoint < 0x80) {
			ch[0] = (char)key->code.codepoint;
			n = 1;
		} else
			memcpy(ch, key->utf8, n);
		return insert(p, ch, n);
	case TERMKEY_TYPE_KEYSYM:
		switch (key->code.sym) {
		case TERMKEY_SYM_ENTER:
			prompt_history_add(p, p->text);
			prompt_close(p);
			return PROMPT_RUN;
		case TERMKEY_SYM_ESCAPE:
			prompt_close(p);
			return PROMPT_CANCEL;
		case TERMKEY_SYM_TAB:
			return prompt_complete(p);
		case TERMKEY_SYM_SPACE:
			return insert(p, " ", 1);
		case TERMKEY_SYM_LEFT:
			return move_to(p, prev_char(p, p->cur));
		case TERMKEY_SYM_RIGHT:
			return move_to(p, next_char(p, p->cur));
		case TERMKEY_SYM_HOME:
			return move_to(p, 0);
		case TERMKEY_SYM_END:
			return move_to(p, p->len);
		case TERMKEY_SYM_BACKSPACE:
		case TERMKEY_SYM_DEL:
			return delete_range(p, prev_char(p, p->cur), p->cur);
		case TERMKEY_SYM_DELETE:
			return delete_range(p, p->cur, next_char(p, p->cur));
		case TERMKEY_SYM_UP:
			return history(p, -1);
		case TERMKEY_SYM_DOWN:
			return history(p, 1);
		default:
			return PROMPT_IGNORED;
		}
	default:
		return PROMPT_IGNORED;
	}
}

void
prompt_candidate(struct prompt *p, const char *word)
{
	size_t i;

	if (p->word == NULL || strncmp(word, p->word, p->wordlen) != 0)
		return;
	for (i = 0; i < p->ncands; i++) {
		if (strcmp(p->cands[i], word) == 0)
			return;
	}
	p->cands = xgrow(p->cands, &p->ccap, p->ncands + 1, sizeof *p->cands);
	p->cands[p->ncands++] = xstrdup(word);
}

static int
cand_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
prompt_complete(struct prompt *p)
{
	char before[PROMPT_MAX], word[PROMPT_MAX], *words[PROMPT_WORDS];
	char *save = NULL, *w;
	size_t start = p->cur, common, i;
	int nwords = 0, rc = PROMPT_IGNORED;

	buf_clear(&p->message);
	if (p->complete == NULL)
		return PROMPT_IGNORED;
	while (start > 0 && p->text[start - 1] != ' ')
		start--;
	memcpy(word, p->text + start, p->cur - start);
	word[p->cur - start] = '\0';
	memcpy(before, p->text, start);
	before[start] = '\0';
	for (w = strtok_r(before, " \t", &save); w != NULL &&
	    nwords < PROMPT_WORDS; w = strtok_r(NULL, " \t", &save))
		words[nwords++] = w;

	clear_cands(p);
	p->word = word;
	p->wordlen = strlen(word);
	p->complete(p->complete_ctx, p, nwords, words);
	p->word = NULL;

	if (p->ncands == 0) {
		buf_printf(&p->message, "no completion for \"%s\"", word);
		return PROMPT_LISTED;
	}
	qsort(p->cands, p->ncands, sizeof *p->cands, cand_cmp);
	common = strlen(p->cands[0]);
	for (i = 1; i < p->ncands; i++) {
		size_t j = 0;

		while (j < common && p->cands[i][j] == p->cands[0][j])
			j++;
		common = j;
	}
	/* Do not cut a UTF-8 character in two. */
	while (common > p->wordlen && is_cont((unsigned char)
	    p->cands[0][common]))
		common--;
	if (common > p->wordlen &&
	    insert(p, p->cands[0] + p->wordlen, common - p->wordlen) ==
	    PROMPT_EDITED)
		rc = PROMPT_EDITED;
	if (p->ncands == 1) {
		if (p->cur == p->len || p->text[p->cur] != ' ')
			insert(p, " ", 1);
		else
			p->cur++;
		return PROMPT_EDITED;
	}
	for (i = 0; i < p->ncands; i++)
		buf_printf(&p->message, "%s%s", i > 0 ? " " : "",
		    p->cands[i]);
	return rc == PROMPT_EDITED ? PROMPT_EDITED : PROMPT_LISTED;
}

static int
char_width(const char *s, size_t len, size_t *used)
{
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w;

	memset(&st, 0, sizeof st);
	n = mbrtowc(&wc, s, len, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		/* Not valid here: one column per byte, as curses would. */
		*used = 1;
		return 1;
	}
	*used = n;
	w = wcwidth(wc);
	return w < 0 ? 0 : w;
}

int
prompt_width(const char *s, size_t len)
{
	size_t i = 0, used;
	int w = 0;

	while (i < len) {
		w += char_width(s + i, len - i, &used);
		i += used;
	}
	return w;
}

int
prompt_view(const struct prompt *p, int width, size_t *start)
{
	size_t s = 0;
	int col;

	if (width < 1)
		width = 1;
	col = prompt_width(p->text, p->cur);
	/* Scroll by characters until the cursor fits, keeping one column
	 * for it at the end. */
	while (col >= width && s < p->cur) {
		size_t used;

		col -= char_width(p->text + s, p->len - s, &used);
		s += used;
	}
	*start = s;
	return col;
}
