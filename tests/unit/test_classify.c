/*
 * test_classify.c -- traceback assembly (the shapes Python really
 * prints), signatures, the rule file parser and its errors, and every
 * rule shipped in data/rules/python.ini against a realistic line, plus
 * the matching speed on a realistic mix (printed to stderr).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "config.h"
#include "traceback.h"
#include "util.h"

/* ---------------------------------------------------------------- harness */

struct rec {
	int		 is_tb;
	char		 type[128];
	char		 message[512];
	char		 chain[512];
	char		 where[256];
	char		*text;
	int		 lines;
	uint64_t	 sig;
};

struct recs {
	struct rec	 r[64];
	size_t		 n;
};

static void
on_record(void *ctx, const struct tb_record *r)
{
	struct recs *rs = ctx;
	struct rec *o;

	assert_true(rs->n < ARRAY_LEN(rs->r));
	assert_int_equal(strlen(r->text), r->text_len);
	o = &rs->r[rs->n++];
	o->is_tb = r->is_traceback;
	memcpy(o->type, r->exc_type, sizeof o->type);
	memcpy(o->message, r->message, sizeof o->message);
	memcpy(o->chain, r->chain, sizeof o->chain);
	memcpy(o->where, r->where, sizeof o->where);
	o->text = xstrdup(r->text);
	o->lines = r->lines;
	o->sig = r->signature;
}

static void
recs_free(struct recs *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		free(rs->r[i].text);
	rs->n = 0;
}

/* Feed text line by line at now_ms; flush at the end when asked. */
static void
feed(struct tb_asm *a, const char *text, int64_t now_ms, int flush,
    struct recs *rs)
{
	const char *p = text, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		tb_asm_line(a, p, (size_t)(nl - p), now_ms, on_record, rs);
		p = *nl == '\n' ? nl + 1 : nl;
	}
	if (flush)
		tb_asm_flush(a, now_ms, 1, on_record, rs);
}

/* Assemble text into records with a fresh assembler. */
static void
assemble(const char *text, struct recs *rs)
{
	struct tb_asm *a = tb_asm_new();

	feed(a, text, 1000, 1, rs);
	tb_asm_free(a);
}

static const char simple_tb[] =
    "Traceback (most recent call last):\n"
    "  File \"/srv/app/server.py\", line 88, in handle\n"
    "    out = self.model.generate(batch)\n"
    "  File \"/srv/app/model.py\", line 41, in generate\n"
    "    return self.forward(x)\n"
    "           ^^^^^^^^^^^^^^^\n"
    "ValueError: expected 4 dims, got 3\n";

/* ------------------------------------------------------- traceback shapes */

static void
test_tb_simple(void **state)
{
	struct recs rs = {0};
	char *text;

	text = xasprintf("%sINFO: next request\n", simple_tb);
	assemble(text, &rs);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[0].is_tb);
	assert_string_equal(rs.r[0].type, "ValueError");
	assert_string_equal(rs.r[0].message, "expected 4 dims, got 3");
	assert_string_equal(rs.r[0].where, "/srv/app/model.py:41 in generate");
	assert_string_equal(rs.r[0].chain, "");
	assert_int_equal(rs.r[0].lines, 7);
	assert_int_equal(strlen(rs.r[0].text), strlen(simple_tb) - 1);
	assert_memory_equal(rs.r[0].text, simple_tb, strlen(simple_tb) - 1);
	assert_false(rs.r[1].is_tb);
	assert_string_equal(rs.r[1].text, "INFO: next request");
	assert_string_equal(rs.r[1].type, "");
	assert_int_equal(rs.r[1].lines, 1);
	recs_free(&rs);
	free(text);
}

static void
test_tb_chained(void **state)
{
	struct recs rs = {0};

	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/cache.py\", line 12, in get\n"
	    "    return self._d[key]\n"
	    "           ~~~~~~~^^^^^\n"
	    "KeyError: 'session-42'\n"
	    "\n"
	    "During handling of the above exception, another exception "
	    "occurred:\n"
	    "\n"
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/server.py\", line 30, in handle\n"
	    "    v = cache.get(k)\n"
	    "  File \"/srv/app/cache.py\", line 14, in get\n"
	    "    raise LookupError(f\"no session {key}\")\n"
	    "LookupError: no session session-42\n"
	    "INFO: served\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[0].is_tb);
	assert_string_equal(rs.r[0].type, "LookupError");
	assert_string_equal(rs.r[0].message, "no session session-42");
	assert_string_equal(rs.r[0].chain, "KeyError: 'session-42'");
	assert_string_equal(rs.r[0].where, "/srv/app/cache.py:14 in get");
	assert_int_equal(rs.r[0].lines, 14);
	assert_string_equal(rs.r[1].text, "INFO: served");
	recs_free(&rs);

	/* raise ... from e */
	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/loader.py\", line 20, in load\n"
	    "    f = open(path, \"rb\")\n"
	    "FileNotFoundError: [Errno 2] No such file or directory: "
	    "'/models/llama-7b/model.safetensors'\n"
	    "\n"
	    "The above exception was the direct cause of the following "
	    "exception:\n"
	    "\n"
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/main.py\", line 5, in <module>\n"
	    "    load(\"/models/llama-7b\")\n"
	    "  File \"/srv/app/loader.py\", line 22, in load\n"
	    "    raise RuntimeError(\"cannot load weights\") from e\n"
	    "RuntimeError: cannot load weights\n", &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].type, "RuntimeError");
	assert_string_equal(rs.r[0].message, "cannot load weights");
	assert_string_equal(rs.r[0].chain, "FileNotFoundError: [Errno 2] No "
	    "such file or directory: '/models/llama-7b/model.safetensors'");
	assert_string_equal(rs.r[0].where, "/srv/app/loader.py:22 in load");
	assert_int_equal(rs.r[0].lines, 13);
	recs_free(&rs);
}

