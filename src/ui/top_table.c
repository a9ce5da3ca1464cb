#include "top_table.h"

#include "../xmalloc.h"
#include "top_tree.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
top_table_clear(struct top_table *t)
{
	free(t->rows);
	free(t->marks);
	t->all = NULL;
	t->rows = NULL;
	t->marks = NULL;
	t->nall = t->nrows = 0;
}

/* NAN (not known yet) sorts below every measured value. */
static double
known(double v)
{
	return isnan(v) ? -1.0 : v;
}

static int
compare_numbers(double a, double b)
{
	return (a < b) - (a > b); /* descending */
}

static int
compare_ids(int a, int b)
{
	return (a > b) - (a < b); /* ascending */
}

/* The keys of the columns other than P, M and T. */
static int
compare_more(enum top_sort sort, const struct task_brief *a, const struct task_brief *b)
{
	switch (sort) {
	case TOP_SORT_PID:
		return compare_ids(a->pid, b->pid);
	case TOP_SORT_TID:
		return compare_ids(a->tid, b->tid);
	case TOP_SORT_THREADS:
		return compare_numbers((double)a->nthreads, (double)b->nthreads);
	case TOP_SORT_NAME:
		return strcmp(a->name, b->name);
	case TOP_SORT_COMM:
		return strcmp(a->comm, b->comm);
	case TOP_SORT_STATE:
		return compare_ids(a->state, b->state);
	case TOP_SORT_USER_CPU:
		return compare_numbers(known(a->user_pct), known(b->user_pct));
	case TOP_SORT_SYS_CPU:
		return compare_numbers(known(a->sys_pct), known(b->sys_pct));
	case TOP_SORT_NICE:
		return compare_numbers(a->nice, b->nice);
	default:
		return 0;
	}
}

static int
compare_rows(const void *pa, const void *pb, void *arg)
{
	const struct task_brief *a = *(const struct task_brief *const *)pa;
	const struct task_brief *b = *(const struct task_brief *const *)pb;
	const struct top_table *t = arg;
	const enum top_sort *sort = &t->sort;
	bool invert = t->invert;
	int c = 0;

	switch (*sort) {
	case TOP_SORT_CPU:
		c = compare_numbers(known(a->cpu_pct), known(b->cpu_pct));
		break;
	case TOP_SORT_MEM:
		c = compare_numbers((double)a->rss_kib, (double)b->rss_kib);
		if (c == 0)
			c = compare_numbers(known(a->cpu_pct), known(b->cpu_pct));
		break;
	case TOP_SORT_TIME:
		c = compare_numbers((double)a->cpu_time_us, (double)b->cpu_time_us);
		break;
	default:
		c = compare_more(*sort, a, b);
		break;
	}
	if (invert)
		c = -c;
	/* Ties by id, so that equal rows do not trade places every refresh. */
	return c != 0 ? c : (a->tid > b->tid) - (a->tid < b->tid);
}

/* Whether text is the decimal id (no sign, no spaces). */
static bool
is_id(const char *text, int id)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", id);
	return strcmp(buf, text) == 0;
}

bool
top_table_holds(const struct top_table *t, const struct task_brief *b, const char *text)
{
	const char *python =
	    t->python_name != NULL && t->threads ? t->python_name(t->command_arg, b) : NULL;

	if (text[0] == '\0' || strcasestr(b->name, text) != NULL ||
	    strcasestr(b->comm, text) != NULL || is_id(text, b->pid) || is_id(text, b->tid) ||
	    (python != NULL && strcasestr(python, text) != NULL))
		return true;
	return t->command != NULL && strcasestr(t->command(t->command_arg, b), text) != NULL;
}

bool
top_table_matches(const struct top_table *t, const struct task_brief *b)
{
	if (t->only_pid != 0 && b->pid != t->only_pid)
		return false;
	if (t->only_user && b->uid != t->uid)
		return false;
	return top_table_holds(t, b, t->filter);
}

bool
top_table_find(struct top_table *t, const char *text, bool after)
{
	for (size_t step = after ? 1 : 0; step <= t->nrows && t->nrows > 0; step++) {
		size_t row = (t->selected + step) % t->nrows;

		if (top_table_holds(t, t->rows[row], text)) {
			t->selected = row;
			t->selected_tid = t->rows[row]->tid;
			return true;
		}
	}
	return false;
}

void
top_table_apply(struct top_table *t)
{
	size_t row = SIZE_MAX;

	free(t->rows);
	t->rows = xcalloc(t->nall ? t->nall : 1, sizeof(*t->rows));
	t->nrows = 0;
	for (size_t i = 0; i < t->nall; i++)
		if (top_table_matches(t, &t->all[i]))
			t->rows[t->nrows++] = &t->all[i];
	qsort_r(t->rows, t->nrows, sizeof(*t->rows), compare_rows, t);
	free(t->marks);
	t->marks = NULL;
	if (t->tree)
		t->marks = top_tree_order(t->rows, t->nrows, t->threads);

	if (t->selected_tid == 0)
		row = 0; /* the first listing: its first row */
	for (size_t i = 0; i < t->nrows && row == SIZE_MAX; i++)
		if (t->rows[i]->tid == t->selected_tid)
			row = i;
	if (row == SIZE_MAX)
		row = t->selected; /* gone, or filtered out: the same row */
	if (t->nrows == 0)
		return;
	t->selected = row < t->nrows ? row : t->nrows - 1;
	t->selected_tid = t->rows[t->selected]->tid;
}

void
top_table_set_threads(struct top_table *t, bool threads)
{
	const struct task_brief *b = top_table_selected(t);

	/* A process is listed under its pid, and its main thread has the same
	 * id: selecting the pid keeps the selection on the same process. */
	if (b != NULL)
		t->selected_tid = b->pid;
	t->threads = threads;
}

void
top_table_update(struct top_table *t, const struct task_brief *briefs, size_t n)
{
	t->all = briefs;
	t->nall = n;
	top_table_apply(t);
}

void
top_table_move(struct top_table *t, long delta)
{
	long row = (long)t->selected + delta; /* steps are rows and pages: no overflow */

	if (t->nrows == 0)
		return;
	if (row < 0)
		row = 0;
	if (row >= (long)t->nrows)
		row = (long)t->nrows - 1;
	t->selected = (size_t)row;
	t->selected_tid = t->rows[row]->tid;
}

void
top_table_scroll(struct top_table *t, size_t height)
{
	if (height == 0)
		return;
	if (t->selected < t->first)
		t->first = t->selected;
	else if (t->selected >= t->first + height)
		t->first = t->selected - height + 1;
	/* No empty rows at the bottom while there are rows above. */
	if (t->nrows >= height && t->first > t->nrows - height)
		t->first = t->nrows - height;
	if (t->nrows < height)
		t->first = 0;
}

const struct task_brief *
top_table_selected(const struct top_table *t)
{
	return t->nrows > 0 ? t->rows[t->selected] : NULL;
}

enum top_sort
top_table_sort_step(enum top_sort sort, const enum top_sort *shown, size_t n, int step)
{
	long at = -1;

	if (n == 0)
		return sort;
	for (size_t i = 0; i < n; i++)
		if (shown[i] == sort)
			at = (long)i;
	if (at < 0)
		return step > 0 ? shown[0] : shown[n - 1];
	at += step;
	if (at < 0)
		at = 0;
	if (at >= (long)n)
		at = (long)n - 1;
	return shown[at];
}
