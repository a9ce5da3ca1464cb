/* A profile folded into lines, the format of flamegraph.pl and inferno:
 * "thread NAME (TID);root;...;leaf COUNT" (a system-wide profile's begin with
 * "process NAME (PID);"), one line per distinct sequence of
 * labels. Labels are sanitized (no controls, valid UTF-8) and hold no ';', so
 * a line splits back into frames on ';'. Shared by the folded and SVG
 * writers. */
#ifndef STACKTOP_PROFILE_FOLD_H
#define STACKTOP_PROFILE_FOLD_H

#include "../profile.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct folded_line {
	char *stack; /* owned: labels joined by ';', root first */
	uint64_t count;
};

/* Folds p into *lines (owned; free with profile_fold_free), sorted by stack
 * text, identical stacks merged. Without threads, the thread root is left
 * out: the same code run by many threads (a pool of workers) is one tower.
 * Returns how many. */
size_t profile_fold(const struct profile *p, bool threads, struct folded_line **lines);
void profile_fold_free(struct folded_line *lines, size_t n);

/* Sorts lines[0..n) by stack text and merges identical stacks (their
 * counts added, the extra stacks freed). Returns how many are left. */
size_t profile_fold_merge(struct folded_line *lines, size_t n);

/* Writes p as folded stacks. */
void profile_fold_write(FILE *out, const struct profile *p);

#endif