static void
test_tb_prefix(void **state)
{
	struct recs rs = {0};

	/* A prefix on every line (a logging format, a container runtime):
	 * stripped, timestamps differing. */
	assemble(
	    "2024-05-01 12:00:00,123 ERROR [worker-3] Traceback (most recent "
	    "call last):\n"
	    "2024-05-01 12:00:00,123 ERROR [worker-3]   File "
	    "\"/srv/app/server.py\", line 88, in handle\n"
	    "2024-05-01 12:00:00,123 ERROR [worker-3]     out = model(x)\n"
	    "2024-05-01 12:00:00,124 ERROR [worker-3] "
	    "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to "
	    "allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity)\n"
	    "2024-05-01 12:00:01,000 INFO [worker-3] request done\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[0].is_tb);
	assert_string_equal(rs.r[0].type, "torch.cuda.OutOfMemoryError");
	assert_string_equal(rs.r[0].message, "CUDA out of memory. Tried to "
	    "allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity)");
	assert_string_equal(rs.r[0].where, "/srv/app/server.py:88 in handle");
	assert_int_equal(rs.r[0].lines, 4);
	assert_false(rs.r[1].is_tb);
	recs_free(&rs);

	/* logging.exception(): the message line, then a bare traceback. */
	assemble(
	    "ERROR:root:Inference failed\n"
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/server.py\", line 10, in run\n"
	    "    predict()\n"
	    "RuntimeError: boom\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_false(rs.r[0].is_tb);
	assert_string_equal(rs.r[0].text, "ERROR:root:Inference failed");
	assert_string_equal(rs.r[1].type, "RuntimeError");
	recs_free(&rs);

	/* logging.error(traceback.format_exc()): only the first line has
	 * the prefix. */
	assemble(
	    "ERROR:root:Traceback (most recent call last):\n"
	    "  File \"/srv/app/server.py\", line 10, in run\n"
	    "    predict()\n"
	    "ZeroDivisionError: division by zero\n"
	    "\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].type, "ZeroDivisionError");
	assert_string_equal(rs.r[0].message, "division by zero");
	assert_string_equal(rs.r[0].where, "/srv/app/server.py:10 in run");
	/* The blank line held after it comes through on its own. */
	assert_false(rs.r[1].is_tb);
	assert_string_equal(rs.r[1].text, "");
	recs_free(&rs);
}

static void
test_tb_syntax_and_bare(void **state)
{
	struct recs rs = {0};

	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/main.py\", line 3, in <module>\n"
	    "    import handlers\n"
	    "  File \"/srv/app/handlers.py\", line 17\n"
	    "    def predict(x:\n"
	    "               ^\n"
	    "SyntaxError: '(' was never closed\n", &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].type, "SyntaxError");
	assert_string_equal(rs.r[0].message, "'(' was never closed");
	assert_string_equal(rs.r[0].where, "/srv/app/handlers.py:17");
	assert_int_equal(rs.r[0].lines, 7);
	recs_free(&rs);

	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/main.py\", line 40, in <module>\n"
	    "    server.serve_forever()\n"
	    "  File \"/usr/lib/python3.11/socketserver.py\", line 233, in "
	    "serve_forever\n"
	    "    ready = selector.select(poll_interval)\n"
	    "            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
	    "KeyboardInterrupt\n"
	    "worker stopped\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].type, "KeyboardInterrupt");
	assert_string_equal(rs.r[0].message, "");
	assert_string_equal(rs.r[0].where,
	    "/usr/lib/python3.11/socketserver.py:233 in serve_forever");
	assert_string_equal(rs.r[1].text, "worker stopped");
	recs_free(&rs);

	/* A bare MemoryError, and "Type:" with an empty message. */
	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/batch.py\", line 7, in <module>\n"
	    "    x = bytearray(10**12)\n"
	    "MemoryError\n"
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/batch.py\", line 9, in <module>\n"
	    "    raise AssertionError()\n"
	    "AssertionError:\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].type, "MemoryError");
	assert_string_equal(rs.r[1].type, "AssertionError");
	assert_string_equal(rs.r[1].message, "");
	recs_free(&rs);
}

static void
test_tb_multiline_message(void **state)
{
	struct recs rs = {0};

	/* PyTorch's load_state_dict: tab-indented message lines. */
	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/load.py\", line 9, in <module>\n"
	    "    model.load_state_dict(sd)\n"
	    "  File \"/usr/lib/python3/dist-packages/torch/nn/modules/"
	    "module.py\", line 2041, in load_state_dict\n"
	    "    raise RuntimeError('Error(s) in loading state_dict for "
	    "{}:\\n\\t{}'.format(\n"
	    "RuntimeError: Error(s) in loading state_dict for Net:\n"
	    "\tMissing key(s) in state_dict: \"fc.weight\", \"fc.bias\". \n"
	    "\tUnexpected key(s) in state_dict: \"head.weight\". \n"
	    "2024-05-01 12:00:00 INFO retrying\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].type, "RuntimeError");
	assert_string_equal(rs.r[0].message,
	    "Error(s) in loading state_dict for Net:\n"
	    "\tMissing key(s) in state_dict: \"fc.weight\", \"fc.bias\".\n"
	    "\tUnexpected key(s) in state_dict: \"head.weight\".");
	assert_int_equal(rs.r[0].lines, 8);
	assert_string_equal(rs.r[1].text, "2024-05-01 12:00:00 INFO retrying");
	recs_free(&rs);

	/* A message with a newline in it, printed as is; the next log
	 * record (a level word) is not part of it. */
	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/cfg.py\", line 5, in <module>\n"
	    "    raise ValueError(\"bad config\\nkey 'batch' must be > 0\")\n"
	    "ValueError: bad config\n"
	    "key 'batch' must be > 0\n"
	    "WARNING: falling back to defaults\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].message,
	    "bad config\nkey 'batch' must be > 0");
	assert_int_equal(rs.r[0].lines, 5);
	assert_string_equal(rs.r[1].text, "WARNING: falling back to defaults");
	recs_free(&rs);
}

