#include "tasks_text.h"

#include "../sanitize.h"
#include "../xmalloc.h"
#include "dump_text.h"
#include "text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Before a task under the one that awaits it (the ASCII form has as many
 * columns). */
#define TASKS_TEXT_BRANCH_UTF8 "\u2514\u2500\u2500 "
/* The deepest the tree is drawn; deeper tasks are listed as roots again. */
#define TASKS_TEXT_MAX_DEPTH 32
/* Tasks alike after one drawn under the same task: from this many on they
 * are counted, not drawn. */
#define TASKS_TEXT_ALIKE_MIN 3

/* Its name; without one (3.6 and 3.7 name no task), its coroutine's
 * function, as Task's repr shows it: "worker()". */
static void
tasks_text_name(FILE *out, const struct task_row *t)
{
	const char *fn = t->nframes > 0 ? t->frames[t->nframes - 1].function : NULL;

	if (t->name != NULL) {
		text_field(out, t->name, strlen(t->name), 80, 0);
	} else if (fn != NULL) {
		text_field(out, fn, strlen(fn), 80, 0);
		fputs("()", out);
	} else {
		fputs("?", out);
	}
}

/* What drawing trees of one report shares: each task's awaited tasks in
 * reading order, which tasks are drawn already, and the margin of every
 * line (dump draws tasks under their thread). */
struct tasks_text_trees {
	const struct tasks_report *r;
	size_t **children;
	bool *shown;
	int margin;
	const char *branch; /* before a task under another */
};

static void
tasks_text_indent(FILE *out, int margin, int depth)
{
	fprintf(out, "%*s", margin, "");
	for (int i = 0; i < depth; i++)
		fputs("    ", out);
}

/* "worker-3 (0x7f..) waiting on a lock 0x7f..", its frames under it. */
static void
tasks_text_task(FILE *out, const struct tasks_text_trees *tr, const struct task_row *t, int depth,
                bool again)
{
	int margin = tr->margin;

	tasks_text_indent(out, margin, depth);
	fputs(depth > 0 ? tr->branch : "", out);
	tasks_text_name(out, t);
	fprintf(out, " (task 0x%" PRIx64 ") %s", t->addr, t->state);
	if (again) {
		fputs(", shown above\n", out);
		return;
	}
	if (t->awaits[0] != '\0') {
		fprintf(out, ", awaits %s", t->awaits);
		if (t->nawaits_tasks > 1)
			fprintf(out, " of %zu tasks", t->nawaits_tasks);
		else if (t->awaits_object != 0 && strcmp(t->awaits, "task") != 0 &&
		         strcmp(t->awaits, "sleep") != 0)
			fprintf(out, " 0x%" PRIx64, t->awaits_object);
	}
	fputc('\n', out);
	for (size_t i = 0; i < t->nframes; i++) {
		tasks_text_indent(out, margin, depth);
		fputs(depth > 0 ? "      " : "  ", out);
		dump_text_frame(out, i, &t->frames[i]);
	}
	if (t->frames_truncated) {
		tasks_text_indent(out, margin, depth);
		fputs(depth > 0 ? "      " : "  ", out);
		fputs("(coroutine chain cut: unreadable or too deep)\n", out);
	}
}

static int
tasks_text_by_name(const void *a, const void *b, void *arg)
{
	const struct tasks_report *r = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = task_graph_name_compare(r->tasks[x].name, r->tasks[y].name);

	/* Same names (or none): by address, so that output is stable. */
	return c != 0
	           ? c
	           : (r->tasks[x].addr > r->tasks[y].addr) - (r->tasks[x].addr < r->tasks[y].addr);
}

/* Each task's awaited tasks in the order people read them (by name,
 * "worker-2" before "worker-10"), not the order a gather or a TaskGroup's
 * set happened to hold them. Owned: free with tasks_text_children_free. */
static size_t **
tasks_text_children(const struct tasks_report *r)
{
	size_t **children = xcalloc(r->ntasks ? r->ntasks : 1, sizeof(*children));

	for (size_t i = 0; i < r->ntasks; i++) {
		const struct task_row *t = &r->tasks[i];

		if (t->nawaits_tasks == 0)
			continue;
		children[i] = xcalloc(t->nawaits_tasks, sizeof(size_t));
		memcpy(children[i], t->awaits_tasks, t->nawaits_tasks * sizeof(size_t));
		qsort_r(children[i], t->nawaits_tasks, sizeof(size_t), tasks_text_by_name,
		        (void *)r);
	}
	return children;
}

static void
tasks_text_children_free(size_t **children, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(children[i]);
	free(children);
}

/* Whether a and b would be drawn alike: leaves (awaiting no task) in the
 * same state, awaiting the same kind of thing, at the same frames, and
 * without variables shown (--locals tells them apart). */
