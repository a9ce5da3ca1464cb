#include "refs_graph.h"

#include "string_table.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* The root each reached node was reached from (by position in roots). */
static void
graph_walk(const struct refs_graph *g, struct refs_graph_result *out, size_t *root_of,
           uint32_t *depth)
{
	uint32_t *queue = xcalloc(g->nnodes ? g->nnodes : 1, sizeof(*queue));
	bool *seen = xcalloc(g->nnodes ? g->nnodes : 1, sizeof(*seen));
	size_t head = 0, tail = 0;

	for (size_t i = 0; i < g->nroots; i++) {
		uint32_t r = g->roots[i];

		if (r >= g->nnodes || seen[r])
			continue;
		seen[r] = true;
		root_of[r] = i;
		depth[r] = 0;
		queue[tail++] = r;
	}
	while (head < tail) {
		uint32_t n = queue[head++];

		if (depth[n] >= g->max_depth)
			continue;
		for (size_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
			uint32_t to = g->edge_to[e];

			if (to >= g->nnodes || seen[to])
				continue;
			seen[to] = true;
			out->parent[to] = n;
			out->parent_edge[to] = e;
			root_of[to] = root_of[n];
			depth[to] = depth[n] + 1;
			queue[tail++] = to;
		}
	}
	free(seen);
	free(queue);
}

static int
graph_by_count(const void *a, const void *b)
{
	const struct refs_graph_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->nedges != y->nedges)
		return x->nedges < y->nedges ? -1 : 1;
	return x->example < y->example ? -1 : x->example > y->example;
}

void
refs_graph_chains(const struct refs_graph *g, const size_t *root_key, refs_graph_step_key key,
                  void *arg, struct refs_graph_result *out)
{
	size_t n = g->nnodes ? g->nnodes : 1, cap = 0, *sig = NULL, *root_of;
	struct string_table groups = {0};
	uint32_t *depth;

	memset(out, 0, sizeof(*out));
	out->parent = xmalloc(n * sizeof(*out->parent));
	out->parent_edge = xmalloc(n * sizeof(*out->parent_edge));
	root_of = xmalloc(n * sizeof(*root_of));
	depth = xmalloc(n * sizeof(*depth));
	for (size_t i = 0; i < g->nnodes; i++) {
		out->parent[i] = REFS_GRAPH_NONE;
		out->parent_edge[i] = SIZE_MAX;
		root_of[i] = SIZE_MAX;
	}
	graph_walk(g, out, root_of, depth);
	for (uint32_t v = 0; v < g->nnodes; v++) {
		size_t len, id;

		if (!g->sought[v])
			continue;
		out->sought++;
		if (root_of[v] == SIZE_MAX)
			continue;
		out->reached++;
		/* The signature: the root's key, then each step's from the root. */
		len = (size_t)depth[v] + 1;
		if (len > cap) {
			cap = len * 2;
			sig = xreallocarray(sig, cap, sizeof(*sig));
		}
		sig[0] = root_key[root_of[v]];
		for (uint32_t at = v, k = depth[v]; k > 0; at = out->parent[at], k--)
			sig[k] = key(arg, out->parent_edge[at]);
		id = string_table_id(&groups, (const char *)sig, len * sizeof(*sig));
		if (id == out->ngroups) {
			struct refs_graph_group *gr;

			out->groups =
			    xreallocarray(out->groups, ++out->ngroups, sizeof(*out->groups));
			gr = &out->groups[id];
			*gr = (struct refs_graph_group){.root = root_of[v], .example = v};
			gr->nedges = depth[v];
			gr->edges = xcalloc(depth[v] ? depth[v] : 1, sizeof(*gr->edges));
			for (uint32_t at = v, k = depth[v]; k > 0; at = out->parent[at], k--)
				gr->edges[k - 1] = out->parent_edge[at];
		}
		out->groups[id].count++;
	}
	if (out->ngroups > 1) /* (groups is NULL when there are none) */
		qsort(out->groups, out->ngroups, sizeof(*out->groups), graph_by_count);
	string_table_clear(&groups);
	free(sig);
	free(depth);
	free(root_of);
}

void
refs_graph_result_free(struct refs_graph_result *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].edges);
	free(r->groups);
	free(r->parent);
	free(r->parent_edge);
	memset(r, 0, sizeof(*r));
}

/* The edges from start to node end (a node the search reached), then edge
 * last back to start. */
static size_t
graph_cycle_edges(const struct refs_graph_cycles *c, uint32_t start, uint32_t end, size_t last,
                  size_t **edges)
{
	size_t n = 1;

	for (uint32_t at = end; at != start; at = c->parent[at])
		n++;
	*edges = xcalloc(n, sizeof(**edges));
	(*edges)[n - 1] = last;
	for (uint32_t at = end, k = (uint32_t)n - 1; at != start; at = c->parent[at])
		(*edges)[--k] = c->parent_edge[at];
	return n;
}

size_t
refs_graph_cycle(const struct refs_graph *g, uint32_t start, const bool *set, size_t max_depth,
                 size_t max_visits, struct refs_graph_cycles *c, size_t **edges)
{
	size_t head = 0, tail = 0, level_end;
	uint32_t depth = 0;

	*edges = NULL;
	if (start >= g->nnodes || !set[start])
		return 0;
	if (c->stamp == NULL) {
		size_t n = g->nnodes ? g->nnodes : 1;

		c->stamp = xcalloc(n, sizeof(*c->stamp));
		c->queue = xcalloc(n, sizeof(*c->queue));
		c->parent = xcalloc(n, sizeof(*c->parent));
		c->parent_edge = xcalloc(n, sizeof(*c->parent_edge));
	}
	/* A new stamp a search: nothing to clear between them. */
	if (++c->round == 0) {
		memset(c->stamp, 0, g->nnodes * sizeof(*c->stamp));
		c->round = 1;
	}
	c->stamp[start] = c->round;
	c->queue[tail++] = start;
	level_end = tail;
	while (head < tail && depth < max_depth) {
		uint32_t n = c->queue[head++];

		for (size_t e = g->first_edge[n]; e < g->first_edge[n + 1]; e++) {
			uint32_t to = g->edge_to[e];

			if (to == start)
				return graph_cycle_edges(c, start, n, e, edges);
			if (to >= g->nnodes || !set[to] || c->stamp[to] == c->round ||
			    tail >= max_visits)
				continue;
			c->stamp[to] = c->round;
			c->parent[to] = n;
			c->parent_edge[to] = e;
			c->queue[tail++] = to;
		}
		if (head == level_end) {
			depth++;
			level_end = tail;
		}
	}
	return 0;
}

void
refs_graph_cycles_free(struct refs_graph_cycles *c)
{
	free(c->stamp);
	free(c->queue);
	free(c->parent);
	free(c->parent_edge);
	memset(c, 0, sizeof(*c));
}
