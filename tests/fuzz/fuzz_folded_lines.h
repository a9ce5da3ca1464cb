/* What the profile readers' harnesses check of the lines a read gives:
 * sorted, distinct, each counting something, with a stack free of control
 * characters. Aborts otherwise. */
#ifndef STACKTOP_FUZZ_FOLDED_LINES_H
#define STACKTOP_FUZZ_FOLDED_LINES_H

#include "ui/profile_fold.h"

#include <stdlib.h>
#include <string.h>

static inline void
fuzz_folded_lines_check(const struct folded_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lines[i].count == 0 || lines[i].stack[0] == '\0')
			abort();
		if (i > 0 && strcmp(lines[i - 1].stack, lines[i].stack) >= 0)
			abort();
		for (const char *c = lines[i].stack; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				abort();
	}
}

#endif
