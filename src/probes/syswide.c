#include "syswide.h"

#include "../clock.h"
#include "../xmalloc.h"
#include "perf_events.h"
#include "procfs_parse.h"
#include "sampler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How often (seconds) the kept processes are checked for an exit or a
 * reused PID. */
#define SYSWIDE_CHECK_S 1.0
/* Each CPU's ring holds this many seconds of samples (a round late by that
 * much loses none); at least 16 and at most 1,024 pages. Measured with a
 * quarter second: record -a lost 114 of ~1,000 samples in 5 s on a busy
 * 2-CPU box (the first round opens every sampled process's files, and
 * stacktop too waits for a CPU there). */
#define SYSWIDE_RING_S 1.0

/* A process that gave samples: a sampler of it (its unwinder and, in a
 * Python process, its interpreter), fed its samples, kept between rounds. */
struct syswide_process {
	int pid;
	uint64_t starttime; /* with the pid, its identity */
	char comm[COMM_MAX];
	struct sampler *s;   /* NULL until a sample with user registers */
	int err;             /* sampler_new_fed's or a round's error: its samples
	                        are not counted */
	uint64_t used;       /* the round it was last sampled in */
	double python_due_s; /* when its Python frames may be read again */
	uint64_t refreshed;  /* the round its maps (and Python frames) were last
	                        read in */
};

/* The names the events' comm records gave (an exec names the new program,
 * pid == tid; a rename names a thread), the most recent SYSWIDE_NAMES: a
 * process that ended before its maps could be read (a compiler's run
 * between two rounds) is still counted under its name. */
#define SYSWIDE_NAMES 256
/* A Python process's frames take at most 1 / this of a CPU to read: a
 * many-threaded interpreter (a test's, in a container) made stacktop 17%
 * of the samples when read every round. */
#define SYSWIDE_PYTHON_SPACING 20
/* Its samples, gathered in a round and counted at its end, once every
 * ring's comm records are in. */
#define SYSWIDE_GONE_MAX 4096

struct syswide_name {
	int pid, tid;
	char comm[COMM_MAX];
};

struct syswide_gone {
	int pid, tid;
};

struct syswide {
	const struct procfs *fs;
	struct perf_events **cpus; /* NULL for a CPU that is offline */
	size_t ncpus;
	struct syswide_process *procs;
	size_t nprocs;
	uint64_t round;
	double checked_s;
	int self;
	unsigned hz;
	enum target_frames frames;
	struct syswide_counts counts;
	struct syswide_name names[SYSWIDE_NAMES];
	size_t next_name;
	struct syswide_gone gone[SYSWIDE_GONE_MAX];
	size_t ngone;
};

static void
syswide_drop(struct syswide *w, size_t i)
{
	sampler_free(w->procs[i].s);
	w->procs[i] = w->procs[--w->nprocs];
}

void
syswide_free(struct syswide *w)
{
	if (w == NULL)
		return;
	perf_events_free_cpus(w->cpus, w->ncpus);
	while (w->nprocs > 0)
		syswide_drop(w, w->nprocs - 1);
	free(w->procs);
	free(w);
}

/* The ring of each CPU, in pages: SYSWIDE_RING_S of samples at hz, a
 * power of two. */
static size_t
syswide_ring_pages(unsigned hz)
{
	long page = sysconf(_SC_PAGESIZE);
	double bytes = (double)hz * SYSWIDE_RING_S * (PERF_EVENTS_STACK_BYTES + 512);
	size_t pages = 16;

	while (pages < 1024 && (double)pages * (double)page < bytes)
		pages *= 2;
	return pages;
}

int
syswide_new(const struct procfs *fs, unsigned hz, enum target_frames frames, struct syswide **out)
{
	struct perf_events_config cfg = {
	    .hz = hz,
	    .kernel = true,
	    .stack_bytes = PERF_EVENTS_STACK_BYTES,
	    .ring_pages = syswide_ring_pages(hz),
	    .comm = true,
	};
	struct syswide *w = xcalloc(1, sizeof(*w));
	int first;

	*out = NULL;
	w->fs = fs;
	w->self = getpid();
	w->hz = hz;
	w->frames = frames;
	w->procs = xcalloc(SYSWIDE_MAX_PROCESSES, sizeof(*w->procs));
	w->counts.cpus = perf_events_open_cpus(&cfg, &w->cpus, &w->ncpus, &first);
	if (w->counts.cpus == 0 || first == -EACCES || first == -EPERM) {
		syswide_free(w);
		return first != 0 ? first : -ENODEV;
	}
	*out = w;
	return 0;
}

