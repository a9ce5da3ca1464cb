/* libFuzzer harness for the folded-stacks reader (stacktop diff): the bytes
 * are a file. Nothing may crash or read outside them; a parse gives lines
 * or one one-line reason, never both; lines are sorted, distinct, count
 * something and hold no control character; and the differential graph of
 * the lines against themselves and against the first half of them is
 * drawn without a crash. */
#include "fuzz_folded_lines.h"
#include "ui/profile_diff.h"
#include "ui/profile_folded_read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct folded_line *lines = NULL;
	size_t n = 0;
	char *cause = NULL, *copy = malloc(size ? size : 1);
	int rc;

	/* An own copy of exactly the bytes given: a read past them is caught. */
	memcpy(copy, data, size);
	rc = profile_folded_read(copy, size, &lines, &n, &cause);
	if ((rc == 0) != (cause == NULL) || (rc == 0) != (lines != NULL))
		abort();
	if (rc != 0) {
		if (strchr(cause, '\n') != NULL || strncmp(cause, "line ", 5) != 0)
			abort();
		free(cause);
		free(copy);
		return 0;
	}
	fuzz_folded_lines_check(lines, n);
	if (n > 0) {
		struct profile_diff_side all = {"a", lines, n}, half = {"b", lines, (n + 1) / 2};
		FILE *out = fopen("/dev/null", "w");

		n = profile_diff_strip_ids(lines, n);
		all.n = n;
		half.n = (n + 1) / 2;
		profile_diff_svg_write(out, &half, &all, true);
		profile_diff_svg_write(out, &all, &half, false);
		fclose(out);
	}
	profile_fold_free(lines, n);
	free(copy);
	return 0;
}
