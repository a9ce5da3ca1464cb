/* The sampler's perf-event paths: native CPU profiles drained from each
 * thread's ring, Python frames alone for the threads the kernel found on
 * a CPU (per-CPU events where allowed), and the fed samplers of record -a
 * whose samples come from outside. */
#include "../clock.h"
#include "sampler_impl.h"

static int sampler_perf_attach(struct sampler *s, struct profile *p);

size_t
sampler_perf_tick_ring_pages(unsigned hz)
{
	double want = hz * SAMPLER_PERF_TICK_LATE_S * SAMPLER_PERF_TICK_BYTES / 4096.0;
	size_t pages = 2;

	while (pages < SAMPLER_PERF_RING_PAGES && pages < want)
		pages *= 2;
	return pages;
}

/* Whether perf events may sample the threads: tried on every thread there
 * is, first with the kernel's part of their time, then without it (what
 * perf_event_paranoid 2 allows). Any refusal leaves ptrace stops, with the
 * reason in perf_err. Returns 0, or -ESRCH when the process is gone. */
/* Python frames alone: an event on each CPU, whose samples of this process
 * say which of its threads were on a CPU. Returns 0, or the refusal (then
 * no event is kept). */
static int
sampler_perf_cpus(struct sampler *s)
{
	int refused;
	size_t opened = perf_events_open_cpus(&s->perf_cfg, &s->cpu_events, &s->ncpus, &refused);

	if (opened > 0 && refused == 0)
		return 0;
	perf_events_free_cpus(s->cpu_events, s->ncpus);
	s->cpu_events = NULL;
	s->ncpus = 0;
	return refused != 0 ? refused : -ENODEV;
}

int
sampler_perf_start(struct sampler *s)
{
	int err = sampler_list(s);

	if (err != 0)
		return err;
	s->listed_s = clock_monotonic_s();
	/* Per-CPU events need more privilege (perf_event_paranoid <= 0, or
	 * CAP_PERFMON) than a thread's own: without it, one a thread. */
	if (s->python_only && sampler_perf_cpus(s) == 0)
		return 0;
	err = sampler_perf_attach(s, NULL);
	if (err == -EACCES || err == -EPERM) {
		/* Each thread's refusal marked it failed: tried again, all of
		 * them (marked, they were skipped, and a profile of no event
		 * at all said "perf events" with 0 samples). */
		for (size_t i = 0; i < s->nthreads; i++) {
			sampler_close_thread(s, &s->threads[i]);
			s->threads[i].perf_failed = false;
		}
		s->perf_cfg.kernel = false;
		err = sampler_perf_attach(s, NULL);
	}
	if (err != 0) {
		for (size_t i = 0; i < s->nthreads; i++) {
			sampler_close_thread(s, &s->threads[i]);
			s->threads[i].perf_failed = false;
		}
		s->perf = false;
		s->perf_err = err;
	}
	return 0;
}

/* Perf events, Python frames alone: how many samples thread t stands for
 * this round, elapsed_ns after the last. Each kernel sample of it is a
 * perf period of CPU time, credited to it and spent a round period a
 * sample. Where the kernel samples slower than the rounds go, a thread
 * that runs on is counted each round (its credit spans the rounds between
 * two kernel samples) and one that ran a little for as many rounds as its
 * time makes; no more than the rounds that elapsed, and no credit kept past
 * one kernel sample's worth (a thread that stopped running stops being
 * counted). */
static uint64_t
sampler_perf_weight(struct sampler *s, struct sampled_thread *t, uint64_t elapsed_ns)
{
	uint64_t perf_ns = 1000000000ULL / (s->perf_cfg.hz ? s->perf_cfg.hz : 1);
	uint64_t most = (elapsed_ns + s->period_ns / 2) / s->period_ns, w;

	t->credit_ns += t->on_cpu * perf_ns;
	if (t->credit_ns > perf_ns + s->period_ns)
		t->credit_ns = perf_ns + s->period_ns;
	w = t->credit_ns / s->period_ns;
	if (w > (most ? most : 1))
		w = most ? most : 1;
	t->credit_ns -= w * s->period_ns;
	return w;
}

/* Attaches an event to each thread that has none yet and has not failed.
 * Returns the first error other than -ESRCH (a thread that ended); each
 * such thread adds to p's errors (p may be NULL). */
static int
sampler_perf_attach(struct sampler *s, struct profile *p)
{
	int first = 0;

	if (s->cpu_events != NULL)
		return 0; /* every thread is seen from its CPU's event */
	for (size_t i = 0; i < s->nthreads; i++) {
		struct sampled_thread *t = &s->threads[i];
		int err;

		if (t->perf != NULL || t->perf_failed)
			continue;
		err = perf_events_open(t->tid, &s->perf_cfg, &t->perf);
		if (err == 0) {
			s->fds_open++;
			continue;
		}
		t->perf_failed = true;
		if (err == -ESRCH)
			continue;
		if (first == 0)
			first = err;
		if (p != NULL)
			p->errors++;
	}
	return first;
}