static void
test_tb_interrupted(void **state)
{
	struct recs rs = {0};
	struct tb_asm *a = tb_asm_new();

	/* Another thread's log line cuts the traceback short. */
	feed(a,
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/server.py\", line 88, in handle\n"
	    "2024-05-01 12:00:00,500 INFO other thread says hello\n", 1000, 0,
	    &rs);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[0].is_tb);
	assert_string_equal(rs.r[0].type, "unknown");
	assert_string_equal(rs.r[0].message, "");
	assert_string_equal(rs.r[0].where, "/srv/app/server.py:88 in handle");
	assert_int_equal(rs.r[0].lines, 2);
	assert_false(rs.r[1].is_tb);
	assert_false(tb_asm_pending(a));
	recs_free(&rs);

	/* Never finished: reported once it has waited TB_WAIT_MS. */
	feed(a,
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/server.py\", line 88, in handle\n", 5000, 0,
	    &rs);
	assert_int_equal(rs.n, 0);
	assert_true(tb_asm_pending(a));
	tb_asm_flush(a, 5000 + TB_WAIT_MS - 1, 0, on_record, &rs);
	assert_int_equal(rs.n, 0);
	tb_asm_flush(a, 5000 + TB_WAIT_MS, 0, on_record, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].type, "unknown");
	recs_free(&rs);

	/* A finished one waits for a possible chain, then goes by time. */
	feed(a, simple_tb, 10000, 0, &rs);
	assert_int_equal(rs.n, 0);
	tb_asm_flush(a, 10000 + TB_WAIT_MS, 0, on_record, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].type, "ValueError");
	recs_free(&rs);

	/* A line arriving much later is not a message continuation. */
	feed(a, simple_tb, 20000, 0, &rs);
	feed(a, "later line\n", 20000 + 400, 0, &rs);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].message, "expected 4 dims, got 3");
	assert_string_equal(rs.r[1].text, "later line");
	recs_free(&rs);

	/* A second Traceback right after the first: two records. */
	feed(a, simple_tb, 30000, 0, &rs);
	feed(a, simple_tb, 30000, 1, &rs);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.r[0].lines, 7);
	assert_int_equal(rs.r[1].lines, 7);
	recs_free(&rs);
	tb_asm_free(a);
}

static void
test_tb_group(void **state)
{
	struct recs rs = {0};

	assemble(
	    "  + Exception Group Traceback (most recent call last):\n"
	    "  |   File \"/srv/app/main.py\", line 12, in <module>\n"
	    "  |     asyncio.run(main())\n"
	    "  |   File \"/srv/app/main.py\", line 8, in main\n"
	    "  |     async with asyncio.TaskGroup() as tg:\n"
	    "  | ExceptionGroup: unhandled errors in a TaskGroup (2 "
	    "sub-exceptions)\n"
	    "  +-+---------------- 1 ----------------\n"
	    "    | Traceback (most recent call last):\n"
	    "    |   File \"/srv/app/main.py\", line 4, in fetch\n"
	    "    |     raise ConnectionRefusedError(\"backend down\")\n"
	    "    | ConnectionRefusedError: backend down\n"
	    "    +---------------- 2 ----------------\n"
	    "    | Traceback (most recent call last):\n"
	    "    |   File \"/srv/app/main.py\", line 6, in fetch\n"
	    "    |     raise TimeoutError(\"slow\")\n"
	    "    | TimeoutError: slow\n"
	    "    +------------------------------------\n"
	    "done\n", &rs);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[0].is_tb);
	assert_string_equal(rs.r[0].type, "ExceptionGroup");
	assert_string_equal(rs.r[0].message,
	    "unhandled errors in a TaskGroup (2 sub-exceptions)");
	assert_string_equal(rs.r[0].chain,
	    "ConnectionRefusedError: backend down\nTimeoutError: slow");
	assert_int_equal(rs.r[0].lines, 17);
	assert_string_equal(rs.r[1].text, "done");
	recs_free(&rs);

	/* A group raised while handling another exception. */
	assemble(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/main.py\", line 3, in <module>\n"
	    "    x()\n"
	    "KeyError: 'a'\n"
	    "\n"
	    "During handling of the above exception, another exception "
	    "occurred:\n"
	    "\n"
	    "  + Exception Group Traceback (most recent call last):\n"
	    "  |   File \"/srv/app/main.py\", line 5, in <module>\n"
	    "  |     raise ExceptionGroup(\"many\", [ValueError(1)])\n"
	    "  | ExceptionGroup: many (1 sub-exception)\n"
	    "  +-+---------------- 1 ----------------\n"
	    "    | ValueError: 1\n"
	    "    +------------------------------------\n", &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].type, "ExceptionGroup");
	assert_string_equal(rs.r[0].message, "many (1 sub-exception)");
	assert_string_equal(rs.r[0].chain, "KeyError: 'a'\nValueError: 1");
	assert_string_equal(rs.r[0].where, "/srv/app/main.py:5 in <module>");
	assert_int_equal(rs.r[0].lines, 14);
	recs_free(&rs);
}

