/* stacktop tasks as text: the awaited-by tree of a process's asyncio tasks
 * (each task under the task that awaits it, with its coroutine stack and
 * what it waits for), then the deadlocks, as jstack reports a Java one. */
#ifndef STACKTOP_TASKS_TEXT_H
#define STACKTOP_TASKS_TEXT_H

#include "../task_graph.h"

#include <stdio.h>

void tasks_text_write(FILE *out, const struct tasks_report *r);

#endif
