#include "top_tasks_page.h"

#include "cli.h"
#include "probes/python_tasks.h"
#include "ui/tasks_text.h"
#include "ui/top_screen.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
top_tasks_page_close(struct top_tasks_page *p)
{
	struct top_consent agreed = p->agreed;

	tasks_report_free(p->report);
	*p = (struct top_tasks_page){.agreed = agreed};
}

/* The tasks, now: one bounded stop of the whole process. */
static void
tasks_page_take(struct top_tasks_page *p, const struct procfs *fs)
{
	tasks_report_free(p->report);
	p->report = NULL;
	/* stacktop is no Python process, and never stops itself. */
	p->err = p->pid == getpid() ? -ENOEXEC : python_tasks_take(fs, p->pid, false, &p->report);
}

void
top_tasks_page_open(struct top_tasks_page *p, const struct procfs *fs, int pid, int tid)
{
	top_tasks_page_close(p);
	p->pid = pid;
	p->tid = tid;
	if (pid == getpid()) {
		p->err = -ENOEXEC;
		return;
	}
	if (top_consent_given(&p->agreed, pid)) {
		tasks_page_take(p, fs);
		return;
	}
	/* Asks nothing of a process whose tasks cannot be read: it says why
	 * at once, and nothing is stopped. */
	p->err = python_tasks_expect(fs, pid, &p->expect);
	p->asking = p->err == 0;
}

void
top_tasks_page_take_key(struct top_tasks_page *p, const struct procfs *fs)
{
	if (p->pid == 0)
		return;
	if (p->asking)
		top_consent_give(&p->agreed, p->pid);
	p->asking = false;
	tasks_page_take(p, fs);
}

/* The threads other than the selected one that run a loop of r's tasks,
 * in the order their tasks come (owned; *n of them). */
static int *
tasks_page_other_loops(const struct tasks_report *r, int selected, size_t *n)
{
	int *tids = xcalloc(r->ntasks ? r->ntasks : 1, sizeof(*tids));
	size_t k;

	*n = 0;
	for (size_t i = 0; i < r->ntasks; i++) {
		int tid = r->tasks[i].loop_tid;

		if (tid == 0 || tid == selected)
			continue;
		for (k = 0; k < *n && tids[k] != tid; k++)
			;
		if (k == *n)
			tids[(*n)++] = tid;
	}
	return tids;
}

/* The trees, by loop: the selected thread's first, then the other
 * threads' loops, then the loops not running now. */
static void
tasks_page_write_loops(FILE *out, const struct tasks_report *r, int selected)
{
	bool utf8 = top_screen_utf8();
	size_t n;
	int *others;

	if (r->ntasks == 0)
		return;
	if (tasks_text_loop_has(r, selected)) {
		fprintf(out, "\nThe event loop of the selected thread, %d:\n", selected);
		tasks_text_loop(out, r, selected, 2, utf8);
	} else {
		fprintf(out, "\n(the selected thread, %d, runs no event loop now)\n", selected);
	}
	others = tasks_page_other_loops(r, selected, &n);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\nThe event loop of thread %d:\n", others[i]);
		tasks_text_loop(out, r, others[i], 2, utf8);
	}
	free(others);
	if (tasks_text_loop_has(r, 0)) {
		fputs("\nEvent loops not running now:\n", out);
		tasks_text_loop(out, r, 0, 2, utf8);
	}
}

void
top_tasks_page_write(FILE *out, const struct top_tasks_page *p)
{
	char msg[256];

	if (p->err == -ENOTSUP) {
		fprintf(out, "cannot read the asyncio tasks of %d: " PYTHON_TASKS_SUPPORTED "\n",
		        p->pid);
	} else if (p->err != 0) {
		fprintf(out, "%s\n", cli_target_message(p->pid, p->err, msg, sizeof(msg)));
	} else if (p->asking) {
		top_consent_ask(out,
		                "Asyncio tasks: finding them walks the collector's lists, which",
		                p->pid, &p->expect, "Press t to take them.");
	} else if (p->report != NULL) {
		tasks_text_header(out, p->report);
		/* The deadlocks come last, as tasks writes them: said at once. */
		if (p->report->ncycles > 0)
			fprintf(out,
			        "%zu deadlock%s: tasks awaiting each other (End: at the end)\n",
			        p->report->ncycles, p->report->ncycles == 1 ? "" : "s");
		tasks_page_write_loops(out, p->report, p->tid);
		tasks_text_deadlocks(out, p->report);
		fprintf(out, "\n(taken once, when asked, not on every refresh: t takes them again, "
		             "stopping the process for a moment; q or Esc: back)\n");
	}
}
