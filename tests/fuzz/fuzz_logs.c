/*
 * fuzz_logs.c -- libFuzzer entry point for traceback assembly and
 * classification.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       -DMODELTOP_VERSION='"fuzz"' -DMODELTOP_DATADIR='"data"' \
 *       tests/fuzz/fuzz_logs.c $(ls src/[a-z]*.c | grep -v src/main.c) \
 *       $(pkg-config --cflags --libs sqlite3 inih libcurl) -lm -ldl \
 *       -lpthread -o fuzz_logs
 *   mkdir -p /tmp/fuzz_logs_corpus
 *   ./fuzz_logs -artifact_prefix=/tmp/ /tmp/fuzz_logs_corpus \
 *       tests/fuzz/corpus/logs
 *
 * Run from the repository root (the shipped rules are read from
 * data/rules/python.ini, or from $MODELTOP_RULES).
 *
 * An input is a log: its lines go through a traceback assembler (time
 * moving on by the lines' own bytes, so that timeouts happen too) and
 * every record through the classifier.  Records must be well formed:
 * NUL-terminated fields, text_len the text's length, a type for every
 * traceback.
 *
 * Rule files are written to a memfd (memfile.h), never to a disk.
 *
 * An input starting with "I\n" is a rule file: it is loaded (every
 * error reported, never a crash) and the rules it keeps are tried on the
 * seed lines.
 *
 * An input starting with "R\n" is instead "R\nREGEX\nLINE\nLINE...": the
 * regex becomes a one-rule file, and for every line the classifier's
 * verdict must equal regexec's, so that the literal prefilter never
 * turns down a line the regex matches (nor lets one through it does not).
 */
#include <ctype.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "config.h"
#include "memfile.h"
#include "regsafe.h"
#include "traceback.h"
#include "util.h"

static struct classifier *shipped;
static struct memfile rule_file;	/* rule files, in memory */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("MODELTOP_RULES");
	struct cfg_errors errs = {0};

	if (path == NULL)
		path = "data/rules/python.ini";
	shipped = classifier_load(&path, 1, &errs);
	if (errs.n > 0 || classifier_rule_count(shipped) == 0) {
		cfg_errors_print(&errs, stderr);
		fprintf(stderr, "fuzz_logs: no rules from %s: run from the "
		    "repository root or set MODELTOP_RULES\n", path);
		exit(1);
	}
	cfg_errors_free(&errs);
	memfile_init(&rule_file, "fuzz_logs_rule");
	return 0;
}

static void
check_field(const char *s, size_t size)
{
	if (strnlen(s, size) >= size)
		abort();
}

static void
on_record(void *ctx, const struct tb_record *r)
{
	struct class_match m;

	check_field(r->exc_type, sizeof r->exc_type);
	check_field(r->message, sizeof r->message);
	check_field(r->chain, sizeof r->chain);
	check_field(r->where, sizeof r->where);
	if (r->text == NULL || strlen(r->text) != r->text_len)
		abort();
	if (r->text_len > TB_TEXT_MAX + 8 || r->lines < 1)
		abort();
	if (r->is_traceback && r->exc_type[0] == '\0')
		abort();
	if (!r->is_traceback && (r->exc_type[0] != '\0' || r->lines != 1))
		abort();
	if (classifier_match(shipped, r, &m) &&
	    (m.rule == NULL || m.cls == NULL || m.strategy == NULL ||
	    m.severity < SEVERITY_INFO || m.severity > SEVERITY_CRITICAL))
		abort();
}

static void
fuzz_log(const char *data, size_t size)
{
	struct tb_asm *a = tb_asm_new();
	const char *p = data, *end = data + size, *nl;
	int64_t now = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		tb_asm_line(a, p, (size_t)(nl - p), now, on_record, NULL);
		/* Time moves by the line's first byte: most lines come
		 * together, some much later. */
		if (nl > p)
			now += (unsigned char)p[0] < 0x20 ?
			    (unsigned char)p[0] * 150 : 0;
		if (((nl - p) & 7) == 7)
			tb_asm_flush(a, now, 0, on_record, NULL);
		p = nl + 1;
	}
	tb_asm_flush(a, now, 1, on_record, NULL);
	if (tb_asm_pending(a))
		abort();
	tb_asm_free(a);
}

