#include "model.h"

#include "task_graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const char *const mem_kind_names[MEM_KINDS] = {
    [MEM_HEAP] = "heap", [MEM_ANON] = "anon",   [MEM_STACK] = "stack",
    [MEM_FILE] = "file", [MEM_SHMEM] = "shmem",
};

static const char *const lock_kind_names[] = {
    [LOCK_MUTEX] = "mutex",
    [LOCK_RWLOCK_WRITE] = "rwlock-write",
    [LOCK_RWLOCK_READ] = "rwlock-read",
    [LOCK_OTHER] = "other",
};

static const char *const lock_detail_names[LOCK_DETAILS] = {
    [LOCK_DETAIL_MUTEX] = "mutex",
    [LOCK_DETAIL_PI_MUTEX] = "pi-mutex",
    [LOCK_DETAIL_ROBUST_MUTEX] = "robust-mutex",
    [LOCK_DETAIL_LIBC_LOCK] = "libc-lock",
    [LOCK_DETAIL_RWLOCK] = "rwlock",
    [LOCK_DETAIL_CONDVAR] = "condvar",
    [LOCK_DETAIL_SEMAPHORE] = "semaphore",
    [LOCK_DETAIL_GIL] = "gil",
    [LOCK_DETAIL_PYTHON_LOCK] = "python-lock",
    [LOCK_DETAIL_PYTHON_RLOCK] = "python-rlock",
    [LOCK_DETAIL_FUTEX] = "futex",
    [LOCK_DETAIL_SYSCALL] = "syscall",
};

const char *
lock_kind_name(enum lock_kind kind)
{
	return (unsigned)kind < sizeof(lock_kind_names) / sizeof(lock_kind_names[0])
	           ? lock_kind_names[kind]
	           : "other";
}

const char *
lock_detail_name(enum lock_detail detail)
{
	return (unsigned)detail < LOCK_DETAILS ? lock_detail_names[detail] : "futex";
}

void
report_tree_begin(struct report_tree *t, int root, size_t cap, bool capped)
{
	*t = (struct report_tree){.root = root, .cap = cap, .capped = capped};
}

void
report_tree_add(struct report_tree *t, int pid, const char *comm, double cpu_pct, int64_t rss_kib)
{
	double cpu = isnan(cpu_pct) ? 0 : cpu_pct;

	t->process_count++;
	t->cpu_pct += cpu;
	t->rss_kib += rss_kib > 0 ? rss_kib : 0;
	if (t->hottest_pid == 0 || cpu > t->hottest_cpu_pct) {
		t->hottest_pid = pid;
		t->hottest_cpu_pct = cpu;
		snprintf(t->hottest_comm, sizeof(t->hottest_comm), "%s", comm);
	}
}

void
report_tree_add_pss(struct report_tree *t, int64_t pss_kib)
{
	if (t->pss_kib >= 0)
		t->pss_kib = pss_kib >= 0 ? t->pss_kib + pss_kib : -1;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nprocs; i++) {
		struct process_row *p = &r->procs[i];

		for (size_t t = 0; t < p->nthreads; t++)
			thread_row_clear(&p->threads[t]);
		free(p->threads);
		free(p->cmdline);
		free(p->python);
	}
	free(r->procs);
	free(r);
}

void
mem_report_set_growth(struct mem_report *m, const struct growth_series *s, size_t windows)
{
	growth_fit(s->t_s, s->kib, s->n, windows, &m->growth);
	m->samples = s->n;
	m->anon_first_kib = s->kib[0];
	m->anon_last_kib = s->kib[s->n - 1];
}

void
thread_row_clear(struct thread_row *t)
{
	free(t->wchan);
	t->wchan = NULL;
	free(t->python_name);
	t->python_name = NULL;
	thread_stack_clear(t->stack);
	free(t->stack);
	t->stack = NULL;
}

void
frame_row_clear(struct frame_row *f)
{
	free(f->function);
	free(f->module);
	free(f->file);
	f->function = f->module = f->file = NULL;
	frame_locals_free(f->locals, f->nlocals);
	f->locals = NULL;
	f->nlocals = 0;
}

void
frame_locals_free(struct frame_local *locals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(locals[i].name);
		free(locals[i].type);
		free(locals[i].repr);
	}
	free(locals);
}

void
frame_rows_free(struct frame_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		frame_row_clear(&rows[i]);
	free(rows);
}

void
thread_stack_clear(struct thread_stack *t)
{
	if (t == NULL)
		return;
	frame_rows_free(t->native_frames, t->nnative);
	t->native_frames = NULL;
	t->nnative = 0;
	free(t->python_name);
	t->python_name = NULL;
	frame_rows_free(t->frames, t->nframes);
	t->frames = NULL;
	t->nframes = 0;
}

void
dump_report_free(struct dump_report *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nthreads; i++)
		thread_stack_clear(&d->threads[i]);
	free(d->threads);
	tasks_report_free(d->tasks);
	free(d);
}

void
locks_report_free(struct locks_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nwaits; i++) {
		free(r->waits[i].fd_target);
		free(r->waits[i].owner_python_name);
		for (size_t k = 0; k < r->waits[i].nfds; k++)
			free(r->waits[i].fds[k].target);
		free(r->waits[i].fds);
	}
	free(r->waits);
	for (size_t i = 0; i < r->ncycles; i++)
		free(r->cycles[i].tids);
	free(r->cycles);
	dump_report_free(r->stacks);
	free(r);
}

const struct thread_stack *
dump_report_thread(const struct dump_report *d, int tid)
{
	for (size_t i = 0; d != NULL && i < d->nthreads; i++)
		if (d->threads[i].tid == tid)
			return &d->threads[i];
	return NULL;
}

void
python_types_free(struct python_types *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ntypes; i++)
		free(t->types[i].name);
	free(t->types);
	free(t);
}
