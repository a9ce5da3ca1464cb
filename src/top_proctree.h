/* The live view's --tree: a process and its descendants, listed again
 * before each refresh so that a worker replaced meanwhile is drawn from the
 * next one, and the sums of the tree (CPU, RSS, PSS, its hottest process)
 * for the header's line. */
#ifndef STACKTOP_TOP_PROCTREE_H
#define STACKTOP_TOP_PROCTREE_H

#include "model.h"
#include "probes/collector.h"
#include "probes/procfs.h"

struct top_proctree;

/* Follows the trees of roots (nroots > 0; borrowed for the view's life),
 * at most cap processes. */
struct top_proctree *top_proctree_new(const int *roots, size_t nroots, size_t cap);
void top_proctree_free(struct top_proctree *t);

/* Samples the tree as it is now into c (cli_sample): a worker that ends
 * between the listing and the sample is left out. Never prints (the cap
 * is said on the tree's line). When every root is gone, c keeps what it
 * followed. Returns collector_sample's result. */
int top_proctree_sample(struct top_proctree *t, const struct procfs *fs, struct collector *c);

/* After a sample: sums procs (the sample's processes, n of them,
 * borrowed), reading each one's PSS again when it is due (now: monotonic
 * seconds). */
void top_proctree_sum(struct top_proctree *t, const struct procfs *fs,
                      const struct task_brief *procs, size_t n, double now);

/* The latest sums (borrowed until the next top_proctree_sum). */
const struct report_tree *top_proctree_sums(const struct top_proctree *t);

#endif
