/* libFuzzer harness for the pprof reader (stacktop diff): the bytes are a
 * file, gzipped or not (the seeds: stacktop's own .pb.gz in
 * tests/fixtures/profiles). Nothing may crash, read outside the bytes or
 * inflate past the bound; a read gives lines or one one-line reason, never
 * both; lines are sorted, distinct, count something and hold no control
 * character. The same bytes through profile_diff_read, which tells
 * formats apart, keep the same promises. */
#include "fuzz_folded_lines.h"
#include "ui/profile_diff.h"
#include "ui/profile_pprof_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_check(int rc, struct folded_line *lines, size_t n, char *cause)
{
	if ((rc == 0) != (cause == NULL) || (rc == 0) != (lines != NULL))
		abort();
	if (rc != 0) {
		if (strchr(cause, '\n') != NULL)
			abort();
		free(cause);
		return;
	}
	fuzz_folded_lines_check(lines, n);
	profile_fold_free(lines, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct folded_line *lines = NULL;
	size_t n = 0;
	char *cause = NULL;
	uint8_t *copy = malloc(size ? size : 1);
	const char *format;
	int rc;

	/* An own copy of exactly the bytes given: a read past them is caught. */
	memcpy(copy, data, size);
	rc = profile_pprof_read(copy, size, &lines, &n, &cause);
	fuzz_check(rc, lines, n, cause);
	lines = NULL;
	cause = NULL;
	rc = profile_diff_read(copy, size, &lines, &n, &format, &cause);
	if (rc == 0 && n == 0)
		abort(); /* no samples is an error there */
	fuzz_check(rc, lines, n, cause);
	free(copy);
	return 0;
}
