/* stacktop tasks as text: the awaited-by tree of a process's asyncio tasks
 * (each task under the task that awaits it, with its coroutine stack and
 * what it waits for), then the deadlocks, as jstack reports a Java one. */
#ifndef STACKTOP_TASKS_TEXT_H
#define STACKTOP_TASKS_TEXT_H

#include "../task_graph.h"

#include <stdio.h>

void tasks_text_write(FILE *out, const struct tasks_report *r);

/* The awaited-by trees of r's tasks whose loop runs in thread tid
 * (loop_tid; 0: the tasks of loops not running now), every line after a
 * margin of that many spaces: what dump --tasks shows under a thread. */
void tasks_text_loop(FILE *out, const struct tasks_report *r, int tid, int margin);

#endif
