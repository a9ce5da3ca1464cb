/* Which asyncio task a thread runs at a sample (record --async): a census
 * of the tasks, taken in one stop (python_tasks), keyed by the frame of
 * each task's own coroutine. A running task's coroutine is executed by its
 * loop's thread, its frame on that thread's Python stack (3.6-3.10 the
 * coroutine's frame object, 3.11+ the frame inline in the coroutine), and
 * no other coroutine has that frame while it lives: the innermost frame of
 * a thread's stack that is in the census names the task, found without a
 * read. A task may have ended since the census and its memory have been
 * reused, so a match is confirmed by one small read of the task object
 * (still pending, the same coroutine and name) before it is believed. A
 * pure-Python Task keeps those in its instance dict, too many reads for
 * every sample: it is confirmed by its class only (a weaker check: a task
 * freed keeps its class word until the memory is used again).
 *
 * Pure: the census is built from a tasks report, and the confirming read
 * goes through the struct python_memory given. */
#ifndef STACKTOP_PYTHON_TASK_CENSUS_H
#define STACKTOP_PYTHON_TASK_CENSUS_H

#include "../task_graph.h"
#include "python_asyncio_layout.h"
#include "python_memory.h"
#include "python_stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One task of a census. */
struct task_census_entry {
	uint64_t frame;    /* its coroutine's frame: the key */
	uint64_t task;     /* the Task object */
	uint64_t coro;     /* its coroutine, as the census read it */
	uint64_t name_obj; /* its name object (3.8+), or 0 */
	uint64_t type;     /* its class */
	bool pure;         /* asyncio's pure-Python Task */
	char *label;       /* owned, raw: the frame profiles show, "task NAME" */
};

struct task_census;

/* What a thread's stack says of its task. */
enum task_census_match {
	TASK_CENSUS_NONE,  /* no frame of a task known to the census */
	TASK_CENSUS_TASK,  /* *entry runs it */
	TASK_CENSUS_STALE, /* a known frame whose task has changed since:
	                      the census is out of date */
};

/* A census of r's pending tasks (r borrowed for the call), whose objects
 * are read with layout al (static). Owned; free with task_census_free. A
 * task without a name (3.6 and 3.7 have none) is labelled by its
 * coroutine's function, "task alpha()"; one whose name cannot be read by
 * its address. */
struct task_census *task_census_new(const struct tasks_report *r,
                                    const struct python_asyncio_layout *al);
void task_census_free(struct task_census *c);

/* How many tasks c knows. */
size_t task_census_size(const struct task_census *c);

/* How many of now's tasks before (NULL: none) did not know: whether a
 * census taken again found what it was taken for. */
size_t task_census_new_since(const struct task_census *now, const struct task_census *before);

/* The task thread py runs: the innermost of its frames that c knows,
 * confirmed by a read of the task through mem (one read of at most 256
 * bytes). *entry (borrowed for c's life) is set with TASK_CENSUS_TASK. */
enum task_census_match task_census_find(const struct task_census *c,
                                        const struct python_raw_thread *py,
                                        const struct python_memory *mem,
                                        const struct task_census_entry **entry);

#endif