static bool
tasks_text_alike(const struct task_row *a, const struct task_row *b)
{
	if (a->nawaits_tasks > 0 || b->nawaits_tasks > 0 || strcmp(a->state, b->state) != 0 ||
	    strcmp(a->awaits, b->awaits) != 0 || a->nframes != b->nframes ||
	    a->frames_truncated != b->frames_truncated)
		return false;
	for (size_t i = 0; i < a->nframes; i++) {
		const struct frame_row *x = &a->frames[i], *y = &b->frames[i];

		if (x->has_locals || y->has_locals || x->line != y->line ||
		    !text_same(x->function, y->function) || !text_same(x->file, y->file))
			return false;
	}
	return true;
}

/* After child at of task parent was drawn: how many of the children after
 * it are alike (drawn once, then counted: 200 workers are one stack), at
 * least TASKS_TEXT_ALIKE_MIN of them, else 0. */
static size_t
tasks_text_alike_run(const struct tasks_text_trees *tr, size_t parent, size_t at)
{
	const struct tasks_report *r = tr->r;
	const struct task_row *p = &r->tasks[parent];
	const size_t first = tr->children[parent][at];
	size_t n = 0;

	while (at + 1 + n < p->nawaits_tasks) {
		size_t c = tr->children[parent][at + 1 + n];

		if (tr->shown[c] || !tasks_text_alike(&r->tasks[first], &r->tasks[c]))
			break;
		n++;
	}
	return n >= TASKS_TEXT_ALIKE_MIN ? n : 0;
}

/* "└── 199 more tasks like worker-0: worker-1 to worker-199": the run of n
 * children after child at, each marked shown. */
static void
tasks_text_alike_line(FILE *out, const struct tasks_text_trees *tr, size_t parent, size_t at,
                      size_t n, int depth)
{
	size_t *c = &tr->children[parent][at];

	tasks_text_indent(out, tr->margin, depth);
	fprintf(out, "%s%zu more tasks like ", tr->branch, n);
	tasks_text_name(out, &tr->r->tasks[c[0]]);
	fputs(": ", out);
	tasks_text_name(out, &tr->r->tasks[c[1]]);
	fputs(" to ", out);
	tasks_text_name(out, &tr->r->tasks[c[n]]);
	fputc('\n', out);
	for (size_t i = 1; i <= n; i++)
		tr->shown[c[i]] = true;
}

/* Task i and, under it, the tasks it awaits (an explicit stack: the depth
 * is bounded, no recursion on target data). */
static void
tasks_text_tree(FILE *out, const struct tasks_text_trees *tr, size_t root)
{
	const struct tasks_report *r = tr->r;
	bool *shown = tr->shown;
	size_t stack[TASKS_TEXT_MAX_DEPTH], next[TASKS_TEXT_MAX_DEPTH];
	int depth = 0;

	stack[0] = root;
	next[0] = 0;
	tasks_text_task(out, tr, &r->tasks[root], 0, shown[root]);
	if (shown[root])
		return;
	shown[root] = true;
	while (depth >= 0) {
		const struct task_row *t = &r->tasks[stack[depth]];

		if (next[depth] == t->nawaits_tasks || depth + 1 == TASKS_TEXT_MAX_DEPTH) {
			depth--;
			continue;
		}
		size_t at = next[depth]++;
		size_t c = tr->children[stack[depth]][at], alike;

		tasks_text_task(out, tr, &r->tasks[c], depth + 1, shown[c]);
		if (shown[c])
			continue;
		shown[c] = true;
		if ((alike = tasks_text_alike_run(tr, stack[depth], at)) > 0) {
			tasks_text_alike_line(out, tr, stack[depth], at, alike, depth + 1);
			next[depth] += alike;
		}
		depth++;
		stack[depth] = c;
		next[depth] = 0;
	}
}

/* The trees of every task (of those whose loop runs in thread tid, when
 * by_loop): from the roots, then what no root reaches (tasks in cycles,
 * and those awaited only by them). */
static void
tasks_text_forest(FILE *out, const struct tasks_text_trees *tr, bool by_loop, int tid)
{
	const struct tasks_report *r = tr->r;

	for (size_t i = 0; i < r->ntasks; i++)
		if ((!by_loop || r->tasks[i].loop_tid == tid) && task_graph_is_root(r, i) &&
		    !r->tasks[i].in_cycle)
			tasks_text_tree(out, tr, i);
	for (size_t i = 0; i < r->ntasks; i++)
		if ((!by_loop || r->tasks[i].loop_tid == tid) && !tr->shown[i])
			tasks_text_tree(out, tr, i);
}