const struct syswide_counts *
syswide_counts(const struct syswide *w)
{
	return &w->counts;
}

/* Reads pid's name and start time. Returns 0 or -errno (-ESRCH: gone). */
static int
syswide_read_stat(const struct syswide *w, int pid, struct procfs_stat *st)
{
	/* The main thread's: the process's makes the kernel walk every
	 * thread (do_task_stat), which perf showed among -a's top costs. */
	return procfs_read_task_stat(w->fs, pid, pid, st);
}

/* Drops the kept processes that exited or whose PID now names another
 * process (a vanished process is the normal case here, not an error). */
static void
syswide_check(struct syswide *w)
{
	struct procfs_stat st;

	for (size_t i = w->nprocs; i > 0; i--) {
		struct syswide_process *pr = &w->procs[i - 1];

		/* A zombie main thread may lead live threads (pthread_exit): only
		 * a process that is gone or whose PID is reused is dropped. */
		if (syswide_read_stat(w, pr->pid, &st) != 0 || st.starttime != pr->starttime ||
		    st.state == 'X')
			syswide_drop(w, i - 1);
	}
}

/* The kept process pid, made when it is new (the least recently sampled one
 * dropped when the cache is full). NULL when it ended before we read it. */
static struct syswide_process *
syswide_process(struct syswide *w, int pid)
{
	struct syswide_process *pr;
	struct procfs_stat st;
	size_t oldest = 0;

	for (size_t i = 0; i < w->nprocs; i++)
		if (w->procs[i].pid == pid)
			return &w->procs[i];
	if (syswide_read_stat(w, pid, &st) != 0)
		return NULL;
	if (w->nprocs == SYSWIDE_MAX_PROCESSES) {
		for (size_t i = 1; i < w->nprocs; i++)
			if (w->procs[i].used < w->procs[oldest].used)
				oldest = i;
		syswide_drop(w, oldest);
		w->counts.evicted++;
	}
	pr = &w->procs[w->nprocs++];
	*pr = (struct syswide_process){.pid = pid, .starttime = st.starttime};
	memcpy(pr->comm, st.comm, sizeof(pr->comm));
	w->counts.processes++;
	return pr;
}

/* The process's sampler, made on its first sample with user registers, its
 * round taken once a round: its maps when due, and its Python frames when
 * due (reading them costs with its threads and their depth: a Python
 * process is read again after SYSWIDE_PYTHON_SPACING times its last read's
 * time at the earliest). NULL when it cannot be read. */
static struct sampler *
syswide_sampler(struct syswide *w, struct syswide_process *pr, struct profile *p)
{
	if (pr->err != 0)
		return NULL;
	if (pr->s == NULL) {
		pr->err = sampler_new_fed(w->fs, pr->pid, w->frames, w->hz, &pr->s);
		if (pr->err != 0)
			return NULL;
		w->counts.python += sampler_perf_reads_python(pr->s);
	}
	if (pr->refreshed != w->round || pr->refreshed == 0) {
		double start = clock_monotonic_s();
		bool python = sampler_perf_reads_python(pr->s) && start >= pr->python_due_s;

		pr->refreshed = w->round;
		if ((pr->err = sampler_perf_fed_round(pr->s, p, python)) != 0) {
			sampler_free(pr->s);
			pr->s = NULL;
			return NULL;
		}
		if (python)
			pr->python_due_s =
			    start + SYSWIDE_PYTHON_SPACING * (clock_monotonic_s() - start);
	}
	return pr->s;
}

struct syswide_ctx {
	struct syswide *w;
	struct profile *p;
};

/* A name from a comm record. */
static void
syswide_comm(void *arg, int pid, int tid, const char *comm, bool exec)
{
	struct syswide_ctx *c = arg;
	struct syswide_name *n = &c->w->names[c->w->next_name++ % SYSWIDE_NAMES];

	(void)exec; /* an exec's is the process's name too (pid == tid) */
	*n = (struct syswide_name){.pid = pid, .tid = tid};
	snprintf(n->comm, sizeof(n->comm), "%s", comm);
}

/* The latest name comm records gave thread tid, or "?". */
static const char *
syswide_name(const struct syswide *w, int tid)
{
	for (size_t i = 0; i < SYSWIDE_NAMES && i < w->next_name; i++) {
		const struct syswide_name *n = &w->names[(w->next_name - 1 - i) % SYSWIDE_NAMES];

		if (n->tid == tid)
			return n->comm;
	}
	return "?";
}

