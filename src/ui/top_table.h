/* The live view's table: which tasks are listed, in which order, and which
 * one is selected.
 *
 * Pure: it sorts and filters the briefs the collector gives (no I/O), so
 * that the rules top and htop users rely on are unit-tested: the selection
 * follows its task, not its row number, across refreshes, re-sorts, filters
 * and the threads/processes switch. */
#ifndef STACKTOP_TOP_TABLE_H
#define STACKTOP_TOP_TABLE_H

#include "../model.h"
#include "top_tree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum top_sort {
	TOP_SORT_CPU,  /* P: %CPU over the last interval */
	TOP_SORT_MEM,  /* M: the process's resident memory */
	TOP_SORT_TIME, /* T: CPU time since the task started */
	/* The other columns (F6, < and >): ids, names and the state
	 * ascending, numbers descending. */
	TOP_SORT_PID,
	TOP_SORT_TID,
	TOP_SORT_THREADS,
	TOP_SORT_NAME, /* the thread's name */
	TOP_SORT_COMM, /* the process's name */
	TOP_SORT_STATE,
	TOP_SORT_USER_CPU,
	TOP_SORT_SYS_CPU,
	TOP_SORT_NICE,
	TOP_SORT_COUNT
};

struct top_table {
	/* What is listed; change these, then call top_table_apply. */
	bool threads; /* a row per thread (top -H), or per process */
	enum top_sort sort;
	/* Text a task must hold (top_table_holds); "" all. */
	char filter[64];
	int only_pid;   /* list only this process; 0 all */
	bool only_user; /* list only the processes of uid */
	int64_t uid;

	/* A task's command line (raw, "" when none; borrowed until the next
	 * update), asked only while a filter or a search needs it; NULL: no
	 * command lines to match. */
	const char *(*command)(void *arg, const struct task_brief *b);
	/* A thread's Python threading name (raw; NULL when none), for the
	 * THREAD column and the filter; NULL: no Python names. */
	const char *(*python_name)(void *arg, const struct task_brief *b);
	void *command_arg; /* of both */
	bool invert;       /* I: the sort's order reversed */
	bool tree;         /* t, F5: children under their parent (top_tree.h) */

	/* Every task of the latest sample (borrowed), and the rows listed
	 * (owned): pointers into it, sorted and filtered. */
	const struct task_brief *all;
	size_t nall;
	const struct task_brief **rows;
	size_t nrows;
	struct top_tree_mark *marks; /* in tree view, one a row (owned); else NULL */

	/* The selected row, the task it shows (0: none yet: the first row,
	 * then it stays on that task), and the first row on screen. */
	size_t selected;
	int selected_tid;
	size_t first;
};

/* Frees the rows (not t itself). */
void top_table_clear(struct top_table *t);

/* Lists briefs[0..n) (borrowed until the next update) as the latest sample. */
void top_table_update(struct top_table *t, const struct task_brief *briefs, size_t n);

/* Sorts and filters again after a change of what is listed. The selection
 * stays on its task when that is still listed, else on the same row number,
 * clamped: from the first rows listed, it never jumps to another task by
 * itself (Enter acts on the row the user saw selected). */
void top_table_apply(struct top_table *t);

/* Switches between thread and process rows, keeping the selection on the
 * same process; the caller then lists the other kind of briefs. */
void top_table_set_threads(struct top_table *t, bool threads);

/* Moves the selection by delta rows, clamped to the list. */
void top_table_move(struct top_table *t, long delta);

/* Makes the selected row visible in a window of height rows: updates first. */
void top_table_scroll(struct top_table *t, size_t height);

/* The selected task, or NULL when nothing is listed. Borrowed until the
 * next update. */
const struct task_brief *top_table_selected(const struct top_table *t);

/* The sort key step columns away from sort among the columns shown,
 * shown[0..n) in screen order (those that sort: < and >). A sort not among
 * them moves to the first (step > 0) or last; stays at the ends. */
enum top_sort top_table_sort_step(enum top_sort sort, const enum top_sort *shown, size_t n,
                                  int step);

/* Whether a task is listed: its process, its user and the filter. */
bool top_table_matches(const struct top_table *t, const struct task_brief *b);

/* Whether a task holds text: its thread or process name or its command line
 * contain it (any case), or text is its PID or TID. "" holds in every task. */
bool top_table_holds(const struct top_table *t, const struct task_brief *b, const char *text);

/* Moves the selection to the next row that holds text (from the selected
 * row itself unless after is set), wrapping around. Returns false, the
 * selection unmoved, when no row holds it. */
bool top_table_find(struct top_table *t, const char *text, bool after);

#endif
