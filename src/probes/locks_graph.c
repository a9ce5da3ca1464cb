#include "locks_graph.h"

#include "../xmalloc.h"

#include <stdlib.h>

struct locks_node {
	int tid;
	size_t index; /* into the edges */
};

static int
locks_node_cmp(const void *a, const void *b)
{
	const struct locks_node *x = a, *y = b;

	if (x->tid != y->tid)
		return (x->tid > y->tid) - (x->tid < y->tid);
	return (x->index > y->index) - (x->index < y->index);
}

/* The index of the first edge out of tid, or n when it has none. */
static size_t
locks_find(const struct locks_node *sorted, size_t n, int tid)
{
	size_t lo = 0, hi = n;

	/* The leftmost entry for tid: its first edge. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && sorted[lo].tid == tid ? sorted[lo].index : n;
}

static int
locks_cycle_cmp(const void *a, const void *b)
{
	const struct lock_cycle *x = a, *y = b;

	return (x->tids[0] > y->tids[0]) - (x->tids[0] < y->tids[0]);
}

/* Copies the cycle through edge first into c, starting at its smallest TID. */
static void
locks_take_cycle(const int *tids, const size_t *next, size_t n, size_t first, struct lock_cycle *c)
{
	size_t len = 0, at = first, smallest = 0;

	do {
		len++;
		at = next[at];
	} while (at != first && len <= n);
	c->tids = xcalloc(len, sizeof(*c->tids));
	c->n = len;
	at = first;
	for (size_t k = 0; k < len; k++, at = next[at]) {
		c->tids[k] = tids[at];
		if (tids[at] < c->tids[smallest])
			smallest = k;
	}
	/* Rotate so that the smallest TID leads: the same deadlock always
	 * prints the same way. */
	for (size_t r = 0; r < smallest; r++) {
		int head = c->tids[0];

		for (size_t k = 0; k + 1 < len; k++)
			c->tids[k] = c->tids[k + 1];
		c->tids[len - 1] = head;
	}
}

size_t
locks_graph_cycles(const int *tids, const int *owners, size_t n, struct lock_cycle **out)
{
	struct locks_node *sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	size_t *next = xcalloc(n ? n : 1, sizeof(*next));
	size_t *walk = xcalloc(n ? n : 1, sizeof(*walk)); /* 0: not visited yet */
	struct lock_cycle *cycles = NULL;
	size_t ncycles = 0;

	for (size_t i = 0; i < n; i++)
		sorted[i] = (struct locks_node){tids[i], i};
	qsort(sorted, n, sizeof(*sorted), locks_node_cmp);
	/* Edges from a duplicate TID (not its first) are left out: n marks
	 * "no edge", and such a node is never reached, only started from. */
	for (size_t i = 0; i < n; i++) {
		size_t own = locks_find(sorted, n, tids[i]);

		next[i] = owners[i] > 0 && own == i ? locks_find(sorted, n, owners[i]) : n;
	}
	for (size_t start = 0; start < n; start++) {
		size_t at = start;

		if (walk[start] != 0)
			continue;
		/* Follow the edges, marking this walk, until a path ends, meets
		 * an earlier walk (no new cycle there) or meets itself. */
		while (at < n && walk[at] == 0) {
			walk[at] = start + 1;
			at = next[at];
		}
		if (at < n && walk[at] == start + 1) {
			cycles = xreallocarray(cycles, ncycles + 1, sizeof(*cycles));
			locks_take_cycle(tids, next, n, at, &cycles[ncycles++]);
		}
	}
	if (ncycles > 1)
		qsort(cycles, ncycles, sizeof(*cycles), locks_cycle_cmp);
	free(sorted);
	free(next);
	free(walk);
	*out = cycles;
	return ncycles;
}