/* A sample of a process that ended before its maps could be read: kept
 * for the end of the round. */
static void
syswide_gone(struct syswide *w, const struct perf_events_sample *ps)
{
	w->counts.gone++;
	if (w->ngone < SYSWIDE_GONE_MAX)
		w->gone[w->ngone++] = (struct syswide_gone){ps->pid, ps->tid};
}

/* Counts the round's samples of processes that ended before they were read
 * under their names, each as one "[ended before it was read]" frame. */
static void
syswide_count_gone(struct syswide *w, struct profile *p)
{
	for (size_t i = 0; i < w->ngone; i++) {
		const struct syswide_gone *g = &w->gone[i];
		/* The pid (a system-wide profile's first key), then a mark no
		 * address is. */
		uint64_t key[2] = {(uint64_t)(unsigned)g->pid, UINT64_MAX - 1};
		struct profile_stack *e = profile_find(p, g->tid, key, 2);

		if (e == NULL) {
			struct frame_row *f = xcalloc(1, sizeof(*f));

			f->function = xstrdup("[ended before it was read]");
			e = profile_add(p, g->tid, syswide_name(w, g->tid), key, 2, f, 1);
			e->pid = g->pid;
			snprintf(e->process, sizeof(e->process), "%s", syswide_name(w, g->pid));
		}
		profile_count(p, e, 1);
	}
	w->ngone = 0;
}

/* One sample of any process: fed to its process's sampler. */
static void
syswide_sample(void *arg, const struct perf_events_sample *sample)
{
	struct syswide_ctx *c = arg;
	struct syswide *w = c->w;
	struct perf_events_sample fixed = *sample, *ps = &fixed;
	struct syswide_process *pr;
	struct sampler *s;

	/* pid 0 is a CPU's idle task, excluded from the events: only a
	 * kernel that ignores exclude_idle gives one. */
	if (ps->pid <= 0)
		return;
	/* A thread that is exiting has no id left to give (the kernel writes
	 * -1: perf_event_tid of a task already unhashed): its process's. */
	if (ps->tid <= 0)
		fixed.tid = ps->pid;
	if ((pr = syswide_process(w, ps->pid)) == NULL) {
		syswide_gone(w, ps);
		return;
	}
	pr->used = w->round;
	w->counts.own += ps->pid == w->self;
	/* No user registers: a kernel thread (or a task's last work in the
	 * kernel as it exits); its stack is the kernel's. */
	if (!ps->has_regs) {
		struct sampler_hit h = {.pid = ps->pid,
		                        .tid = ps->tid,
		                        .kernel = true,
		                        .weight = 1,
		                        .process = pr->comm};

		w->counts.kernel_threads++;
		sampler_count_hit(w->fs, NULL, NULL, c->p, &h);
		return;
	}
	if ((s = syswide_sampler(w, pr, c->p)) == NULL) {
		syswide_gone(w, ps);
		return;
	}
	sampler_perf_feed(s, c->p, ps);
}

int
syswide_round(struct syswide *w, struct profile *p)
{
	struct syswide_ctx c = {w, p};
	struct perf_events_drained d = {0};
	double now = clock_monotonic_s();

	w->round++;
	/* A Python process's frames are read before its samples are drained:
	 * a sample then takes the read nearer to it, this round's or the
	 * last (at most half a round away). Only processes sampled in the last
	 * round are read (a busy box has many idle Python processes: reading
	 * every one each round made record -a's own share 14.5% with ten of
	 * them); one sampled after a pause gets its first read when its sample
	 * comes, after it. */
	for (size_t i = 0; i < w->nprocs; i++) {
		struct syswide_process *pr = &w->procs[i];

		if (pr->s != NULL && sampler_perf_reads_python(pr->s) && pr->used + 1 == w->round)
			syswide_sampler(w, pr, p);
	}
	for (size_t i = 0; i < w->ncpus; i++)
		if (w->cpus[i] != NULL && perf_events_pending(w->cpus[i]))
			perf_events_drain(
			    w->cpus[i],
			    &(struct perf_events_sink){syswide_sample, syswide_comm, &c}, &d);
	syswide_count_gone(w, p);
	w->counts.lost += d.lost;
	w->counts.bad += d.bad;
	p->ticks++;
	if (now - w->checked_s >= SYSWIDE_CHECK_S) {
		syswide_check(w);
		w->checked_s = now;
	}
	return 0;
}