static void
test_tb_bytes(void **state)
{
	struct recs rs = {0};
	struct tb_asm *a = tb_asm_new();
	static const char junk[] = "bad \xff\xfe bytes \0 and a NUL\r";
	char *big = xmalloc(100000);
	int i;

	tb_asm_line(a, junk, sizeof junk - 1, 0, on_record, &rs);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.r[0].text, "bad \xff\xfe bytes   and a NUL");
	recs_free(&rs);

	/* A huge traceback: the text is capped, the lines all counted. */
	tb_asm_line(a, "Traceback (most recent call last):", 34, 0, on_record,
	    &rs);
	memset(big, 'x', 100000);
	big[0] = ' ';
	for (i = 0; i < 50; i++)
		tb_asm_line(a, big, 100000, 0, on_record, &rs);
	tb_asm_line(a, "RecursionError: maximum recursion depth exceeded", 48,
	    0, on_record, &rs);
	tb_asm_flush(a, 0, 1, on_record, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.r[0].lines, 52);
	assert_string_equal(rs.r[0].type, "RecursionError");
	assert_true(strlen(rs.r[0].text) <= TB_TEXT_MAX + 8);
	assert_true(strstr(rs.r[0].text, "[...]") != NULL);
	recs_free(&rs);
	free(big);
	tb_asm_free(a);
}

/* ------------------------------------------------------------- signatures */

static uint64_t
sig_of(const char *text)
{
	struct recs rs = {0};
	uint64_t s;

	assemble(text, &rs);
	assert_int_equal(rs.n, 1);
	s = rs.r[0].sig;
	recs_free(&rs);
	return s;
}

static char *
oom_tb(int line1, int line2, const char *fn, const char *type,
    const char *size)
{
	return xasprintf(
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/server.py\", line %d, in %s\n"
	    "    out = model(x)\n"
	    "  File \"/srv/app/model.py\", line %d, in forward\n"
	    "    h = self.attn(h)\n"
	    "%s: CUDA out of memory. Tried to allocate %s GiB (GPU 0; "
	    "23.65 GiB total capacity) at 0x7f3a2b1c9d00\n",
	    line1, fn, line2, type, size);
}

static void
test_signatures(void **state)
{
	char *a = oom_tb(88, 41, "handle", "torch.cuda.OutOfMemoryError",
	    "2.00");
	char *b = oom_tb(90, 57, "handle", "torch.cuda.OutOfMemoryError",
	    "11.50");
	char *c = oom_tb(88, 41, "handle_batch", "torch.cuda.OutOfMemoryError",
	    "2.00");
	char *d = oom_tb(88, 41, "handle", "RuntimeError", "2.00");
	uint64_t sa = sig_of(a), sb = sig_of(b);

	/* Other line numbers, sizes and addresses: the same error. */
	assert_true(sa == sb);
	assert_true(sa != 0);
	/* Another function on the path, another type: another error. */
	assert_true(sig_of(c) != sa);
	assert_true(sig_of(d) != sa);
	/* Stable across runs and builds. */
	assert_true(sa == sig_of(a));

	/* Single lines: numbers and ids masked. */
	assert_true(tb_signature_text("request 123 failed after 45 ms", 30) ==
	    tb_signature_text("request 9 failed after 5000 ms", 30));
	assert_true(tb_signature_text("object at 0x7f00aa11", 20) ==
	    tb_signature_text("object at 0xdeadbeef", 20));
	assert_true(tb_signature_text("id 3f2a9c1d0b7e", 14) ==
	    tb_signature_text("id 0000aaaa1111", 14));
	assert_true(tb_signature_text("request failed", 14) !=
	    tb_signature_text("request passed", 14));
	free(a);
	free(b);
	free(c);
	free(d);
}

/* ------------------------------------------------------------------ rules */

struct tmpdir {
	char	 dir[64];
};

static int
setup_dir(void **state)
{
	struct tmpdir *t = xcalloc(1, sizeof *t);

	strcpy(t->dir, "/tmp/test_classify.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	*state = t;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct tmpdir *t = *state;
	char *cmd = xasprintf("rm -rf '%s'", t->dir);

	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->dir);
	free(cmd);
	free(t);
	return 0;
}

