/* The live view's functions page (key f): functions ranked by their share
 * of on-CPU samples, self (the sample was in it) and total (it was on the
 * stack), as `perf top` and `py-spy top` rank them, for one process, one
 * thread, or the whole machine.
 *
 * The samples come from a system-wide perf session (probes/syswide: one
 * event per CPU) that runs only while the page is open: opening the page
 * starts it, closing it stops it, so the view costs nothing otherwise. The
 * page counts the last TOP_FUNCTIONS_WINDOW_S to twice that of samples:
 * what runs now, not since the page opened. Python frames are merged, as
 * record -a merges them. */
#ifndef STACKTOP_TOP_FUNCTIONS_H
#define STACKTOP_TOP_FUNCTIONS_H

#include "probes/collector.h"
#include "profile.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One function of a ranking. */
struct top_function {
	char *label; /* owned: profile_frame_label's text, raw */
	uint64_t self, total;
};

/* Ranks the functions of p's stacks (a system-wide profile) of process pid
 * (0: every process) and thread tid (0: every thread of pid) by self samples
 * and then total, most first. A function counts once in a stack's total
 * however often it recurses. Returns how many and an owned array in *out
 * (free with top_functions_rank_free); *samples gets the samples counted. */
size_t top_functions_rank(const struct profile *p, int pid, int tid, struct top_function **out,
                          uint64_t *samples);
void top_functions_rank_free(struct top_function *f, size_t n);

struct top_functions;

/* Starts sampling every CPU (fs borrowed for the page's life), scoped to
 * the task sel (NULL: the whole machine): its process. Returns 0 and an
 * owned page (free with top_functions_free, which stops the sampling), or
 * syswide_new's -errno (then *out is a page that says why, and samples
 * nothing). */
int top_functions_new(const struct procfs *fs, const struct task_brief *sel,
                      struct top_functions **out);
void top_functions_free(struct top_functions *f);

/* When (monotonic seconds) the rings are next due to be drained. */
double top_functions_due(const struct top_functions *f);

/* Drains the rings into the counts (call when due). */
void top_functions_poll(struct top_functions *f);

/* Handles a key of the page: a (the whole machine), p (the selected task's
 * process), t (the selected thread; sel borrowed for the call, NULL when
 * nothing is selected). Returns whether it was one. */
bool top_functions_key(struct top_functions *f, int key, const struct task_brief *sel);

/* Writes the page's text (sanitized): its scope, the window and the
 * ranking, at most max rows. */
void top_functions_write(FILE *out, const struct top_functions *f, size_t max);

#endif
