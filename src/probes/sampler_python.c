/* The sampler's Python side: frames read while the threads are stopped,
 * or running (checked, re-read when torn) for Python frames alone; matched
 * to threads; the GIL holder; what a thread read alone stands for. */
#include "../clock.h"
#include "../xmalloc.h"
#include "sampler_impl.h"
#include "target.h"

#include <stdlib.h>

/* Reads the Python frames of every thread (called while they are stopped,
 * or with them running for Python frames alone). */
void
sampler_python_read_stopped(void *arg)
{
	struct sampler *s = arg;

	python_stack_raw_free(&s->raw);
	s->raw_err = python_stack_read(s->py, s->mem, &s->raw);
}

/* The Python frames of thread tid in raw (read with error err), or NULL. */
/* The same with the target running: each thread's walk checked and made
 * again when it tore; a thread still torn is not counted, but it is in the
 * profile's dropped count. */
void
sampler_python_read_running(struct sampler *s, struct profile *p, struct python_want *want)
{
	struct python_raw previous = s->raw;

	if (want != NULL)
		want->previous = s->raw_err == 0 ? &previous : NULL;
	s->raw = (struct python_raw){0};
	s->raw_err = python_stack_read_running(s->py, s->mem, SAMPLER_PYTHON_TRIES, want, &s->raw);
	python_stack_raw_free(&previous);
	if (s->raw_err == 0)
		p->dropped += s->raw.dropped;
}

const struct python_raw_thread *
sampler_python_raw_thread(const struct python_raw *raw, int err, int tid)
{
	for (size_t i = 0; err == 0 && i < raw->nthreads; i++)
		if (raw->threads[i].tid == tid)
			return raw->threads[i].dropped ? NULL : &raw->threads[i];
	return NULL;
}

/* This round's Python frames of thread tid, or NULL. */
const struct python_raw_thread *
sampler_python_thread(const struct sampler *s, int tid)
{
	return s->py != NULL ? sampler_python_raw_thread(&s->raw, s->raw_err, tid) : NULL;
}

/* Whether thread tid held the GIL at this round's read. */
bool
sampler_python_holds_gil(const struct sampler *s, int tid)
{
	const struct python_raw_thread *py = sampler_python_thread(s, tid);

	return py != NULL && py->holds_gil;
}

/* How many samples a thread read for Python frames alone stands for: in a
 * CPU profile, the kernel's samples of it on a CPU (perf events), else its
 * CPU time since it was last counted, in periods (a thread woken and
 * waiting for a CPU, or for the GIL, is runnable but used little: counted
 * only once its CPU time adds up; at rates above the kernel's tick, which
 * is when it adds CPU time, a busy thread's samples come in lumps). */
static uint64_t
sampler_python_weight(struct sampler *s, struct sampled_thread *t)
{
	if (s->idle || s->gil)
		return 1;
	return s->perf ? t->weight : sampler_take_credit(s, t);
}

/* Matches this round's thread states to threads (all of them: before 3.11
 * the match is found by trying offsets against every thread). */
void
sampler_python_map(struct sampler *s)
{
	int *all, *inner;

	if (s->raw_err != 0)
		return;
	all = xcalloc(s->nthreads ? s->nthreads : 1, sizeof(*all));
	inner = xcalloc(s->nthreads ? s->nthreads : 1, sizeof(*inner));
	for (size_t i = 0; i < s->nthreads; i++) {
		struct sampled_thread *t = &s->threads[i];

		if (t->inner == 0) /* read once: a thread keeps its ids */
			t->inner =
			    s->own_namespace ? procfs_inner_id(s->fs, s->pid, t->tid) : t->tid;
		all[i] = t->tid;
		inner[i] = t->inner;
	}
	python_tids_map(s->py, s->mem, &s->raw, all, inner, s->nthreads);
	free(inner);
	free(all);
	for (size_t i = 0; i < s->raw.nthreads; i++) {
		struct sampled_thread *t =
		    sampler_find(s->threads, s->nthreads, s->raw.threads[i].tid);

		if (t != NULL)
			t->tstate = s->raw.threads[i].tstate;
	}
}

