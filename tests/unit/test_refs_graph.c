/* The chains walk: every sought node gets its shortest chain from the
 * nearest root (a tie to the first root), chains that look alike are one
 * group counted, a node no root reaches is sought but not reached, a
 * chain longer than max_depth is not followed; and the cycle search finds
 * the shortest cycle through a node within a set, and none outside it. */
#include "check.h"
#include "refs_graph.h"

#include <stdlib.h>

/* step keys: the edge's own number names its look, except edges 3..6
 * (a dict's values) that all look alike. */
static size_t
key_of(void *arg, size_t edge)
{
	(void)arg;
	return edge >= 3 && edge <= 6 ? 3 : edge;
}

int
main(void)
{
	/* 0 module A, 1 module B; 0 -> 2 (registry dict) -> 3, 4, 5, 6
	 * (sought); 1 -> 7 (list) -> 3 (longer than through 2: not taken);
	 * 1 -> 8 (sought, through B); 9 sought, unreached; 10 <-> 11 a
	 * cycle, 12 -> 10 outside the set. */
	static const size_t first[] = {0, 1, 3, 7, 7, 7, 7, 7, 8, 8, 8, 9, 10, 11};
	static const uint32_t to[] = {2, 7, 8, 3, 4, 5, 6, 3, 11, 10, 10};
	static const uint32_t roots[] = {0, 1};
	static const size_t root_key[] = {100, 101};
	bool sought[13] = {0}, set[13] = {0};
	struct refs_graph g = {.nnodes = 13,
	                       .first_edge = first,
	                       .edge_to = to,
	                       .roots = roots,
	                       .nroots = 2,
	                       .sought = sought,
	                       .max_depth = 8};
	struct refs_graph_result r;
	struct refs_graph_cycles c = {0};
	size_t *edges, n;

	sought[3] = sought[4] = sought[5] = sought[6] = sought[8] = sought[9] = true;
	refs_graph_chains(&g, root_key, key_of, NULL, &r);
	CHECK(r.sought == 6 && r.reached == 5);
	CHECK(r.ngroups == 2);
	CHECK(r.groups[0].count == 4 && r.groups[0].root == 0 && r.groups[0].nedges == 2);
	CHECK(r.groups[0].edges[0] == 0 && r.groups[0].edges[1] >= 3 && r.groups[0].edges[1] <= 6);
	CHECK(r.groups[1].count == 1 && r.groups[1].root == 1 && r.groups[1].example == 8 &&
	      r.groups[1].nedges == 1 && r.groups[1].edges[0] == 2);
	CHECK(r.parent[3] == 2 && r.parent[9] == REFS_GRAPH_NONE);
	refs_graph_result_free(&r);

	/* Depth 1: only node 8 (one step from B) is reached. */
	g.max_depth = 1;
	refs_graph_chains(&g, root_key, key_of, NULL, &r);
	CHECK(r.reached == 1 && r.ngroups == 1 && r.groups[0].example == 8);
	refs_graph_result_free(&r);

	set[10] = set[11] = true;
	n = refs_graph_cycle(&g, 10, set, 16, 100, &c, &edges);
	CHECK(n == 2 && edges[0] == 8 && edges[1] == 9);
	free(edges);
	set[11] = false;
	CHECK(refs_graph_cycle(&g, 10, set, 16, 100, &c, &edges) == 0 && edges == NULL);
	CHECK(refs_graph_cycle(&g, 12, set, 16, 100, &c, &edges) == 0);
	refs_graph_cycles_free(&c);
	return check_done("refs_graph");
}
