/* The live view's table rules: sort keys, the name filter, the process
 * limit, and a selection that follows its task rather than its row; the
 * tree view (a process under its parent, a thread under its process,
 * siblings in the sort order, orphans and cycles as roots, the lines drawn
 * before a name) and the sort column moves of < and >. */
#include "check.h"
#include "ui/top_screen.h"
#include "ui/top_table.h"
#include "ui/top_tree.h"

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
	b.uid = pid == 2 ? 0 : 1000;
	return b;
}

/* The command lines the table matches: process 2 runs app.py. */
static const char *
command(void *arg, const struct task_brief *b)
{
	(void)arg;
	return b->pid == 2 ? "/usr/bin/python3 app.py --port 8000" : "";
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

	/* From the first listing on, the selection stays on its thread: a
	 * hotter one taking the first row does not take the selection (Enter
	 * acts on the row the user saw selected). */
	top_table_update(&t, first, 3);
	CHECK(t.selected_tid == 1);
	top_table_update(&t, second, 3);
	CHECK(t.selected_tid == 1 && t.selected == 2);
	top_table_update(&t, first, 3);
	CHECK(t.selected_tid == 1 && t.selected == 0);
	top_table_clear(&t);

	/* A listing anew (selected_tid 0, as the live view does after its
	 * first screen) selects the first row again, and stays on it. */
	t.selected_tid = 0;
	top_table_update(&t, second, 3);
	CHECK(t.selected == 0 && t.selected_tid == 3);
	top_table_update(&t, first, 3);
	CHECK(t.selected_tid == 3 && t.selected == 2);
	top_table_move(&t, -2); /* a, then b */
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
	t.command = command;
	snprintf(t.filter, sizeof(t.filter), "WORKER");
	top_table_apply(&t);
	CHECK(t.nrows == 2 && t.selected_tid == 1);
	snprintf(t.filter, sizeof(t.filter), "proc3"); /* the process name counts too */
	top_table_apply(&t);
	CHECK(t.nrows == 1 && row_tid(&t, 0) == 4 && t.selected_tid == 4);
	snprintf(t.filter, sizeof(t.filter), "nothing");
	top_table_apply(&t);
	CHECK(t.nrows == 0 && top_table_selected(&t) == NULL);
	top_table_move(&t, 1);                          /* nothing to move over */
	snprintf(t.filter, sizeof(t.filter), "app.py"); /* a word of the command line */
	top_table_apply(&t);
	CHECK(t.nrows == 1 && row_tid(&t, 0) == 3);
	snprintf(t.filter, sizeof(t.filter), "2"); /* a PID or a TID, whole */
	top_table_apply(&t);
	CHECK(t.nrows == 2 && row_tid(&t, 0) == 2 && row_tid(&t, 1) == 3);
	snprintf(t.filter, sizeof(t.filter), "4"); /* TID 4; not in "worker-1"'s pid 1 */
	top_table_apply(&t);
	CHECK(t.nrows == 1 && row_tid(&t, 0) == 4);
	t.filter[0] = '\0';
	t.only_user = true; /* only uid 1000's: processes 1 and 3 */
	t.uid = 1000;
	top_table_apply(&t);
	CHECK(t.nrows == 3 && row_tid(&t, 2) == 4);
	t.only_user = false;
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
test_find(void)
{
	struct task_brief b[] = {brief(1, 1, "a", 5, 1, 1), brief(1, 2, "match-1", 4, 1, 1),
	                         brief(2, 3, "b", 3, 1, 1), brief(3, 4, "match-2", 2, 1, 1)};
	struct top_table t = {.threads = true};

	top_table_update(&t, b, 4);
	t.command = command;
	/* The rows stay; the selection moves to the next that holds the text,
	 * from the selected row itself, or after it (F3 again), wrapping. */
	CHECK(top_table_find(&t, "MATCH", false) && t.selected_tid == 2 && t.nrows == 4);
	CHECK(top_table_find(&t, "match", false) && t.selected_tid == 2);
	CHECK(top_table_find(&t, "match", true) && t.selected_tid == 4);
	CHECK(top_table_find(&t, "match", true) && t.selected_tid == 2);
	CHECK(top_table_find(&t, "app.py", true) && t.selected_tid == 3);
	CHECK(!top_table_find(&t, "nothing", true) && t.selected_tid == 3);
	CHECK(top_table_find(&t, "1", true) && t.selected_tid == 1); /* PID 1's rows */
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

/* A task under ppid, for the tree view. */
static struct task_brief
tree_brief(int pid, int tid, int ppid, double cpu)
{
	struct task_brief b = brief(pid, tid, "t", cpu, 0, 0);

	b.ppid = ppid;
	return b;
}

static const char *
prefix(const struct top_table *t, size_t i, bool utf8)
{
	static char buf[256];

	top_tree_prefix(&t->marks[i], utf8, buf, sizeof(buf));
	return buf;
}

static void
test_tree_processes(void)
{
	/* 1 ─┬─ 10 ─┬─ 11
	 *    │      └─ 12 ── 13
	 *    └─ 20
	 * 30 (its parent 99 not listed) */
	struct task_brief b[] = {
	    tree_brief(1, 1, 0, 0.0),     tree_brief(10, 10, 1, 5.0),  tree_brief(11, 11, 10, 1.0),
	    tree_brief(12, 12, 10, 9.0),  tree_brief(13, 13, 12, 0.5), tree_brief(20, 20, 1, 50.0),
	    tree_brief(30, 30, 99, 70.0),
	};
	struct top_table t = {.threads = false, .tree = true};
	const int want[] = {30, 1, 20, 10, 12, 13, 11};

	top_table_update(&t, b, 7);
	CHECK(t.nrows == 7 && t.marks != NULL);
	/* Roots by %CPU (30 first), each child under its parent, siblings by
	 * %CPU too: 20 before 10, 12 before 11. */
	for (size_t i = 0; i < 7; i++)
		CHECK(row_tid(&t, i) == want[i]);
	CHECK(strcmp(prefix(&t, 0, true), "") == 0);
	CHECK(strcmp(prefix(&t, 1, true), "") == 0);
	CHECK(strcmp(prefix(&t, 2, true), "\u251c\u2500") == 0);          /* 20 */
	CHECK(strcmp(prefix(&t, 3, true), "\u2514\u2500") == 0);          /* 10 */
	CHECK(strcmp(prefix(&t, 4, true), "  \u251c\u2500") == 0);        /* 12 */
	CHECK(strcmp(prefix(&t, 5, true), "  \u2502 \u2514\u2500") == 0); /* 13 */
	CHECK(strcmp(prefix(&t, 6, true), "  \u2514\u2500") == 0);        /* 11 */
	CHECK(strcmp(prefix(&t, 5, false), "  | `-") == 0);
	CHECK(strcmp(prefix(&t, 4, false), "  |-") == 0);

	/* Another sort orders the siblings: by PID, 10 before 20. */
	t.sort = TOP_SORT_PID;
	top_table_apply(&t);
	CHECK(row_tid(&t, 0) == 1 && row_tid(&t, 1) == 10 && row_tid(&t, 2) == 11);
	CHECK(row_tid(&t, 3) == 12 && row_tid(&t, 4) == 13 && row_tid(&t, 5) == 20);
	CHECK(row_tid(&t, 6) == 30);

	/* A filter that hides a parent makes its children roots. */
	snprintf(t.filter, sizeof(t.filter), "proc1");
	top_table_apply(&t); /* proc1, proc10..proc13 */
	CHECK(t.nrows == 5 && row_tid(&t, 0) == 1 && t.marks[1].depth == 1);
	snprintf(t.filter, sizeof(t.filter), "proc12");
	top_table_apply(&t);
	CHECK(t.nrows == 1 && t.marks[0].depth == 0);

	/* Off: no marks, the plain sort. */
	t.filter[0] = '\0';
	t.tree = false;
	top_table_apply(&t);
	CHECK(t.marks == NULL && row_tid(&t, 6) == 30);
	top_table_clear(&t);
}

static void
test_tree_threads_and_cycles(void)
{
	/* Thread rows: process 10 (threads 10, 11, 12) under process 1's main
	 * thread, its other threads under its main thread. */
	struct task_brief b[] = {
	    tree_brief(10, 12, 1, 30.0), tree_brief(10, 11, 1, 20.0), tree_brief(10, 10, 1, 0.0),
	    tree_brief(1, 1, 0, 0.0),    tree_brief(1, 2, 0, 90.0),
	};
	struct top_table t = {.threads = true, .tree = true};

	top_table_update(&t, b, 5);
	CHECK(row_tid(&t, 0) == 1 && t.marks[0].depth == 0);
	CHECK(row_tid(&t, 1) == 2 && t.marks[1].depth == 1);  /* its thread, the hotter */
	CHECK(row_tid(&t, 2) == 10 && t.marks[2].depth == 1); /* the child process */
	CHECK(row_tid(&t, 3) == 12 && t.marks[3].depth == 2);
	CHECK(row_tid(&t, 4) == 11 && t.marks[4].depth == 2);
	CHECK(strcmp(prefix(&t, 3, false), "  |-") == 0);
	CHECK(strcmp(prefix(&t, 4, false), "  `-") == 0);
	top_table_clear(&t);

	/* Parents in a cycle (ids reused between reads) and a task that is its
	 * own parent: every row is listed once. */
	struct task_brief c[] = {
	    tree_brief(5, 5, 6, 1.0),
	    tree_brief(6, 6, 5, 2.0),
	    tree_brief(7, 7, 7, 3.0),
	};
	struct top_table u = {.threads = false, .tree = true};

	top_table_update(&u, c, 3);
	CHECK(u.nrows == 3 && row_tid(&u, 0) == 7 && u.marks[0].depth == 0);
	CHECK(row_tid(&u, 1) == 6 && u.marks[1].depth == 0);
	CHECK(row_tid(&u, 2) == 5 && u.marks[2].depth == 1);
	top_table_clear(&u);
}

static void
test_tree_deep(void)
{
	/* A chain deeper than the lines drawn: all listed, depth capped. */
	enum { N = 200 };
	struct task_brief b[N];
	struct top_table t = {.threads = false, .tree = true};

	for (int i = 0; i < N; i++)
		b[i] = tree_brief(i + 1, i + 1, i, 0.0);
	top_table_update(&t, b, N);
	CHECK(t.nrows == N);
	for (int i = 0; i < N; i++)
		CHECK(row_tid(&t, (size_t)i) == i + 1);
	CHECK(t.marks[N - 1].depth == TOP_TREE_MAX_DEPTH);
	top_table_clear(&t);
}

static void
test_sort_step(void)
{
	const enum top_sort shown[] = {TOP_SORT_PID, TOP_SORT_TID, TOP_SORT_NAME, TOP_SORT_CPU,
	                               TOP_SORT_MEM};

	CHECK(top_table_sort_step(TOP_SORT_CPU, shown, 5, 1) == TOP_SORT_MEM);
	CHECK(top_table_sort_step(TOP_SORT_CPU, shown, 5, -1) == TOP_SORT_NAME);
	CHECK(top_table_sort_step(TOP_SORT_MEM, shown, 5, 1) == TOP_SORT_MEM); /* the end */
	CHECK(top_table_sort_step(TOP_SORT_PID, shown, 5, -1) == TOP_SORT_PID);
	/* A sort whose column is not shown (TIME on a narrow screen). */
	CHECK(top_table_sort_step(TOP_SORT_TIME, shown, 5, 1) == TOP_SORT_PID);
	CHECK(top_table_sort_step(TOP_SORT_TIME, shown, 5, -1) == TOP_SORT_MEM);
	CHECK(top_table_sort_step(TOP_SORT_TIME, shown, 0, 1) == TOP_SORT_TIME);
	/* Every key names its column (the status line, F6's list). */
	for (int k = 0; k < TOP_SORT_COUNT; k++)
		CHECK(strcmp(top_screen_sort_title((enum top_sort)k), "?") != 0);

	/* I reverses the order; ties stay by id. */
	struct task_brief b[] = {tree_brief(1, 1, 0, 5.0), tree_brief(2, 2, 0, 9.0),
	                         tree_brief(3, 3, 0, 5.0)};
	struct top_table t = {.threads = false};

	top_table_update(&t, b, 3);
	CHECK(row_tid(&t, 0) == 2 && row_tid(&t, 1) == 1 && row_tid(&t, 2) == 3);
	t.invert = true;
	top_table_apply(&t);
	CHECK(row_tid(&t, 0) == 1 && row_tid(&t, 1) == 3 && row_tid(&t, 2) == 2);
	t.sort = TOP_SORT_PID;
	t.invert = false;
	top_table_apply(&t);
	CHECK(row_tid(&t, 0) == 1 && row_tid(&t, 2) == 3); /* ids ascend */
	top_table_clear(&t);
}

int
main(void)
{
	test_sort_and_start();
	test_selection_follows();
	test_filter_and_limit();
	test_find();
	test_threads_and_processes();
	test_scroll();
	test_tree_processes();
	test_tree_threads_and_cycles();
	test_tree_deep();
	test_sort_step();
	return check_done("top_table");
}
