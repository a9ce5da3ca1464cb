/* The shortest chains of references from roots to the objects sought, found
 * in one breadth-first walk of an object graph (every object sought gets its
 * shortest chain from the nearest root in one pass), and grouped by what
 * the chains look like: objgraph's find_backref_chain for every leaked
 * object at once, then counted the way an engineer reads them ("12,000 are
 * held by global REGISTRY, a dict, through its values").
 *
 * Pure: works on arrays the caller built (python_refs, unit tests). */
#ifndef STACKTOP_REFS_GRAPH_H
#define STACKTOP_REFS_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An edge's end that is no node of the graph. */
#define REFS_GRAPH_NONE UINT32_MAX

struct refs_graph {
	size_t nnodes;
	const size_t *first_edge; /* nnodes + 1 offsets into edge_to */
	const uint32_t *edge_to;  /* a node, or REFS_GRAPH_NONE */
	const uint32_t *roots;    /* nodes the walk starts from, in order of
	                             preference (a tie goes to the first) */
	size_t nroots;
	const bool *sought; /* per node: an object whose chain is wanted */
	size_t max_depth;   /* edges; a chain longer is not followed */
};

/* Gives the id of what edge (an index into edge_to) looks like in a chain
 * (its kind, its label with indexes and keys generalized, the type it
 * reaches): two chains whose roots and steps have the same ids are one
 * group. */
typedef size_t (*refs_graph_step_key)(void *arg, size_t edge);

/* Chains that look alike, and one of them. */
struct refs_graph_group {
	uint64_t count;
	size_t root;      /* index into roots */
	uint32_t example; /* a sought node the group holds */
	size_t *edges;    /* owned: the example's chain, from its root */
	size_t nedges;
};

struct refs_graph_result {
	struct refs_graph_group *groups; /* owned: the largest count first */
	size_t ngroups;
	uint64_t sought, reached; /* sought nodes, and those a chain reaches */
	uint32_t *parent;         /* owned, per node: the node before it on its
	                             shortest chain; REFS_GRAPH_NONE for a root
	                             or a node not reached */
	size_t *parent_edge;      /* owned, per node: the edge from parent */
};

/* Walks g breadth first from its roots and groups the chains to the sought
 * nodes by key(arg, edge) of their edges and their root (root_key[i] the id
 * of roots[i]). Fills *out (free with refs_graph_result_free). */
void refs_graph_chains(const struct refs_graph *g, const size_t *root_key, refs_graph_step_key key,
                       void *arg, struct refs_graph_result *out);

void refs_graph_result_free(struct refs_graph_result *r);

/* What refs_graph_cycle keeps between calls on one graph (owned: free with
 * refs_graph_cycles_free); zero it before the first call. */
struct refs_graph_cycles {
	uint32_t *stamp, *queue, *parent;
	size_t *parent_edge;
	uint32_t round;
};

/* The shortest cycle through start whose nodes are all in set (per node),
 * at most max_depth edges long, found by visiting at most max_visits nodes:
 * its edges from start, in *edges (owned), and how many; 0 (and *edges
 * NULL) when there is none within the bounds. */
size_t refs_graph_cycle(const struct refs_graph *g, uint32_t start, const bool *set,
                        size_t max_depth, size_t max_visits, struct refs_graph_cycles *c,
                        size_t **edges);

void refs_graph_cycles_free(struct refs_graph_cycles *c);

#endif
