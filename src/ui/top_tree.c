#include "top_tree.h"

#include "../xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* A row's id and where it is, to find a parent by id. */
struct tree_id {
	int tid;
	size_t row;
};

static int
compare_tree_ids(const void *pa, const void *pb)
{
	const struct tree_id *a = pa, *b = pb;

	return (a->tid > b->tid) - (a->tid < b->tid);
}

/* The row of the task with id tid, or n when it is not listed. */
static size_t
tree_find(const struct tree_id *ids, size_t n, int tid)
{
	struct tree_id key = {tid, 0};
	const struct tree_id *hit;

	if (tid <= 0)
		return n;
	hit = bsearch(&key, ids, n, sizeof(*ids), compare_tree_ids);
	return hit != NULL ? hit->row : n;
}

/* The id of the task a row hangs under. */
static int
tree_parent_id(const struct task_brief *b, bool threads)
{
	if (threads && b->tid != b->pid)
		return b->pid; /* a thread under its process's main thread */
	return b->ppid;
}

struct tree_walk {
	const struct task_brief **in; /* the sorted rows */
	size_t *first, *next;         /* each row's first child and next sibling; n: none */
	bool *placed;
	const struct task_brief **out;
	struct top_tree_mark *marks;
	size_t n, nout;
	size_t *stack; /* the rows from the root down to the current one */
};

/* The first of the siblings from row on that is not placed yet; n if none. */
static size_t
tree_unplaced(const struct tree_walk *w, size_t row)
{
	while (row < w->n && w->placed[row])
		row = w->next[row];
	return row;
}

static void
tree_place(struct tree_walk *w, size_t row, size_t depth, uint64_t more)
{
	unsigned d = depth < TOP_TREE_MAX_DEPTH ? (unsigned)depth : TOP_TREE_MAX_DEPTH;

	w->placed[row] = true;
	w->out[w->nout] = w->in[row];
	w->marks[w->nout++] = (struct top_tree_mark){d, more & ((UINT64_C(1) << d) - 1)};
}

/* Places root and everything under it, depth first, without recursion (a
 * hostile /proc could nest thousands deep). stack[d] is the next child to
 * place under the row at depth d. */
static void
tree_walk(struct tree_walk *w, size_t root)
{
	size_t depth = 0;
	uint64_t more = 0;

	tree_place(w, root, 0, 0);
	w->stack[0] = tree_unplaced(w, w->first[root]);
	for (;;) {
		size_t child = w->stack[depth], after;

		if (child == w->n) {
			if (depth == 0)
				return;
			depth--;
			continue;
		}
		after = tree_unplaced(w, w->next[child]);
		w->stack[depth] = after;
		if (depth < 64)
			more = after < w->n ? more | UINT64_C(1) << depth
			                    : more & ~(UINT64_C(1) << depth);
		tree_place(w, child, depth + 1, more);
		w->stack[++depth] = tree_unplaced(w, w->first[child]);
	}
}

struct top_tree_mark *
top_tree_order(const struct task_brief **rows, size_t n, bool threads)
{
	struct tree_id *ids;
	size_t *parent, *last;
	struct tree_walk w = {.in = NULL, .n = n};

	if (n == 0)
		return NULL;
	ids = xcalloc(n, sizeof(*ids));
	parent = xcalloc(n, sizeof(*parent));
	last = xcalloc(n, sizeof(*last));
	w.in = xcalloc(n, sizeof(*w.in));
	w.first = xcalloc(n, sizeof(*w.first));
	w.next = xcalloc(n, sizeof(*w.next));
	w.placed = xcalloc(n, sizeof(*w.placed));
	w.out = rows;
	w.marks = xcalloc(n, sizeof(*w.marks));
	w.stack = xcalloc(n, sizeof(*w.stack));
	memcpy(w.in, rows, n * sizeof(*rows));
	for (size_t i = 0; i < n; i++)
		ids[i] = (struct tree_id){rows[i]->tid, i};
	qsort(ids, n, sizeof(*ids), compare_tree_ids);
	/* Children are linked in the sorted order: siblings keep it. */
	for (size_t i = 0; i < n; i++) {
		w.first[i] = w.next[i] = last[i] = n;
		parent[i] = tree_find(ids, n, tree_parent_id(rows[i], threads));
		if (parent[i] == i)
			parent[i] = n; /* pid 1's ppid is 0; a bad /proc may say itself */
	}
	for (size_t i = 0; i < n; i++) {
		size_t p = parent[i];

		if (p == n)
			continue;
		if (w.first[p] == n)
			w.first[p] = i;
		else
			w.next[last[p]] = i;
		last[p] = i;
	}
	for (size_t i = 0; i < n; i++)
		if (parent[i] == n)
			tree_walk(&w, i);
	/* Rows in a cycle of parents (ids reused between two reads) have no
	 * root: each such cycle starts at its first row. */
	for (size_t i = 0; i < n; i++)
		if (!w.placed[i])
			tree_walk(&w, i);
	free(ids);
	free(parent);
	free(last);
	free(w.in);
	free(w.first);
	free(w.next);
	free(w.placed);
	free(w.stack);
	return w.marks;
}

void
top_tree_prefix(const struct top_tree_mark *m, bool utf8, char *buf, size_t size)
{
	size_t len = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (unsigned k = 0; k < m->depth; k++) {
		bool more = (m->more >> k & 1) != 0;
		const char *piece;

		if (k + 1 < m->depth)
			piece = more ? (utf8 ? "\u2502 " : "| ") : "  ";
		else
			piece =
			    more ? (utf8 ? "\u251c\u2500" : "|-") : (utf8 ? "\u2514\u2500" : "`-");
		if (len + strlen(piece) + 1 > size)
			return;
		memcpy(buf + len, piece, strlen(piece) + 1);
		len += strlen(piece);
	}
}