/* perf events with Python frames: the Python stacks of every thread, read
 * without a stop, once a round. The previous round's are kept: a sample
 * takes those read nearer to it. */
static void
sampler_perf_read_python(struct sampler *s, struct profile *p)
{
	double before = clock_monotonic_s();

	python_stack_raw_free(&s->prev_raw);
	s->prev_raw = s->raw;
	s->prev_raw_err = s->rounds > 0 ? s->raw_err : -ENODATA;
	s->prev_raw_ns = s->raw_ns;
	s->raw = (struct python_raw){0};
	sampler_python_read_running(s, p, NULL);
	s->raw_ns = (uint64_t)((before + clock_monotonic_s()) / 2 * 1e9);
	sampler_python_map(s);
}

/* The Python frames of thread tid for a sample taken at time_ns: from the
 * read nearer to it (this round's or the previous one), or from the other
 * when the thread is not in that one. */
static const struct python_raw_thread *
sampler_perf_python(const struct sampler *s, int tid, uint64_t time_ns)
{
	uint64_t to_now = time_ns > s->raw_ns ? time_ns - s->raw_ns : s->raw_ns - time_ns;
	uint64_t to_prev =
	    time_ns > s->prev_raw_ns ? time_ns - s->prev_raw_ns : s->prev_raw_ns - time_ns;
	const struct python_raw_thread *now = sampler_python_raw_thread(&s->raw, s->raw_err, tid);
	const struct python_raw_thread *prev =
	    sampler_python_raw_thread(&s->prev_raw, s->prev_raw_err, tid);

	if (s->py == NULL)
		return NULL;
	if (prev != NULL && (to_prev < to_now || now == NULL))
		return prev;
	return now;
}

void
sampler_perf_snapshot(const struct perf_events_sample *ps, struct thread_snapshot *out)
{
	*out = (struct thread_snapshot){
	    .tid = ps->tid,
	    .regs = ps->regs,
	    .stack_start = ps->regs.rsp,
	    .stack = ps->stack,
	    .stack_len = ps->stack_len,
	    .live_beyond_copy = true,
	};
	out->regs.orig_rax = (unsigned long long)-1; /* not known: no syscall */
}

struct sampler_perf_ctx {
	struct sampler *s;
	struct profile *p;
};

/* A fed sampler reads its process's name and maps again. Returns 0 or
 * -ESRCH (gone). */
static int
sampler_perf_fed_refresh(struct sampler *s)
{
	bool changed;
	int err;

	s->refreshed_s = clock_monotonic_s();
	s->refreshed_round = s->rounds;
	if ((err = sampler_read_process(s)) != 0)
		return err;
	if ((err = unwinder_refresh(s->unwinder, &changed)) != 0)
		return procfs_is_gone(err) ? -ESRCH : err;
	return 0;
}

