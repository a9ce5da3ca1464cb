#include "task_graph.h"

#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

static int
task_by_addr(const void *a, const void *b)
{
	uint64_t x = ((const struct task_row *)a)->addr, y = ((const struct task_row *)b)->addr;

	return x < y ? -1 : x > y;
}

/* The index of the task at addr, or SIZE_MAX: tasks are sorted. */
static size_t
task_find(const struct tasks_report *r, uint64_t addr)
{
	size_t lo = 0, hi = r->ntasks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->tasks[mid].addr == addr)
			return mid;
		if (r->tasks[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

static void
index_push(size_t **a, size_t *n, size_t v)
{
	*a = xreallocarray(*a, *n + 1, sizeof(**a));
	(*a)[(*n)++] = v;
}

/* Colours of the depth-first search for cycles. */
enum { WHITE, GREY, BLACK };

/* An iterative depth-first search from start (each task awaits few tasks,
 * but chains may be long: no recursion on target data). A cycle is found
 * when an edge leads back to a task on the current path (GREY); it is kept
 * once, from the path. */
static void
cycles_from(struct tasks_report *r, size_t start, unsigned char *colour, size_t *path,
            size_t *next_edge)
{
	size_t depth = 0;

	path[0] = start;
	next_edge[0] = 0;
	colour[start] = GREY;
	while (depth != SIZE_MAX) {
		size_t v = path[depth];
		const struct task_row *t = &r->tasks[v];

		if (next_edge[depth] == t->nawaits_tasks) {
			colour[v] = BLACK;
			depth = depth == 0 ? SIZE_MAX : depth - 1;
			continue;
		}
		size_t w = t->awaits_tasks[next_edge[depth]++];
		if (colour[w] == WHITE) {
			colour[w] = GREY;
			path[++depth] = w;
			next_edge[depth] = 0;
		} else if (colour[w] == GREY) {
			struct task_cycle c = {0};
			size_t k = depth;

			while (path[k] != w)
				k--;
			for (; k <= depth; k++) {
				index_push(&c.tasks, &c.n, path[k]);
				r->tasks[path[k]].in_cycle = true;
			}
			r->cycles = xreallocarray(r->cycles, r->ncycles + 1, sizeof(*r->cycles));
			r->cycles[r->ncycles++] = c;
		}
	}
}

/* Whether again has a cycle of the n tasks (indexes into r) at cycle. */
static bool
cycle_seen_again(const struct tasks_report *r, const size_t *cycle, size_t n,
                 const struct tasks_report *again)
{
	for (size_t k = 0; k < again->ncycles; k++) {
		const struct task_cycle *d = &again->cycles[k];
		size_t same = 0;

		if (d->n != n)
			continue;
		for (size_t i = 0; i < n; i++)
			for (size_t m = 0; m < n; m++)
				same += r->tasks[cycle[i]].addr == again->tasks[d->tasks[m]].addr;
		if (same == n)
			return true;
	}
	return false;
}

size_t
task_graph_confirm(struct tasks_report *r, const struct tasks_report *again)
{
	size_t kept = 0, dropped;

	for (size_t k = 0; k < r->ncycles; k++) {
		if (again != NULL && cycle_seen_again(r, r->cycles[k].tasks, r->cycles[k].n, again))
			r->cycles[kept++] = r->cycles[k];
		else
			free(r->cycles[k].tasks);
	}
	dropped = r->ncycles - kept;
	r->ncycles = kept;
	for (size_t i = 0; i < r->ntasks; i++)
		r->tasks[i].in_cycle = false;
	for (size_t k = 0; k < r->ncycles; k++)
		for (size_t i = 0; i < r->cycles[k].n; i++)
			r->tasks[r->cycles[k].tasks[i]].in_cycle = true;
	return dropped;
}

void
task_graph_build(struct tasks_report *r)
{
	unsigned char *colour;
	size_t *path, *next_edge;

	if (r->ntasks > 1) /* (a report without tasks may hold none) */
		qsort(r->tasks, r->ntasks, sizeof(*r->tasks), task_by_addr);
	for (size_t i = 0; i < r->ntasks; i++) {
		struct task_row *t = &r->tasks[i];

		for (size_t k = 0; k < t->nawaits_addrs; k++) {
			size_t j = task_find(r, t->awaits_addrs[k]);

			if (j == SIZE_MAX)
				continue;
			index_push(&t->awaits_tasks, &t->nawaits_tasks, j);
			index_push(&r->tasks[j].awaited_by, &r->tasks[j].nawaited_by, i);
		}
	}
	colour = xcalloc(r->ntasks ? r->ntasks : 1, 1);
	path = xcalloc(r->ntasks ? r->ntasks : 1, sizeof(*path));
	next_edge = xcalloc(r->ntasks ? r->ntasks : 1, sizeof(*next_edge));
	for (size_t i = 0; i < r->ntasks; i++)
		if (colour[i] == WHITE)
			cycles_from(r, i, colour, path, next_edge);
	free(colour);
	free(path);
	free(next_edge);
}

bool
task_graph_is_root(const struct tasks_report *r, size_t i)
{
	return r->tasks[i].nawaited_by == 0;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The digits of the run at s past its leading zeros, their count in *len
 * and the zeros skipped in *zeros. */
static const char *
digit_run(const char *s, size_t *len, size_t *zeros)
{
	*zeros = 0;
	while (s[0] == '0' && is_digit(s[1])) {
		s++;
		(*zeros)++;
	}
	*len = 0;
	while (is_digit(s[*len]))
		(*len)++;
	return s;
}

int
task_graph_name_compare(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == NULL) - (b == NULL);
	while (*a != '\0' && *b != '\0') {
		if (is_digit(*a) && is_digit(*b)) {
			size_t alen, blen, azeros, bzeros;
			const char *ad = digit_run(a, &alen, &azeros);
			const char *bd = digit_run(b, &blen, &bzeros);
			int c;

			/* Compared by digits, not converted: any length. */
			if (alen != blen)
				return alen < blen ? -1 : 1;
			if ((c = memcmp(ad, bd, alen)) != 0)
				return c;
			if (azeros != bzeros)
				return azeros < bzeros ? -1 : 1;
			a = ad + alen;
			b = bd + blen;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (*a != '\0') - (*b != '\0');
}

void
tasks_report_free(struct tasks_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->ntasks; i++) {
		struct task_row *t = &r->tasks[i];

		free(t->name);
		free(t->loop_thread_name);
		frame_rows_free(t->frames, t->nframes);
		free(t->awaits_addrs);
		free(t->awaits_tasks);
		free(t->awaited_by);
	}
	free(r->tasks);
	for (size_t i = 0; i < r->ncycles; i++)
		free(r->cycles[i].tasks);
	free(r->cycles);
	free(r);
}
