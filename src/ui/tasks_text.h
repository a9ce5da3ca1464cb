/* stacktop tasks as text: the awaited-by tree of a process's asyncio tasks
 * (each task under the task that awaits it, with its coroutine stack and
 * what it waits for), then the deadlocks, as jstack reports a Java one. */
#ifndef STACKTOP_TASKS_TEXT_H
#define STACKTOP_TASKS_TEXT_H

#include "../task_graph.h"

#include <stdbool.h>
#include <stdio.h>

void tasks_text_write(FILE *out, const struct tasks_report *r);

/* The parts of tasks_text_write around its trees: the line that names the
 * process, its version, its tasks and the stop (and why the search ended
 * early, or that there are no tasks); and the deadlocks found, if any. */
void tasks_text_header(FILE *out, const struct tasks_report *r);
void tasks_text_deadlocks(FILE *out, const struct tasks_report *r);

/* Whether any of r's tasks (r may be NULL) has its loop in thread tid
 * (0: a loop not running now). */
bool tasks_text_loop_has(const struct tasks_report *r, int tid);

/* The awaited-by trees of r's tasks whose loop runs in thread tid
 * (loop_tid; 0: the tasks of loops not running now), every line after a
 * margin of that many spaces: what dump --tasks shows under a thread.
 * The tree's lines are box characters when utf8, else ASCII ("`-- "). */
void tasks_text_loop(FILE *out, const struct tasks_report *r, int tid, int margin, bool utf8);

#endif
