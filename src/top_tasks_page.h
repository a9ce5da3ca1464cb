/* The live view's asyncio page (a): the asyncio tasks of one process, as
 * stacktop tasks finds them, the event loop of the selected thread first,
 * then the other loops', then the deadlocks. Finding the tasks walks the
 * collector's lists with the whole process stopped (longer the more memory
 * it has), so they are taken once when the page opens and again on t,
 * never on every refresh; and the first time for a process only once the
 * page has said how long it would stop it and the user pressed t. */
#ifndef STACKTOP_TOP_TASKS_PAGE_H
#define STACKTOP_TOP_TASKS_PAGE_H

#include "probes/procfs.h"
#include "probes/python_types.h"
#include "task_graph.h"
#include "top_consent.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct top_tasks_page {
	int pid; /* the process shown; 0 while closed */
	int tid; /* the selected thread, whose loop's tasks come first */
	struct tasks_report *report;
	int err;
	bool asking; /* the expected stop is shown, t takes the tasks */
	struct python_types_expect expect;
	/* Kept from one opening to the next. */
	struct top_consent agreed; /* the processes whose stop the user agreed to */
};

/* Opens the page on pid, tid its selected thread: the tasks taken at once
 * if the user agreed to a stop of pid before, else the stop they would
 * take, to be asked (a process whose tasks cannot be read: why, at once). */
void top_tasks_page_open(struct top_tasks_page *p, const struct procfs *fs, int pid, int tid);

/* t: the tasks taken (again), the stop agreed to for this process from now. */
void top_tasks_page_take_key(struct top_tasks_page *p, const struct procfs *fs);

/* The page's text: what was taken last (nothing is read here). */
void top_tasks_page_write(FILE *out, const struct top_tasks_page *p);

/* Frees the tasks shown; the consents stay. */
void top_tasks_page_close(struct top_tasks_page *p);

#endif
