/* A differential flame graph (stacktop diff), as flamegraph.pl's
 * difffolded.pl and CPython's --diff-flamegraph draw one: the AFTER
 * profile's frames, each as wide as its samples there, coloured by how its
 * share of all samples changed from the BEFORE profile (red grew, blue
 * shrank, grey the same), each tooltip with both counts, both shares and
 * the change, and the paths only BEFORE has listed under the graph so that
 * a hot path that vanished is not invisible. Pure but for writing to out. */
#ifndef STACKTOP_PROFILE_DIFF_H
#define STACKTOP_PROFILE_DIFF_H

#include "profile_fold.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One side of the comparison. */
struct profile_diff_side {
	const char *name; /* what to call it in the title: a file name (raw; sanitized here) */
	const struct folded_line *lines; /* sorted (profile_fold_merge); borrowed */
	size_t n;
};

/* The colour of a frame with before of before_total samples in BEFORE and
 * after of after_total in AFTER. normalize: their shares of the totals
 * compared, else the counts. Grey (all three the same) when the ratio is
 * within 7%; else red (r 255) where it grew, blue (b 255) where it
 * shrank, deeper with the ratio's log, deepest at twice (or a new frame) or
 * half (or gone). Pure. */
void profile_diff_colour(uint64_t before, uint64_t before_total, uint64_t after,
                         uint64_t after_total, bool normalize, int rgb[3]);

/* Takes the ids off the thread and process roots of stacktop's folded
 * stacks ("thread NAME (TID)" and "process NAME (PID)" become "thread
 * NAME" and "process NAME", in a line's first two frames): two runs have
 * different ids, and the same thread by its name is what compares. Merges
 * the lines that become identical. Returns how many are left. */
size_t profile_diff_strip_ids(struct folded_line *lines, size_t n);

/* Reads a profile file's bytes buf[0..len): pprof (gzip's magic, or binary
 * content: profile_pprof_read) or folded stacks (text:
 * profile_folded_read; gzipped too), with profile_diff_strip_ids applied.
 * Returns 0 with *lines (owned; profile_fold_free) and *n (at least 1) and
 * *format ("folded" or "pprof", static); or -EINVAL with *cause (owned,
 * free()): one line, empty, no samples, or what is wrong. */
int profile_diff_read(const uint8_t *buf, size_t len, struct folded_line **lines, size_t *n,
                      const char **format, char **cause);

/* Writes the differential flame graph of after against before, both with
 * samples. normalize: shares compared (runs of different lengths), else
 * counts. */
void profile_diff_svg_write(FILE *out, const struct profile_diff_side *before,
                            const struct profile_diff_side *after, bool normalize);

#endif