/* Whether address ip is in a mapping of the maps as last read. */
static bool
sampler_perf_mapped(const struct sampler *s, uint64_t ip)
{
	const struct procfs_map *maps;
	size_t lo = 0, hi = unwinder_maps(s->unwinder, &maps);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ip < maps[mid].start)
			hi = mid;
		else if (ip >= maps[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

void
sampler_perf_feed(struct sampler *s, struct profile *p, const struct perf_events_sample *ps)
{
	struct sampled_thread *t = sampler_find(s->threads, s->nthreads, ps->tid);
	struct thread_snapshot snap;
	struct sampler_hit h = {
	    .tid = ps->tid,
	    .snap = &snap,
	    .py = sampler_perf_python(s, ps->tid, ps->time_ns),
	    .kernel = ps->kernel,
	    .weight = 1,
	};
	size_t last;

	/* No user registers: the kernel's own work for the thread (while it
	 * exits); nothing of ours to show. */
	if (!ps->has_regs) {
		p->errors++;
		return;
	}
	/* Code mapped since the maps were read (once a round at most). */
	if (s->fed && s->refreshed_round != s->rounds && !sampler_perf_mapped(s, ps->regs.rip))
		(void)sampler_perf_fed_refresh(s); /* gone: the samples are named as they can be */
	sampler_perf_snapshot(ps, &snap);
	last = sampler_count(s, p, &h);
	if (t != NULL)
		t->last = last;
}

/* One perf sample of the ring: sampler_perf_feed. */
static void
sampler_perf_sample(void *arg, const struct perf_events_sample *ps)
{
	struct sampler_perf_ctx *c = arg;

	sampler_perf_feed(c->s, c->p, ps);
}

int
sampler_perf_fed_round(struct sampler *s, struct profile *p, bool python)
{
	int err;

	if (clock_monotonic_s() - s->refreshed_s >= SAMPLER_FED_REFRESH_S &&
	    (err = sampler_perf_fed_refresh(s)) != 0)
		return err;
	if (s->py != NULL && python) {
		/* The thread states are matched to the threads listed (before
		 * 3.11 by trying offsets against every one). */
		if ((s->threads == NULL || s->kernel_threads != (int64_t)s->nthreads) &&
		    (err = sampler_list(s)) != 0)
			return err;
		sampler_perf_read_python(s, p);
	}
	s->rounds++;
	return 0;
}

bool
sampler_perf_reads_python(const struct sampler *s)
{
	return s->py != NULL;
}

/* One perf sample of a thread, with Python frames alone: it was on a CPU. */
static void
sampler_perf_on_cpu(void *arg, const struct perf_events_sample *ps)
{
	struct sampled_thread *t = arg;

	(void)ps;
	t->on_cpu++;
}

/* A per-CPU event's sample (cpu_events): one of the process's threads was
 * on that CPU. A thread not listed yet is seen next round. */
static void
sampler_perf_cpu_sample(void *arg, const struct perf_events_sample *ps)
{
	struct sampler *s = arg;
	struct sampled_thread *t;

	if (ps->pid != s->pid)
		return;
	if ((t = sampler_find(s->threads, s->nthreads, ps->tid)) != NULL)
		t->on_cpu++;
	else
		s->relist = true;
}

/* Python frames alone from perf events: each thread that the kernel found
 * on a CPU since the last round is read, and counted once for each such
 * sample (the skew: its stack as read at the round, not at each sample). */
static int
sampler_perf_python_round(struct sampler *s, struct profile *p, struct perf_events_drained *d)
{
	uint64_t now = (uint64_t)(clock_monotonic_s() * 1e9);
	uint64_t elapsed = s->round_ns != 0 && now > s->round_ns ? now - s->round_ns : s->period_ns;
	size_t nran = 0;

	s->round_ns = now;
	for (size_t i = 0; i < s->nthreads; i++)
		s->threads[i].on_cpu = 0;
	for (size_t i = 0; i < s->ncpus; i++)
		if (s->cpu_events[i] != NULL && perf_events_pending(s->cpu_events[i]))
			perf_events_drain(
			    s->cpu_events[i],
			    &(struct perf_events_sink){sampler_perf_cpu_sample, NULL, s}, d);
	for (size_t i = 0; i < s->nthreads; i++) {
		struct sampled_thread *t = &s->threads[i];

		if (t->perf != NULL && perf_events_pending(t->perf))
			perf_events_drain(
			    t->perf, &(struct perf_events_sink){sampler_perf_on_cpu, NULL, t}, d);
		t->weight = sampler_perf_weight(s, t, elapsed);
		t->ran = t->weight > 0;
		nran += t->ran;
	}
	return nran > 0 ? sampler_python_round(s, p) : 0;
}

/* The end of a round of perf events: what the rings lost counted, and the
 * threads listed again when they may have changed (the kernel's count is
 * not ours, one exited, or a while passed: a birth can hide a death), with
 * those that appeared attached (their first samples come next round). */
static int
sampler_perf_round_end(struct sampler *s, struct profile *p, const struct perf_events_drained *d)
{
	int err;

	p->errors += d->lost + d->bad;
	s->rounds++;
	p->ticks++;
	/* A CPU's event tells of every task's exit on it, not only ours: there
	 * a sample of a thread not listed says that threads came. */
	if (s->kernel_threads == (int64_t)s->nthreads && !s->relist &&
	    (!d->exited || s->cpu_events != NULL) &&
	    clock_monotonic_s() - s->listed_s < SAMPLER_PERF_RELIST_S)
		return 0;
	if ((err = sampler_list(s)) != 0)
		return err;
	s->relist = false;
	s->listed_s = clock_monotonic_s();
	sampler_perf_attach(s, p);
	return 0;
}

/* A round of perf events: the samples the kernel took since the last one,
 * unwound with the target running all along; then threads that appeared
 * are attached (their first samples come with the next round). */
int
sampler_perf_round(struct sampler *s, struct profile *p)
{
	struct sampler_perf_ctx c = {s, p};
	struct perf_events_drained d = {0};
	bool pending = false;
	int err;

	if (s->python_only) {
		err = sampler_perf_python_round(s, p, &d);
		return err != 0 ? err : sampler_perf_round_end(s, p, &d);
	}
	if (s->py != NULL)
		sampler_perf_read_python(s, p);
	for (size_t i = 0; i < s->nthreads && !pending; i++)
		pending = s->threads[i].perf != NULL && perf_events_pending(s->threads[i].perf);
	/* Libraries loaded since the last round: their frames are named. */
	if (pending && (err = sampler_refresh_maps(s)) != 0)
		return err;
	for (size_t i = 0; pending && i < s->nthreads; i++)
		if (s->threads[i].perf != NULL)
			perf_events_drain(s->threads[i].perf,
			                  &(struct perf_events_sink){sampler_perf_sample, NULL, &c},
			                  &d);
	return sampler_perf_round_end(s, p, &d);
}
