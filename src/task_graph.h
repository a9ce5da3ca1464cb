/* The asyncio tasks of one process as `stacktop tasks` reports them, and
 * the graph between them: which tasks each task awaits (directly, through
 * a gather or a TaskGroup), the reverse (awaited by), and the cycles of
 * tasks awaiting each other, which can never end: deadlocks.
 *
 * Pure: built from the rows the probe filled, no I/O. */
#ifndef STACKTOP_TASK_GRAPH_H
#define STACKTOP_TASK_GRAPH_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The most tasks a report keeps. */
#define TASK_GRAPH_MAX_TASKS 100000

struct task_row {
	uint64_t addr;          /* id(task) */
	char *name;             /* owned, raw (sanitize before showing); NULL if unknown */
	const char *state;      /* static: "running", "waiting", "scheduled", "done",
	                           "cancelled", "unknown" */
	const char *awaits;     /* static: "task", "gather", "taskgroup", "sleep",
	                           "lock", "event", "condition", "semaphore", "queue",
	                           "future", or "" */
	uint64_t awaits_object; /* the future, lock, queue … (0: none) */
	uint64_t loop;
	/* As read, for record --async to recognise the task on a thread's
	 * stack: its coroutine, that coroutine's frame (0 when it has none:
	 * done, or unreadable) and its name object (0: none). */
	uint64_t coro, coro_frame, name_obj;
	/* Its class, and whether it is asyncio's pure-Python Task (whose
	 * fields are in its instance dict, not at fixed offsets). */
	uint64_t type;
	bool pure;
	int loop_tid;             /* the thread running its loop now (its host TID), 0 when
	                             the loop is not running or its thread is unknown */
	char *loop_thread_name;   /* owned, raw: that thread's threading name, or NULL */
	struct frame_row *frames; /* owned: its coroutine stack, innermost first */
	size_t nframes;
	bool frames_truncated;
	uint64_t *awaits_addrs; /* owned: the tasks it awaits, as read */
	size_t nawaits_addrs;
	/* Filled by task_graph_build: indexes into the report's tasks (owned). */
	size_t *awaits_tasks, nawaits_tasks;
	size_t *awaited_by, nawaited_by;
	bool in_cycle;
};

/* Tasks awaiting each other in a ring: indexes, each awaiting the next,
 * the last awaiting the first. */
struct task_cycle {
	size_t *tasks; /* owned */
	size_t n;
};

struct tasks_report {
	int pid;
	char comm[COMM_MAX];
	struct timespec taken_at;
	struct python_info python;
	double stopped_ms;
	char partial[96];       /* why the search for tasks ended early, "" if it did not */
	struct task_row *tasks; /* owned */
	size_t ntasks;
	struct task_cycle *cycles; /* owned, by task_graph_build */
	size_t ncycles;
};

/* Resolves each task's awaits_addrs to indexes (tasks not in the report
 * are left out), fills awaited_by, and finds every cycle once. Tasks are
 * first sorted by address, so that output is stable. */
void task_graph_build(struct tasks_report *r);

/* Keeps of r's cycles those that again (a second look at the same
 * process, its graph built) also has, of the same tasks (by address), and
 * clears in_cycle of the tasks no kept cycle holds: a ring read once can be
 * tasks caught between steps, and a false deadlock is worse than none.
 * Returns how many cycles were dropped. */
size_t task_graph_confirm(struct tasks_report *r, const struct tasks_report *again);

/* Whether task i is awaited by no task: a root of the awaited-by tree. */
bool task_graph_is_root(const struct tasks_report *r, size_t i);

/* Orders task names as people read them: runs of digits compared as
 * numbers ("worker-2" before "worker-10"; of equal numbers the one with
 * fewer leading zeros first), the rest byte by byte; NULL (unnamed) after
 * every name. Returns <0, 0 or >0, as strcmp. */
int task_graph_name_compare(const char *a, const char *b);

void tasks_report_free(struct tasks_report *r);

#endif
