/* Folded stacks read back (stacktop diff): flamegraph.pl's format, what
 * `stacktop record` writes by default, "frame;frame;...;leaf COUNT" a line.
 * Pure: a buffer in, lines out. */
#ifndef STACKTOP_PROFILE_FOLDED_READ_H
#define STACKTOP_PROFILE_FOLDED_READ_H

#include "profile_fold.h"

#include <stddef.h>

/* The most samples one line may count, and all lines together: totals stay
 * exact in a double (2^53) for the shares. */
#define PROFILE_FOLDED_MAX_COUNT (1ull << 53)

/* Parses buf[0..len): each line a stack, blanks or tabs, then a whole
 * number; "\r\n" ends a line too, and blank lines are skipped. Stacks are
 * sanitized (no controls, valid UTF-8; each bad byte '?') and identical ones
 * merged; lines counting 0 are dropped.
 * Returns 0 with *lines (owned; free with profile_fold_free) and *n, which
 * may be 0 when every line counts 0 or there is none; or -EINVAL with
 * *cause (owned, free()), one line naming the line number and what is
 * wrong with it. */
int profile_folded_read(const char *buf, size_t len, struct folded_line **lines, size_t *n,
                        char **cause);

#endif
