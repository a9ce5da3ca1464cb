/* The live view's table rules: sort keys, the name filter, the process
 * limit, and a selection that follows its task rather than its row. */
#include "check.h"
#include "ui/top_table.h"

#include <math.h>
#include <string.h>

static struct task_brief
brief(int pid, int tid, const char *name, double cpu, int64_t rss, uint64_t time_us)
{
	struct task_brief b = {.pid = pid,
	                       .tid = tid,
	                       .state = 'S',
	                       .cpu_pct = cpu,
	                       .rss_kib = rss,
	                       .cpu_time_us = time_us,
	                       .nthreads = 1};

	snprintf(b.name, sizeof(b.name), "%s", name);
	snprintf(b.comm, sizeof(b.comm), "proc%d", pid);
	return b;
}

static int
row_tid(const struct top_table *t, size_t i)
{
	return i < t->nrows ? t->rows[i]->tid : -1;
}

static void
test_sort_and_start(void)
{
	struct task_brief b[] = {
	    brief(10, 10, "main", 1.0, 500, 900),
	    brief(10, 11, "hot", 90.0, 500, 100),
	    brief(20, 20, "big", 5.0, 9000, 50),
	    brief(30, 30, "new", NAN, 100, 0),
	};
	struct top_table t = {.threads = true};

	top_table_update(&t, b, 4);
	CHECK(t.nrows == 4);
	CHECK(row_tid(&t, 0) == 11 && row_tid(&t, 1) == 20 && row_tid(&t, 2) == 10);
	CHECK(row_tid(&t, 3) == 30);                    /* unknown CPU sorts last */
	CHECK(t.selected == 0 && t.selected_tid == 11); /* the hottest, on start */

	t.sort = TOP_SORT_MEM;
	top_table_apply(&t);
	CHECK(row_tid(&t, 0) == 20 && t.selected_tid == 20); /* nothing chosen: the first */
	t.sort = TOP_SORT_CPU;
	top_table_apply(&t);
	top_table_move(&t, 0); /* the user takes the hot thread */
	t.sort = TOP_SORT_MEM;
	top_table_apply(&t);
	CHECK(row_tid(&t, 1) == 11);                    /* same RSS: the hotter first */
	CHECK(t.selected_tid == 11 && t.selected == 1); /* followed its thread */

	t.sort = TOP_SORT_TIME;
	top_table_apply(&t);
	CHECK(row_tid(&t, 0) == 10 && row_tid(&t, 1) == 11);
	top_table_clear(&t);
}

static void
test_selection_follows(void)
{
	struct task_brief first[] = {brief(1, 1, "a", 50, 1, 1), brief(1, 2, "b", 40, 1, 1),
	                             brief(1, 3, "c", 30, 1, 1)};
	struct task_brief second[] = {brief(1, 1, "a", 10, 1, 1), brief(1, 2, "b", 40, 1, 1),
	                              brief(1, 3, "c", 90, 1, 1)};
	struct task_brief third[] = {brief(1, 1, "a", 10, 1, 1), brief(1, 3, "c", 90, 1, 1)};
	struct top_table t = {.threads = true};

	/* Until a key moves it, the selection is the hottest thread. */
	top_table_update(&t, first, 3);
	CHECK(t.selected_tid == 1);
	top_table_update(&t, second, 3);
	CHECK(t.selected_tid == 3 && t.selected == 0);
	top_table_update(&t, first, 3);
	top_table_move(&t, 1);
	CHECK(t.selected_tid == 2 && t.selected == 1);
	top_table_update(&t, second, 3); /* c then b then a */
	CHECK(t.selected_tid == 2 && t.selected == 1);
	top_table_move(&t, 1);
	CHECK(t.selected_tid == 1 && t.selected == 2);
	/* The selected thread exits: the same row, clamped. */
	top_table_move(&t, -1);
	CHECK(t.selected_tid == 2);
	top_table_update(&t, third, 2);
	CHECK(t.selected == 1 && t.selected_tid == 1);
	/* Moves clamp at both ends, whatever the step. */
	top_table_move(&t, -1000000);
	CHECK(t.selected == 0);
	top_table_move(&t, 1000000);
	CHECK(t.selected == 1);
	top_table_move(&t, -(long)t.nrows);
	CHECK(t.selected == 0);
	top_table_clear(&t);
}

static void
test_filter_and_limit(void)
{
	struct task_brief b[] = {brief(1, 1, "worker-1", 5, 1, 1), brief(1, 2, "Worker-2", 4, 1, 1),
	                         brief(2, 3, "idle", 3, 1, 1), brief(3, 4, "x", 2, 1, 1)};
	struct top_table t = {.threads = true};

	top_table_update(&t, b, 4);
	snprintf(t.filter, sizeof(t.filter), "WORKER");
	top_table_apply(&t);
	CHECK(t.nrows == 2 && t.selected_tid == 1);
	snprintf(t.filter, sizeof(t.filter), "proc3"); /* the process name counts too */
	top_table_apply(&t);
	CHECK(t.nrows == 1 && row_tid(&t, 0) == 4 && t.selected_tid == 4);
	snprintf(t.filter, sizeof(t.filter), "nothing");
	top_table_apply(&t);
	CHECK(t.nrows == 0 && top_table_selected(&t) == NULL);
	top_table_move(&t, 1); /* nothing to move over */
	t.filter[0] = '\0';
	t.only_pid = 1;
	top_table_apply(&t);
	CHECK(t.nrows == 2);
	t.only_pid = 0;
	top_table_apply(&t);
	CHECK(t.nrows == 4);
	top_table_clear(&t);
}

static void
test_threads_and_processes(void)
{
	struct task_brief threads[] = {brief(7, 7, "main", 1, 1, 1), brief(7, 8, "hot", 99, 1, 1),
	                               brief(9, 9, "other", 50, 1, 1)};
	struct task_brief procs[] = {brief(7, 7, "proc7", 100, 1, 1),
	                             brief(9, 9, "proc9", 50, 1, 1)};
	struct top_table t = {.threads = true};

	top_table_update(&t, threads, 3);
	top_table_move(&t, 1); /* "other", of process 9 */
	top_table_set_threads(&t, false);
	top_table_update(&t, procs, 2);
	CHECK(t.selected_tid == 9 && t.selected == 1); /* the same process */
	top_table_move(&t, -1);
	top_table_set_threads(&t, true);
	top_table_update(&t, threads, 3);
	CHECK(t.selected_tid == 7); /* process 7's main thread */
	top_table_clear(&t);
}

static void
test_scroll(void)
{
	struct task_brief b[20];
	struct top_table t = {.threads = true};

	for (int i = 0; i < 20; i++)
		b[i] = brief(1, i + 1, "t", 20 - i, 1, 1);
	top_table_update(&t, b, 20);
	top_table_scroll(&t, 5);
	CHECK(t.first == 0);
	top_table_move(&t, 7);
	top_table_scroll(&t, 5);
	CHECK(t.first == 3); /* row 7 is the last of the window */
	top_table_move(&t, -6);
	top_table_scroll(&t, 5);
	CHECK(t.first == 1);
	top_table_scroll(&t, 50); /* a taller window than rows */
	CHECK(t.first == 0);
	top_table_clear(&t);
}

int
main(void)
{
	test_sort_and_start();
	test_selection_follows();
	test_filter_and_limit();
	test_threads_and_processes();
	test_scroll();
	return check_done("top_table");
}