/* A regex the rule file can carry as it is: inih trims the value and
 * cuts it at " ;"; and one glibc compiles in reasonable memory. */
static int
carriable(const char *re)
{
	size_t n = strlen(re);

	size_t i, quantifiers = 0;

	/* glibc's regcomp copies a subexpression for every stacked
	 * quantifier: "x++++..." takes memory exponentially.  That is the
	 * library's, not ours to find again and again. */
	for (i = 0; i < n; i++)
		quantifiers += strchr("*+?{", re[i]) != NULL;
	if (quantifiers > 6)
		return 0;
	if (n == 0 || n > 200 || isspace((unsigned char)re[0]) ||
	    isspace((unsigned char)re[n - 1]) || strchr(re, '\r') != NULL)
		return 0;
	/* After "match = ", a leading ';' starts a comment too. */
	for (i = 0; i < n; i++)
		if (re[i] == ';' && (i == 0 || isspace((unsigned char)re[i - 1])))
			return 0;
	return 1;
}

static void
fuzz_regex(const char *data, size_t size)
{
	char *copy = xstrndup(data, size), *re, *line, *save = NULL;
	struct cfg_errors errs = {0};
	const char *path = rule_file.path;
	struct classifier *c;
	struct tb_record r;
	struct class_match m;
	struct buf rule = {0};
	regex_t want;
	char err[256];
	int expect, got;

	if (strlen(copy) != size)	/* NULs: not a C string */
		goto out;
	re = strtok_r(copy, "\n", &save);
	if (re == NULL || !carriable(re))
		goto out;
	/* what the rule file will take: glibc's regcomp, behind the
	 * complexity guard that every user regex goes through */
	if (regsafe_compile(&want, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE,
	    err, sizeof err) != 0)
		goto out;
	buf_printf(&rule, "[rule f]\nmatch = %s\nclass = data\n", re);
	memfile_set(&rule_file, rule.data, rule.len);
	buf_free(&rule);
	c = classifier_load(&path, 1, &errs);
	if (errs.n != 0 || classifier_rule_count(c) != 1)
		abort();
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		memset(&r, 0, sizeof r);
		r.text = line;
		r.text_len = strlen(line);
		r.lines = 1;
		expect = regexec(&want, line, 0, NULL, 0) == 0;
		got = classifier_match(c, &r, &m);
		if (expect != got) {
			fprintf(stderr, "regex /%s/ on \"%s\": regexec %d, "
			    "classifier %d\n", re, line, expect, got);
			abort();
		}
	}
	classifier_free(c);
	cfg_errors_free(&errs);
	regfree(&want);
out:
	free(copy);
}

static void
fuzz_rules(const char *data, size_t size)
{
	static const char *const lines[] = { "Killed", "CUDA out of memory",
	    "INFO: ok", "" };
	struct cfg_errors errs = {0};
	const char *path = rule_file.path;
	struct classifier *c;
	struct tb_record r;
	struct class_match m;
	size_t i;

	memfile_set(&rule_file, data, size);
	c = classifier_load(&path, 1, &errs);
	for (i = 0; i < errs.n; i++)
		if (errs.v[i].msg == NULL || errs.v[i].line < 0)
			abort();
	for (i = 0; i < ARRAY_LEN(lines); i++) {
		memset(&r, 0, sizeof r);
		r.text = (char *)lines[i];
		r.text_len = strlen(lines[i]);
		r.lines = 1;
		classifier_match(c, &r, &m);
		r.is_traceback = 1;
		strcpy(r.exc_type, "ValueError");
		classifier_match(c, &r, &m);
	}
	for (i = 0; i < classifier_rule_count(c); i++)
		if (classifier_rule_name(c, i) == NULL)
			abort();
	classifier_free(c);
	cfg_errors_free(&errs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == 'R' && data[1] == '\n')
		fuzz_regex((const char *)data + 2, size - 2);
	else if (size >= 2 && data[0] == 'I' && data[1] == '\n')
		fuzz_rules((const char *)data + 2, size - 2);
	else
		fuzz_log((const char *)data, size);
	return 0;
}