/* The threading name of thread tid, from a task whose loop it runs. */
static const char *
tasks_text_loop_name(const struct tasks_report *r, int tid)
{
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i].loop_tid == tid && r->tasks[i].loop_thread_name != NULL)
			return r->tasks[i].loop_thread_name;
	return NULL;
}

/* The threads whose loops r's tasks are of, in the order their tasks
 * come, 0 (loops not running) last: owned, *n of them. */
static int *
tasks_text_loops(const struct tasks_report *r, size_t *n)
{
	int *loops = xcalloc(r->ntasks + 1, sizeof(*loops));
	bool idle = false;

	*n = 0;
	for (size_t i = 0; i < r->ntasks; i++) {
		size_t k = 0;

		idle |= r->tasks[i].loop_tid == 0;
		while (k < *n && loops[k] != r->tasks[i].loop_tid)
			k++;
		if (k == *n && r->tasks[i].loop_tid != 0)
			loops[(*n)++] = r->tasks[i].loop_tid;
	}
	if (idle)
		loops[(*n)++] = 0;
	return loops;
}

void
tasks_text_header(FILE *out, const struct tasks_report *r)
{
	char label[COMM_MAX * 4];

	fprintf(out, "pid %d (%s) CPython %s: %zu asyncio task%s, target stopped %.1f ms\n", r->pid,
	        sanitize_text(r->comm, strlen(r->comm), label, sizeof(label)), r->python.version,
	        r->ntasks, r->ntasks == 1 ? "" : "s", r->stopped_ms);
	if (r->partial[0] != '\0')
		fprintf(out, "(the search for tasks ended early: %s)\n", r->partial);
	if (r->ntasks == 0)
		fputs("no asyncio tasks (asyncio not in use, or every task collected)\n", out);
}

void
tasks_text_deadlocks(FILE *out, const struct tasks_report *r)
{
	if (r->ncycles > 0)
		fprintf(out, "\nFound %zu deadlock%s: tasks awaiting each other\n", r->ncycles,
		        r->ncycles == 1 ? "" : "s");
	for (size_t k = 0; k < r->ncycles; k++) {
		const struct task_cycle *c = &r->cycles[k];

		fputc('\n', out);
		for (size_t m = 0; m < c->n; m++) {
			const struct task_row *a = &r->tasks[c->tasks[m]];
			const struct task_row *b = &r->tasks[c->tasks[(m + 1) % c->n]];

			fputs("  ", out);
			tasks_text_name(out, a);
			fprintf(out, " (task 0x%" PRIx64 ") awaits ", a->addr);
			tasks_text_name(out, b);
			fprintf(out, " (task 0x%" PRIx64 ")\n", b->addr);
		}
	}
}

void
tasks_text_write(FILE *out, const struct tasks_report *r)
{
	struct tasks_text_trees tr = {r, tasks_text_children(r),
	                              xcalloc(r->ntasks ? r->ntasks : 1, sizeof(bool)), 0,
	                              TASKS_TEXT_BRANCH_UTF8};

	size_t nloops;
	int *loops = tasks_text_loops(r, &nloops);

	tasks_text_header(out, r);
	if (r->ntasks > 0)
		fputc('\n', out);
	if (nloops < 2) {
		tasks_text_forest(out, &tr, false, 0);
	} else {
		/* Tasks of several threads' loops: each loop's under its thread. */
		tr.margin = 2;
		for (size_t i = 0; i < nloops; i++) {
			if (loops[i] != 0) {
				const char *name = tasks_text_loop_name(r, loops[i]);

				fprintf(out, "%sthe event loop of thread ", i ? "\n" : "");
				if (name != NULL) {
					text_field(out, name, strlen(name), 80, 0);
					fputc(' ', out);
				}
				fprintf(out, "(%d):\n", loops[i]);
			} else
				fprintf(out, "%sevent loops not running now:\n", i ? "\n" : "");
			tasks_text_forest(out, &tr, true, loops[i]);
		}
	}
	free(loops);
	tasks_text_deadlocks(out, r);
	tasks_text_children_free(tr.children, r->ntasks);
	free(tr.shown);
}

bool
tasks_text_loop_has(const struct tasks_report *r, int tid)
{
	for (size_t i = 0; r != NULL && i < r->ntasks; i++)
		if (r->tasks[i].loop_tid == tid)
			return true;
	return false;
}

void
tasks_text_loop(FILE *out, const struct tasks_report *r, int tid, int margin, bool utf8)
{
	struct tasks_text_trees tr = {r, tasks_text_children(r),
	                              xcalloc(r->ntasks ? r->ntasks : 1, sizeof(bool)), margin,
	                              utf8 ? TASKS_TEXT_BRANCH_UTF8 : "`-- "};

	tasks_text_forest(out, &tr, true, tid);
	tasks_text_children_free(tr.children, r->ntasks);
	free(tr.shown);
}