static char *
write_file(const struct tmpdir *t, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", t->dir, name);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static struct classifier *
load_shipped(void)
{
	const char *root = getenv("MODELTOP_TEST_ROOT");
	struct cfg_errors errs = {0};
	struct classifier *c;
	char path[4096];
	const char *paths[] = { path };

	snprintf(path, sizeof path, "%s/data/rules/python.ini",
	    root != NULL ? root : ".");
	c = classifier_load(paths, 1, &errs);
	if (errs.n > 0) {
		cfg_errors_print(&errs, stderr);
		fail_msg("the shipped rules have %zu errors", errs.n);
	}
	cfg_errors_free(&errs);
	return c;
}

/* The rule that the (single or traceback) record text gets, or "-". */
static const char *
classify_text(const struct classifier *c, const char *text)
{
	static char rule[64];
	struct recs rs = {0};
	struct tb_asm *a = tb_asm_new();
	struct tb_record r;
	struct class_match m;
	size_t i;

	/* Through the assembler, as the engine does. */
	feed(a, text, 1000, 1, &rs);
	tb_asm_free(a);
	assert_int_equal(rs.n, 1);
	memset(&r, 0, sizeof r);
	r.is_traceback = rs.r[0].is_tb;
	memcpy(r.exc_type, rs.r[0].type, sizeof r.exc_type);
	memcpy(r.message, rs.r[0].message, sizeof r.message);
	memcpy(r.chain, rs.r[0].chain, sizeof r.chain);
	r.text = rs.r[0].text;
	r.text_len = strlen(r.text);
	if (classifier_match(c, &r, &m)) {
		util_strlcpy(rule, m.rule, sizeof rule);
		/* The strings are the rule's. */
		for (i = 0; i < classifier_rule_count(c); i++)
			if (strcmp(classifier_rule_name(c, i), m.rule) == 0)
				break;
		assert_true(i < classifier_rule_count(c));
	} else
		util_strlcpy(rule, "-", sizeof rule);
	recs_free(&rs);
	return rule;
}

static char *
tb(const char *final)
{
	return xasprintf("Traceback (most recent call last):\n"
	    "  File \"/srv/app/server.py\", line 88, in handle\n"
	    "    out = self.model.generate(batch)\n"
	    "%s\n", final);
}

static void
expect_rule(const struct classifier *c, const char *text, const char *rule)
{
	const char *got = classify_text(c, text);

	if (strcmp(got, rule) != 0)
		fail_msg("\"%s\": rule %s, expected %s", text, got, rule);
}

static void
expect_tb_rule(const struct classifier *c, const char *final,
    const char *rule)
{
	char *text = tb(final);

	expect_rule(c, text, rule);
	free(text);
}

static void
test_shipped_rules(void **state)
{
	struct classifier *c = load_shipped();
	struct tb_record r;
	struct class_match m;

	assert_int_equal(classifier_rule_count(c), 16);
	/* The fallback is tried last. */
	assert_string_equal(classifier_rule_name(c, 15), "unhandled-exception");

	/* CUDA out of memory */
	expect_tb_rule(c, "torch.cuda.OutOfMemoryError: CUDA out of memory. "
	    "Tried to allocate 20.00 MiB (GPU 0; 15.78 GiB total capacity; "
	    "14.64 GiB already allocated; 3.06 MiB free; 14.71 GiB reserved "
	    "in total by PyTorch)", "cuda-oom");
	expect_rule(c, "RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED "
	    "when calling `cublasCreate(handle)`", "cuda-oom");
	expect_rule(c, "RuntimeError: CUDA error: out of memory", "cuda-oom");
	/* host memory */
	expect_rule(c, "[12345.678901] Out of memory: Killed process 4242 "
	    "(python3) total-vm:32101236kB, anon-rss:30123456kB",
	    "oom-killer");
	expect_tb_rule(c, "MemoryError", "memory-error");
	expect_rule(c, "numpy.core._exceptions._ArrayMemoryError: Unable to "
	    "allocate 7.45 GiB for an array with shape (1000000000,) and "
	    "data type float64", "memory-error");
	/* killed by a signal */
	expect_rule(c, "Killed", "killed");
	expect_rule(c, "/bin/sh: line 1: 12345 Killed                  "
	    "python serve.py --port 8000", "killed");
	expect_rule(c, "ERROR: worker 3 died with exitcode -9", "killed");
	expect_rule(c, "torch.distributed.elastic.multiprocessing.api: "
	    "Signal 9 (SIGKILL) received by PID 5521", "killed");
	expect_rule(c, "supervisor: llm-0 exited with exit code 137",
	    "killed");
	expect_rule(c, "Fatal Python error: Segmentation fault", "segfault");
	/* GPU */
	expect_rule(c, "[Rank 0] Watchdog caught collective operation "
	    "timeout: WorkNCCL(SeqNum=1, OpType=ALLREDUCE, Timeout(ms)=600000) "
	    "ran for 600412 milliseconds before timing out.", "nccl-timeout");
	expect_tb_rule(c, "RuntimeError: CUDA error: device-side assert "
	    "triggered", "cuda-error");
	/* network */
	expect_tb_rule(c, "ConnectionRefusedError: [Errno 111] Connection "
	    "refused", "connection-refused");
	expect_rule(c, "redis.exceptions.ConnectionError: Error 111 "
	    "connecting to localhost:6379. Connection refused.",
	    "connection-refused");
	expect_tb_rule(c, "ConnectionResetError: [Errno 104] Connection reset "
	    "by peer", "connection-reset");
	expect_tb_rule(c, "BrokenPipeError: [Errno 32] Broken pipe",
	    "connection-reset");
	/* timeouts */
	expect_tb_rule(c, "TimeoutError", "timeout");
	expect_tb_rule(c, "asyncio.exceptions.TimeoutError", "timeout");
	expect_tb_rule(c, "socket.timeout: timed out", "timeout");
	expect_rule(c, "grpc._channel._InactiveRpcError: <_InactiveRpcError "
	    "of RPC that terminated with: status = StatusCode."
	    "DEADLINE_EXCEEDED details = \"Deadline Exceeded\">", "timeout");
	expect_tb_rule(c, "httpx.ReadTimeout: The read operation timed out",
	    "timeout");
	/* resources */
	expect_tb_rule(c, "OSError: [Errno 24] Too many open files",
	    "too-many-open-files");
	expect_tb_rule(c, "OSError: [Errno 28] No space left on device",
	    "disk-full");
	expect_rule(c, "ERROR:    [Errno 98] error while attempting to bind on "
	    "address ('0.0.0.0', 8000): address already in use",
	    "address-in-use");
	/* weights */
	expect_rule(c,
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/loader.py\", line 20, in load\n"
	    "    f = open(path, \"rb\")\n"
	    "FileNotFoundError: [Errno 2] No such file or directory: "
	    "'/models/llama-7b/model.safetensors'\n"
	    "\n"
	    "The above exception was the direct cause of the following "
	    "exception:\n"
	    "\n"
	    "Traceback (most recent call last):\n"
	    "  File \"/srv/app/loader.py\", line 22, in load\n"
	    "    raise RuntimeError(\"cannot load weights\") from e\n"
	    "RuntimeError: cannot load weights\n", "weights-missing");
	expect_tb_rule(c, "OSError: meta-llama/Llama-2-7b-hf does not appear "
	    "to have a file named config.json. Checkout "
	    "'https://huggingface.co/meta-llama/Llama-2-7b-hf/main' for "
	    "available files.", "weights-missing");
	expect_tb_rule(c, "OSError: Error no file named pytorch_model.bin, "
	    "model.safetensors found in directory /models/m.",
	    "weights-missing");
	/* NaN / Inf */
	expect_tb_rule(c, "ValueError: Input contains NaN, infinity or a value "
	    "too large for dtype('float32').", "nan-inf");
	expect_tb_rule(c, "RuntimeError: probability tensor contains either "
	    "`inf`, `nan` or element < 0", "nan-inf");
	expect_rule(c, "2024-05-01 12:00:00 WARNING step 1200: loss is nan in "
	    "rank 0", "nan-inf");
	/* anything else in a traceback */
	expect_tb_rule(c, "ZeroDivisionError: division by zero",
	    "unhandled-exception");
	expect_tb_rule(c, "KeyboardInterrupt", "unhandled-exception");

	/* A healthy server's lines match nothing. */
	expect_rule(c, "INFO:     Uvicorn running on http://0.0.0.0:8000 "
	    "(Press CTRL+C to quit)", "-");
	expect_rule(c, "INFO:     127.0.0.1:51234 - \"POST /v1/completions "
	    "HTTP/1.1\" 200 OK", "-");
	expect_rule(c, "INFO 05-01 12:00:00 metrics.py:334] Avg prompt "
	    "throughput: 0.0 tokens/s, Avg generation throughput: 52.1 "
	    "tokens/s, Running: 4 reqs, Swapped: 0 reqs, Pending: 0 reqs, "
	    "GPU KV cache usage: 7.3%, CPU KV cache usage: 0.0%.", "-");
	expect_rule(c, "Loading checkpoint shards: 100%|##########| 2/2 "
	    "[00:03<00:00,  1.52s/it]", "-");
	expect_rule(c, "ERROR: request 42 rejected: prompt too long", "-");
	expect_rule(c, "DEBUG information about the killed-switch: off", "-");

	/* The match's fields. */
	memset(&r, 0, sizeof r);
	r.text = "Killed";
	r.text_len = 6;
	assert_int_equal(classifier_match(c, &r, &m), 1);
	assert_string_equal(m.rule, "killed");
	assert_string_equal(m.cls, "crash");
	assert_int_equal(m.severity, SEVERITY_CRITICAL);
	assert_string_equal(m.strategy, "restart");
	r.is_traceback = 1;
	r.text = "Traceback (most recent call last):";
	r.text_len = strlen(r.text);
	util_strlcpy(r.exc_type, "unknown", sizeof r.exc_type);
	assert_int_equal(classifier_match(c, &r, &m), 1);
	assert_string_equal(m.rule, "unhandled-exception");
	assert_string_equal(m.cls, "exception");
	assert_int_equal(m.severity, SEVERITY_WARNING);
	assert_string_equal(m.strategy, "investigate");
	classifier_free(c);
}

static void
test_rule_errors(void **state)
{
	struct tmpdir *t = *state;
	struct cfg_errors errs = {0};
	struct classifier *c;
	const char *paths[2];
	char *path;
	char *msg;

	path = write_file(t, "bad.ini",
	    "[rule good-one]\n"				/* 1 */
	    "match = hello\n"
	    "class = exception\n"
	    "\n"
	    "[rule bad-regex]\n"			/* 5 */
	    "match = foo(bar\n"
	    "class = crash\n"
	    "\n"
	    "[rule typo]\n"				/* 9 */
	    "match = world\n"
	    "clas = crash\n"				/* 11 */
	    "severity = urgent\n"			/* 12 */
	    "\n"
	    "[rule good-two]\n"				/* 14 */
	    "exception = ^KeyError$\n"
	    "  class = data   ; an indented key, a comment\n"
	    "strategy = none\n"
	    "\n"
	    "[other]\n"					/* 19 */
	    "x = 1\n"
	    "[rule no-match]\n"				/* 21 */
	    "class = oom\n"
	    "[rule bad-strategy]\n"			/* 23 */
	    "match = x\n"
	    "class = oom\n"
	    "strategy = reboot\n"			/* 26 */
	    "[rule bad-regex]\n"			/* 27 */
	    "match = y\n"
	    "class = oom\n"
	    "this line is not a key\n");		/* 30 */
	paths[0] = path;
	c = classifier_load(paths, 1, &errs);
	cfg_errors_print(&errs, stderr);
	assert_int_equal(errs.n, 8);
	assert_string_equal(errs.v[0].file, path);
	assert_int_equal(errs.v[0].line, 6);
	msg = xasprintf("rule bad-regex: bad regex: %s",
	    "Unmatched ( or \\(");
	assert_string_equal(errs.v[0].msg, msg);
	free(msg);
	assert_int_equal(errs.v[1].line, 11);
	assert_string_equal(errs.v[1].msg, "unknown key \"clas\" in [rule "
	    "typo]: expected match, exception, class, severity, strategy or "
	    "fallback");
	assert_int_equal(errs.v[2].line, 12);
	assert_string_equal(errs.v[2].msg, "severity: expected info, warning "
	    "or critical (got \"urgent\")");
	assert_int_equal(errs.v[3].line, 19);
	assert_string_equal(errs.v[3].msg,
	    "unknown section [other]: expected [rule NAME]");
	assert_int_equal(errs.v[4].line, 21);
	assert_string_equal(errs.v[4].msg,
	    "rule no-match: needs match or exception (or both)");
	assert_int_equal(errs.v[5].line, 26);
	assert_string_equal(errs.v[5].msg, "strategy: expected trim, restart, "
	    "reload, scale, investigate or none (got \"reboot\")");
	assert_int_equal(errs.v[6].line, 27);
	assert_string_equal(errs.v[6].msg,
	    "rule bad-regex: already defined at line 5");
	assert_int_equal(errs.v[7].line, 30);
	assert_true(strncmp(errs.v[7].msg, "syntax error: expected KEY = "
	    "VALUE", 29) == 0);

	/* The good rules load, in order. */
	assert_int_equal(classifier_rule_count(c), 2);
	assert_string_equal(classifier_rule_name(c, 0), "good-one");
	assert_string_equal(classifier_rule_name(c, 1), "good-two");
	expect_rule(c, "well hello there", "good-one");
	expect_tb_rule(c, "KeyError: 'x'", "good-two");
	expect_tb_rule(c, "ValueError: 'x'", "-");
	classifier_free(c);
	cfg_errors_free(&errs);
	free(path);

	/* A file that cannot be read, and a key before any section. */
	path = write_file(t, "early.ini", "match = x\n[rule r]\nmatch = y\n"
	    "class = crash\n");
	paths[0] = "/nonexistent/rules.ini";
	paths[1] = path;
	c = classifier_load(paths, 2, &errs);
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.v[0].file, "/nonexistent/rules.ini");
	assert_int_equal(errs.v[0].line, 0);
	assert_string_equal(errs.v[0].msg,
	    "cannot open: No such file or directory");
	assert_int_equal(errs.v[1].line, 1);
	assert_string_equal(errs.v[1].msg, "match: key outside any section: "
	    "put it under [rule NAME]");
	assert_int_equal(classifier_rule_count(c), 1);
	classifier_free(c);
	cfg_errors_free(&errs);
	free(path);
}

