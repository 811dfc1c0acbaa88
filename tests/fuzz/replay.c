/*
 * replay.c -- run a libFuzzer target over saved inputs, without libFuzzer.
 *
 *   fuzz_NAME_replay DIR|FILE...
 *
 * Linked with a fuzz_NAME.c by the normal build (gcc, and under
 * 'make asan' with the sanitizers), so that 'make check' replays every
 * seed corpus and every crash reproducer as a regression test.  Calls
 * LLVMFuzzerInitialize once if the target has one, then
 * LLVMFuzzerTestOneInput once per regular file (directories are read one
 * level deep, in name order).  Prints "ok N inputs" and exits 0; a target
 * that aborts or is caught by a sanitizer first names the file on stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
run_file(const char *path)
{
	FILE *fp;
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			if ((data = realloc(data, cap)) == NULL) {
				fprintf(stderr, "out of memory\n");
				exit(2);
			}
		}
		n = fread(data + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(fp);
		free(data);
		return -1;
	}
	fclose(fp);
	/* Announce first: if the target dies, the last name said is the
	 * input that killed it. */
	fprintf(stderr, "input %s (%zu bytes)\n", path, len);
	/* A copy of exactly len bytes, so that ASan sees reads past the end
	 * as libFuzzer's own buffer would. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL)
			exit(2);
		memcpy(exact, data, len);
		free(data);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_dir(const char *path, size_t *count)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, *p;
	size_t n = 0, cap = 0, i;
	struct stat st;
	int rc = 0;

	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap * 2 + 16;
			if ((names = realloc(names, cap * sizeof *names)) == NULL)
				exit(2);
		}
		if (asprintf(&p, "%s/%s", path, de->d_name) == -1)
			exit(2);
		names[n++] = p;
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	for (i = 0; i < n; i++) {
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(names[i]) != 0)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0)
				rc = 1;
		} else if (run_file(argv[i]) != 0)
			rc = 1;
		else
			count++;
	}
	printf("ok %zu inputs\n", count);
	return rc;
}
