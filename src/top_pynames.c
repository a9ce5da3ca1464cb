#include "top_pynames.h"

#include "addr_index.h"
#include "clock.h"
#include "probes/target.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdlib.h>

/* Names are read again after this long: threads come and are renamed. */
#define TOP_PYNAMES_REFRESH_S 5.0
/* A process not asked about for this long is forgotten (it exited, or its
 * rows are no longer drawn): the table stays as small as the screen. */
#define TOP_PYNAMES_FORGET_S 30.0

struct pynames_process {
	int pid;
	bool python;            /* false: not a Python process we read */
	double read_s;          /* when its names were read (monotonic) */
	double asked_s;         /* when they were last asked for */
	struct tid_name *names; /* owned */
	size_t n;
};

struct top_pynames {
	const struct procfs *fs; /* borrowed */
	struct pynames_process *procs;
	size_t nprocs;
	/* procs' positions by pid: the filter asks for every listed task,
	 * thousands a refresh, so a lookup must not scan the table. */
	struct addr_index by_pid;
};

struct top_pynames *
top_pynames_new(const struct procfs *fs)
{
	struct top_pynames *n = xcalloc(1, sizeof(*n));

	n->fs = fs;
	addr_index_init(&n->by_pid);
	return n;
}

void
top_pynames_free(struct top_pynames *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nprocs; i++)
		tid_names_free(n->procs[i].names, n->procs[i].n);
	free(n->procs);
	addr_index_free(&n->by_pid);
	free(n);
}

/* Reads p's names again: a process that is not Python (or whose
 * interpreter we cannot read) is remembered as such, not asked again. */
static void
pynames_read(struct top_pynames *n, struct pynames_process *p, double now)
{
	struct target *t = NULL;

	tid_names_free(p->names, p->n);
	p->names = NULL;
	p->n = 0;
	p->read_s = now;
	if (!p->python)
		return;
	if (target_open(n->fs, p->pid, TARGET_PYTHON, false, &t) != 0 ||
	    target_thread_names(t, &p->names, &p->n) == -ENOEXEC)
		p->python = false;
	target_close(t);
}

/* Forgets the processes nobody asked about for a while, and indexes the
 * others again at their new positions. */
static void
pynames_forget(struct top_pynames *n, double now)
{
	size_t kept = 0;

	addr_index_clear(&n->by_pid);
	for (size_t i = 0; i < n->nprocs; i++) {
		if (now - n->procs[i].asked_s > TOP_PYNAMES_FORGET_S) {
			tid_names_free(n->procs[i].names, n->procs[i].n);
			continue;
		}
		n->procs[kept] = n->procs[i];
		addr_index_find_or_add(&n->by_pid, (uint64_t)n->procs[kept].pid, kept);
		kept++;
	}
	n->nprocs = kept;
}

const char *
top_pynames_get(struct top_pynames *n, int pid, int tid)
{
	double now = clock_monotonic_s();
	size_t at = addr_index_find_or_add(&n->by_pid, (uint64_t)pid, n->nprocs);
	struct pynames_process *p;

	if (at == n->nprocs) {
		pynames_forget(n, now); /* indexes what it keeps, pid not among them */
		addr_index_find_or_add(&n->by_pid, (uint64_t)pid, n->nprocs);
		n->procs = xreallocarray(n->procs, n->nprocs + 1, sizeof(*n->procs));
		p = &n->procs[n->nprocs++];
		*p = (struct pynames_process){.pid = pid, .python = true};
		pynames_read(n, p, now);
	} else {
		p = &n->procs[at];
		if (p->python && now - p->read_s > TOP_PYNAMES_REFRESH_S)
			pynames_read(n, p, now);
	}
	p->asked_s = now;
	return tid_names_find(p->names, p->n, tid);
}