static void
test_rule_order(void **state)
{
	struct tmpdir *t = *state;
	struct cfg_errors errs = {0};
	struct classifier *c;
	const char *paths[3];
	char *p1, *p2;
	struct buf b = {0};
	int i;

	p1 = write_file(t, "shipped.ini",
	    "[rule generic]\nexception = .\nclass = exception\nfallback = yes\n"
	    "[rule oom]\nmatch = out of memory\nclass = oom\n"
	    "severity = critical\nstrategy = restart\n"
	    "[rule memory]\nmatch = memory\nclass = leak\n");
	/* The user's own: one replaces "memory" in its place, one comes
	 * after the shipped rules but before the fallback, one is a long
	 * line (longer than inih's buffer). */
	buf_adds(&b, "[rule memory]\nmatch = memory\nclass = data\n"
	    "severity = info\nstrategy = none\n"
	    "[rule my-errors]\nexception = ^my\\.app\\.\nclass = data\n"
	    "[rule long]\nclass = config\nmatch = ");
	for (i = 0; i < 40; i++)
		buf_printf(&b, "alternative%02d|", i);
	buf_adds(&b, "needle-in-a-long-line ; with a comment\n");
	p2 = write_file(t, "mine.ini", b.data);
	buf_free(&b);
	paths[0] = p1;
	paths[1] = p2;
	c = classifier_load(paths, 2, &errs);
	cfg_errors_print(&errs, stderr);
	assert_int_equal(errs.n, 0);
	assert_int_equal(classifier_rule_count(c), 5);
	assert_string_equal(classifier_rule_name(c, 0), "oom");
	assert_string_equal(classifier_rule_name(c, 1), "memory");
	assert_string_equal(classifier_rule_name(c, 2), "my-errors");
	assert_string_equal(classifier_rule_name(c, 3), "long");
	assert_string_equal(classifier_rule_name(c, 4), "generic");

	/* First match wins: "out of memory" also has "memory". */
	expect_rule(c, "worker: out of memory", "oom");
	expect_rule(c, "memory pressure high", "memory");
	expect_tb_rule(c, "my.app.QuotaError: over quota", "my-errors");
	expect_tb_rule(c, "ValueError: x", "generic");
	expect_rule(c, "a needle-in-a-long-line here", "long");
	expect_rule(c, "alternative07", "long");
	expect_rule(c, "alternative", "-");
	classifier_free(c);

	/* An empty classifier matches nothing. */
	c = classifier_load(paths, 0, &errs);
	assert_int_equal(classifier_rule_count(c), 0);
	expect_rule(c, "Killed", "-");
	classifier_free(c);
	free(p1);
	free(p2);
}

