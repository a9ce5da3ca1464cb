/* The wait-for graph of a process's threads and its cycles: the deadlocks.
 *
 * Each thread waits for at most one lock, held by at most one known owner,
 * so every thread has at most one edge out and lies on at most one cycle.
 * Pure: the fuzzer drives it with arbitrary edges. */
#ifndef STACKTOP_LOCKS_GRAPH_H
#define STACKTOP_LOCKS_GRAPH_H

#include "../model.h"

#include <stddef.h>

/* Finds every cycle of the graph whose edges are tids[i] -> owners[i] (an
 * owner of 0, or one that waits for nothing, ends a path; a thread waiting
 * for a lock it holds itself is a cycle of one). A TID listed twice counts
 * once, with its first edge. Each cycle starts at its smallest TID, in
 * the order of the edges; cycles are ordered by that TID. Returns the count
 * and *out (owned, free each tids and the array; NULL when none). */
size_t locks_graph_cycles(const int *tids, const int *owners, size_t n, struct lock_cycle **out);

#endif