/* A round's choice of the Python threads to follow (struct python_want):
 * the thread states of the threads that ran, sorted, and those of the
 * threads that did not. A thread state in neither is one not matched to a
 * thread yet (new, or a thread whose id we could not read): followed. */
struct sampler_python_want {
	uint64_t *ran, *idle;
	size_t nran, nidle;
	bool gil; /* GIL mode: the holder, whatever ran */
};

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static bool
sampler_python_wants(void *arg, const struct python_raw_thread *th)
{
	const struct sampler_python_want *w = arg;

	if (w->gil)
		return th->holds_gil;
	return bsearch(&th->tstate, w->ran, w->nran, sizeof(*w->ran), compare_u64) != NULL ||
	       bsearch(&th->tstate, w->idle, w->nidle, sizeof(*w->idle), compare_u64) == NULL;
}

/* A round of Python frames alone: read with the threads running, never
 * stopped. Threads with no Python frames are not counted. */
int
sampler_python_round(struct sampler *s, struct profile *p)
{
	struct sampler_python_want w = {.gil = s->gil};
	struct python_want want = {.thread = sampler_python_wants, .arg = &w, .gil = s->gil};

	w.ran = xcalloc(s->nthreads + 1, sizeof(*w.ran));
	w.idle = xcalloc(s->nthreads + 1, sizeof(*w.idle));
	for (size_t i = 0; i < s->nthreads; i++) {
		if (s->threads[i].tstate == 0)
			continue;
		if (s->threads[i].ran)
			w.ran[w.nran++] = s->threads[i].tstate;
		else
			w.idle[w.nidle++] = s->threads[i].tstate;
	}
	qsort(w.ran, w.nran, sizeof(*w.ran), compare_u64);
	qsort(w.idle, w.nidle, sizeof(*w.idle), compare_u64);
	sampler_python_read_running(s, p, &want);
	free(w.ran);
	free(w.idle);
	sampler_python_map(s);
	for (size_t i = 0; i < s->nthreads; i++) {
		struct sampled_thread *t = &s->threads[i];

		const struct python_raw_thread *py = sampler_python_thread(s, t->tid);

		/* The GIL's holder is sampled whether or not its CPU time moved:
		 * it may hold the GIL in a C call that blocks. */
		/* A thread state with no frame (3.11's thread between a C call and
		 * its first Python frame) has no Python stack to count. */
		if (py != NULL && py->nframes > 0 && (s->gil ? py->holds_gil : t->ran)) {
			struct sampler_hit h = {
			    .tid = t->tid, .py = py, .weight = sampler_python_weight(s, t)};

			if (h.weight > 0)
				t->last = sampler_count(s, p, &h);
		}
	}
	if (s->raw_err != 0)
		p->errors++;
	return s->raw_err == -ESRCH ? -ESRCH : 0;
}

const char *
sampler_python_name(struct sampler *s, int tid)
{
	const char *name = tid_names_find(s->names, s->nnames, tid);
	double now;

	if (s->py == NULL || s->target == NULL)
		return NULL;
	now = clock_monotonic_s();
	if (s->names_read_s != 0 &&
	    now - s->names_read_s < (name != NULL ? SAMPLER_NAMES_OLD_S : SAMPLER_NAMES_EVERY_S))
		return name;
	s->names_read_s = now;
	tid_names_free(s->names, s->nnames);
	/* Read with the target running (between rounds of a stop, or with
	 * Python frames alone): a thread missed is named at the next read. */
	if (target_thread_names(s->target, &s->names, &s->nnames) != 0) {
		s->names = NULL;
		s->nnames = 0;
	}
	return tid_names_find(s->names, s->nnames, tid);
}
