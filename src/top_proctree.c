#include "top_proctree.h"

#include "cli.h"
#include "clock.h"
#include "xmalloc.h"

#include <stdlib.h>

/* PSS comes from smaps_rollup, for which the kernel walks the page tables:
 * its cost grows with resident memory (measured on this project's 2-CPU
 * machine: 0.2 ms for a small process, 1.9 ms for a Python process of
 * 400 MiB, against 0.02 ms for status). 64 such workers would cost 120 ms
 * a refresh: so it is read again every TOP_PROCTREE_PSS_S at most, and no
 * sooner than TOP_PROCTREE_PSS_COST times what the last read took, which
 * keeps it under 2% of a CPU whatever the tree. */
#define TOP_PROCTREE_PSS_S    5.0
#define TOP_PROCTREE_PSS_COST 50.0

struct top_proctree {
	struct cli_tree follow;
	struct report_tree sums;
	int64_t pss_kib; /* the tree's PSS at the last read; -1 unknown */
	double pss_due;  /* monotonic seconds; 0: read at the next sum */
};

struct top_proctree *
top_proctree_new(const int *roots, size_t nroots, size_t cap)
{
	struct top_proctree *t = xcalloc(1, sizeof(*t));

	/* warned: the view says the cap on its screen, not on stderr under
	 * curses. */
	t->follow = (struct cli_tree){.roots = roots, .nroots = nroots, .cap = cap, .warned = true};
	t->pss_kib = -1;
	report_tree_begin(&t->sums, roots[0], cap, false);
	return t;
}

void
top_proctree_free(struct top_proctree *t)
{
	free(t);
}

int
top_proctree_sample(struct top_proctree *t, const struct procfs *fs, struct collector *c)
{
	int gone = 0;

	(void)cli_tree_follow(fs, c, &t->follow, &gone);
	return cli_sample(c, &t->follow, false);
}

/* The PSS of procs summed, read now; -1 when one could not be read. */
static int64_t
top_proctree_read_pss(const struct procfs *fs, const struct task_brief *procs, size_t n)
{
	struct report_tree sum;

	report_tree_begin(&sum, 0, 0, false);
	for (size_t i = 0; i < n; i++)
		cli_tree_add_pss(fs, &sum, procs[i].pid);
	return sum.pss_kib;
}

void
top_proctree_sum(struct top_proctree *t, const struct procfs *fs, const struct task_brief *procs,
                 size_t n, double now)
{
	report_tree_begin(&t->sums, t->follow.roots[0], t->follow.cap, t->follow.capped);
	for (size_t i = 0; i < n; i++)
		report_tree_add(&t->sums, procs[i].pid, procs[i].comm, procs[i].cpu_pct,
		                procs[i].rss_kib);
	if (now >= t->pss_due) {
		double began = clock_monotonic_s(), took;

		t->pss_kib = top_proctree_read_pss(fs, procs, n);
		took = clock_monotonic_s() - began;
		t->pss_due = now + (TOP_PROCTREE_PSS_COST * took > TOP_PROCTREE_PSS_S
		                        ? TOP_PROCTREE_PSS_COST * took
		                        : TOP_PROCTREE_PSS_S);
	}
	t->sums.pss_kib = t->pss_kib;
}

const struct report_tree *
top_proctree_sums(const struct top_proctree *t)
{
	return &t->sums;
}