/* Regexes whose required literals are easy to get wrong: the prefilter
 * must never turn down a line the regex matches. */
static void
test_prefilter(void **state)
{
	static const struct {
		const char	*re;
		const char	*yes[4];
		const char	*no;
	} cases[] = {
		{ "colou?r", { "color", "colour", NULL }, "colr" },
		{ "ab?c", { "ac", "abc", NULL }, "ab" },
		{ "x(yz)+w", { "xyzw", "xyzyzw", NULL }, "xw" },
		{ "(foo|bar)baz", { "foobaz", "barbaz", NULL }, "baz" },
		{ "(foo|bar)", { "foo", "a bar", NULL }, "fo ba" },
		{ "ab*cd", { "acd", "abbbcd", NULL }, "abd" },
		{ "ab{2,3}cd", { "abbcd", "abbbcd", NULL }, "abcd" },
		{ "^Killed$", { "Killed", NULL }, "Killed x" },
		{ "err(or)?s? found", { "err found", "errors found", NULL },
		    "error" },
		{ "[Tt]imed out|x\\.y", { "Timed out", "x.y", NULL }, "xzy" },
		{ "a\\+b|c\\|d", { "a+b", "c|d", NULL }, "ab" },
		{ "(ab|c)(de|f)g", { "abdeg", "cfg", NULL }, "abde" },
		{ "([ab]+)xyz", { "axyz", "bbxyz", NULL }, "xy" },
		{ "(a|)bcd", { "bcd", "abcd", NULL }, "bc" },
		{ "u(v(w(x)))yz", { "uvwxyz", NULL }, "uvw" },
		{ "caf\xc3\xa9s?", { "caf\xc3\xa9", "caf\xc3\xa9s", NULL },
		    "cafe" },
	};
	struct tmpdir *t = *state;
	struct cfg_errors errs = {0};
	struct classifier *c;
	struct buf b = {0};
	const char *paths[1];
	char *path, *name;
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		buf_clear(&b);
		buf_printf(&b, "[rule r%zu]\nmatch = %s\nclass = data\n", i,
		    cases[i].re);
		name = xasprintf("p%zu.ini", i);
		path = write_file(t, name, b.data);
		paths[0] = path;
		c = classifier_load(paths, 1, &errs);
		cfg_errors_print(&errs, stderr);
		assert_int_equal(errs.n, 0);
		for (j = 0; cases[i].yes[j] != NULL; j++) {
			if (strcmp(classify_text(c, cases[i].yes[j]), "-") == 0)
				fail_msg("/%s/ did not match \"%s\"",
				    cases[i].re, cases[i].yes[j]);
		}
		if (strcmp(classify_text(c, cases[i].no), "-") != 0)
			fail_msg("/%s/ matched \"%s\"", cases[i].re,
			    cases[i].no);
		classifier_free(c);
		free(path);
		free(name);
	}
	buf_free(&b);
}

/* ------------------------------------------------------------------ speed */

static void
on_speed(void *ctx, const struct tb_record *r)
{
	void **v = ctx;
	const struct classifier *c = v[0];
	long *counts = v[1];
	struct class_match m;

	counts[0]++;
	if (classifier_match(c, r, &m))
		counts[1]++;
}

static void
feed_fn(struct tb_asm *a, const char *text, int64_t now_ms, tb_record_fn fn,
    void *ctx)
{
	const char *p = text, *nl;

	while ((nl = strchr(p, '\n')) != NULL) {
		tb_asm_line(a, p, (size_t)(nl - p), now_ms, fn, ctx);
		p = nl + 1;
	}
}

static void
test_speed(void **state)
{
	static const char *const healthy[] = {
		"INFO:     127.0.0.1:51234 - \"POST /v1/completions HTTP/1.1\" "
		    "200 OK",
		"INFO 05-01 12:00:00 metrics.py:334] Avg prompt throughput: "
		    "210.3 tokens/s, Avg generation throughput: 52.1 tokens/s, "
		    "Running: 4 reqs, Swapped: 0 reqs, Pending: 0 reqs, GPU KV "
		    "cache usage: 7.3%, CPU KV cache usage: 0.0%.",
		"2024-05-01 12:00:00,123 INFO [worker-3] batch of 8 served in "
		    "41.2 ms (queue 3.1 ms)",
		"2024-05-01 12:00:00,124 DEBUG [worker-3] tokenizer cache hit "
		    "ratio 0.97",
		"INFO:     Started server process [4242]",
		"2024-05-01 12:00:01,500 WARNING [worker-1] slow request "
		    "id=9f1c2a7b latency=1830ms",
		"[2024-05-01 12:00:02] request_id=ab12 status=200 "
		    "tokens_in=512 tokens_out=128",
	};
	static const char *const bad[] = {
		"RuntimeError: CUDA error: device-side assert triggered",
		"ERROR: worker 3 died with exitcode -9",
		"ConnectionResetError: [Errno 104] Connection reset by peer",
	};
	struct classifier *c = load_shipped();
	struct tb_asm *a = tb_asm_new();
	long counts[2] = { 0, 0 }, n = 400000, lines = 0, i;
	void *ctx[2] = { c, counts };
	const char *line;
	int64_t t0, t1;
	double rate;

	t0 = util_mono_ns();
	for (i = 0; i < n; i++) {
		/* About 1 line in 100 an error, 1 in 2000 a traceback. */
		if (i % 2000 == 1999) {
			feed_fn(a, simple_tb, i, on_speed, ctx);
			lines += 7;
			continue;
		}
		line = i % 100 == 99 ? bad[(i / 100) % ARRAY_LEN(bad)] :
		    healthy[i % ARRAY_LEN(healthy)];
		tb_asm_line(a, line, strlen(line), i, on_speed, ctx);
		lines++;
	}
	tb_asm_flush(a, n, 1, on_speed, ctx);
	t1 = util_mono_ns();
	rate = (double)lines / ((double)(t1 - t0) / 1e9);
	fprintf(stderr, "classify: %ld lines (%ld records, %ld matched) at "
	    "%.0f lines/s through traceback assembly and the shipped rules "
	    "(target >= 200000)\n", lines, counts[0], counts[1], rate);
	assert_true(counts[1] >= n / 100 - 1);
	/* Loose, so that sanitizers and a loaded machine pass: the
	 * figure above is what counts. */
	assert_true(rate > 20000);
	tb_asm_free(a);
	classifier_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tb_simple),
		cmocka_unit_test(test_tb_chained),
		cmocka_unit_test(test_tb_prefix),
		cmocka_unit_test(test_tb_syntax_and_bare),
		cmocka_unit_test(test_tb_multiline_message),
		cmocka_unit_test(test_tb_interrupted),
		cmocka_unit_test(test_tb_group),
		cmocka_unit_test(test_tb_bytes),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_shipped_rules),
		cmocka_unit_test_setup_teardown(test_rule_errors, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_rule_order, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_prefilter, setup_dir,
		    teardown_dir),
		cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
