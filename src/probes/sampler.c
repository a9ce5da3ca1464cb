#include "sampler.h"

#include "../clock.h"
#include "../xmalloc.h"
#include "perf_events.h"
#include "procfs_parse.h"
#include "ptrace.h"
#include "python_merge.h"
#include "python_namer.h"
#include "python_stack.h"
#include "python_tids.h"
#include "unwind.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Files kept open are cheap to read again, but a process may have more
 * threads than we have fds: beyond the budget, files are opened each time.
 * The reserve is for the target's ELF files, maps and the output. */
#define SAMPLER_FD_RESERVE 256
/* Walks of a thread's Python frames, read running, before it is dropped
 * from the round. */
#define SAMPLER_PYTHON_TRIES 5

/* Each thread's perf ring, in pages: 128 KiB hold 7 samples of a 16 KiB
 * stack, 7 periods of CPU time (70 ms at 100 Hz) that a round may run late
 * on a loaded box before the kernel drops samples. */
#define SAMPLER_PERF_RING_PAGES 32

/* With Python frames alone, a perf sample only says that the thread was on
 * a CPU (registers, no stack: ~230 bytes). Its ring holds the samples of
 * 50 ms, a round that late (at least 2 pages, at most 32): few pages a
 * thread at the usual rates keep a 1,000-thread service's rings within the
 * locked-memory limit. */
#define SAMPLER_PERF_TICK_BYTES  256
#define SAMPLER_PERF_TICK_LATE_S 0.05

/* With Python frames alone, the kernel samples at this rate at most: each
 * sample interrupts the thread, and at 10 kHz that took 15% of a busy
 * thread's speed (1 kHz: under 1%). Past it, the samples tell each thread's
 * CPU time, which the rounds in between spend (sampler_perf_weight). */
#define SAMPLER_PERF_PYTHON_MAX_HZ 1000

static size_t
sampler_perf_tick_ring_pages(unsigned hz)
{
	double want = hz * SAMPLER_PERF_TICK_LATE_S * SAMPLER_PERF_TICK_BYTES / 4096.0;
	size_t pages = 2;

	while (pages < SAMPLER_PERF_RING_PAGES && pages < want)
		pages *= 2;
	return pages;
}

/* Listing the threads again at least this often (seconds) with perf
 * events: a thread born as another ended leaves the kernel's count as it
 * was. */
#define SAMPLER_PERF_RELIST_S 1.0

/* A fed sampler (record -a) reads the process's name and maps again this
 * often (seconds), or sooner when a sample's instruction pointer is in no
 * mapping it knows (a library loaded since): reading every sampled
 * process's maps and stat each round was most of record -a's own time
 * (perf on it: vma_start_read, do_task_stat, show_map_vma). */
#define SAMPLER_FED_REFRESH_S 1.0

/* How often (seconds) a round reads the process's own stat, for its name,
 * its thread count and whether it is alive: at high rates a read each round
 * was a fifth of the cost of a round of Python frames (the kernel sums every
 * thread's times for it). Between reads a thread that ended shows as a
 * failed read of its own, which makes the next round read it. */
#define SAMPLER_PROCESS_EVERY_S 0.02

/* The process's maps (libraries, thread stacks) are read again when its
 * size or its text changes (statm: a cheap read), and at least this often
 * (seconds): a process of 2,000 threads has some 4,000 mappings, and
 * reading them each round was 60% of a 99 Hz record's cost. */
#define SAMPLER_MAPS_EVERY_S 1.0

/* What we remember of a thread between rounds. */
struct sampled_thread {
	int tid;
	int schedstat_fd; /* kept open; -1 when it could not be (then opened each round) */
	int stat_fd;      /* likewise, opened once the thread has run */
	bool known;       /* run_ns holds a reading */
	uint64_t run_ns;  /* CPU time at the last round */
	bool ran;         /* this round: ran since the last one (or is new) */
	bool running;     /* it was on a run queue at the last round */
	int inner;        /* its id in its own PID namespace; 0 until read */
	uint64_t tstate;  /* a Python thread: its PyThreadState, as last matched; or 0 */
	size_t last;      /* its last stack: profile index + 1, or 0 */
	/* ptrace stops, CPU profile: the CPU time not yet counted in a
	 * sample, and whether its system time moved at the last look. */
	uint64_t credit_ns;
	uint64_t stime;
	bool stime_moved;
	struct perf_events *perf; /* perf events: its event, or NULL */
	bool perf_failed;         /* perf events: it could not be attached */
	uint64_t on_cpu;          /* perf events, Python frames alone: the kernel's
	                             samples of it on a CPU since the last round */
	uint64_t weight;          /* and the samples it stands for this round */
};

struct sampler {
	const struct procfs *fs;
	int pid;
	bool idle;                     /* SAMPLER_WALL */
	bool gil;                      /* SAMPLER_GIL */
	int task_dir;                  /* PID/task, kept open */
	int stat_fd;                   /* PID/task/PID/stat, kept open */
	int statm_fd;                  /* PID/statm, kept open */
	uint64_t vm_pages, text_pages; /* statm's size and text when the maps were read */
	double maps_read_s;            /* when the maps were read */
	char comm[COMM_MAX];
	struct sampled_thread *threads; /* sorted by tid */
	size_t nthreads;
	uint64_t rounds;
	int64_t kernel_threads; /* the thread count the kernel gave this round */
	bool relist;            /* a thread was found gone: list them again */
	size_t fds_open, fd_budget;
	struct target *target; /* the process: what follows is borrowed from it */
	struct unwinder *unwinder;
	/* A Python process: its interpreter, memory, this round's frames. */
	const struct python_target *py;
	bool python_only;
	bool own_namespace; /* in a PID namespace of its own: ids need NSpid */
	const struct python_memory *mem;
	struct python_raw raw;
	int raw_err;
	struct python_namer *namer;
	uint64_t period_ns; /* 1 / the rate */
	uint64_t round_ns;  /* perf events, Python frames alone: when the last
	                       round was (CLOCK_MONOTONIC ns) */
	/* perf events: whether they are used, why not, and how. */
	/* Python frames alone: one event per CPU (cpu_events[ncpus], NULL
	 * where a CPU is offline) when the kernel allows it, rather than one a
	 * thread: a per-thread event costs its thread at each context switch,
	 * and a server switching threads thousands of times a second lost a
	 * fifth more of its throughput to them than to Tachyon's reads. */
	struct perf_events **cpu_events;
	size_t ncpus;
	bool perf;
	bool fed;                 /* sampler_new_fed: its samples come from outside */
	double refreshed_s;       /* fed: when the maps were last read */
	uint64_t refreshed_round; /* and in which round */
	int perf_err;
	struct perf_events_config perf_cfg;
	double listed_s;       /* when the threads were last listed */
	double process_read_s; /* when its stat was last read (0: never) */
	/* perf events with Python frames: the previous round's read too, and
	 * when each was taken (CLOCK_MONOTONIC ns), for samples to take the
	 * nearer one. */
	struct python_raw prev_raw;
	int prev_raw_err;
	uint64_t raw_ns, prev_raw_ns;
	/* sampler_count's room for one stack's native frames and key: kept
	 * from sample to sample, as a fresh 200 KiB each time would be a
	 * mapping made and unmapped per sample. */
	struct unwind_frame *native;
	uint64_t *key;
	size_t key_cap;
};

static int
compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void
sampler_close_thread(struct sampler *s, struct sampled_thread *t)
{
	if (t->schedstat_fd >= 0) {
		close(t->schedstat_fd);
		s->fds_open--;
	}
	if (t->stat_fd >= 0) {
		close(t->stat_fd);
		s->fds_open--;
	}
	if (t->perf != NULL)
		s->fds_open--;
	perf_events_free(t->perf);
	t->perf = NULL;
	t->schedstat_fd = t->stat_fd = -1;
}

/* Reads the file name of thread t (schedstat or stat) into buf through the
 * fd cached in *fd: opened on first use while the budget allows, otherwise
 * opened, read and closed. Returns the length or -errno. */
static ssize_t
sampler_read_file(struct sampler *s, int tid, const char *name, int *fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int once;

	snprintf(path, sizeof(path), "%d/%s", tid, name);
	if (*fd < 0 && s->fds_open < s->fd_budget && (*fd = procfs_openat(s->task_dir, path)) >= 0)
		s->fds_open++;
	if (*fd >= 0)
		return procfs_pread(*fd, buf, size);
	if ((once = procfs_openat(s->task_dir, path)) < 0)
		return once;
	n = procfs_pread(once, buf, size);
	close(once);
	return n;
}

void
sampler_free(struct sampler *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nthreads; i++)
		sampler_close_thread(s, &s->threads[i]);
	free(s->threads);
	if (s->task_dir >= 0)
		close(s->task_dir);
	if (s->stat_fd >= 0)
		close(s->stat_fd);
	if (s->statm_fd >= 0)
		close(s->statm_fd);
	target_close(s->target);
	free(s->native);
	free(s->key);
	perf_events_free_cpus(s->cpu_events, s->ncpus);
	python_raw_free(&s->raw);
	python_raw_free(&s->prev_raw);
	free(s);
}

static int sampler_list(struct sampler *s);
static int sampler_read_process(struct sampler *s);
static int sampler_perf_attach(struct sampler *s, struct profile *p);

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

static int
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

/* sampler_new, or with fed a sampler whose perf samples come from outside
 * (sampler_new_fed): no event of its own. */
static int
sampler_make(const struct procfs *fs, int pid, enum sampler_mode what, enum target_frames frames,
             unsigned hz, bool fed, struct sampler **out)
{
	/* Only a Python process has a GIL to follow. */
	enum target_frames mode =
	    what == SAMPLER_GIL && frames == TARGET_AUTO ? TARGET_MIXED : frames;
	struct sampler *s = xcalloc(1, sizeof(*s));
	char path[64];
	int err;

	*out = NULL;
	s->fs = fs;
	s->pid = pid;
	s->idle = what == SAMPLER_WALL;
	s->gil = what == SAMPLER_GIL;
	s->period_ns = 1000000000ULL / (hz ? hz : 1);
	s->fd_budget = procfs_fd_budget(SAMPLER_FD_RESERVE);
	snprintf(path, sizeof(path), "%d/task", pid);
	s->task_dir = procfs_open_dir(fs, path);
	/* The main thread's stat: the process's makes the kernel sum every
	 * thread's times, and says nothing more that a round needs. */
	snprintf(path, sizeof(path), "%d/task/%d/stat", pid, pid);
	s->stat_fd = procfs_open(fs, path);
	snprintf(path, sizeof(path), "%d/statm", pid);
	s->statm_fd = procfs_open(fs, path);  /* without it, the maps are read each round */
	s->maps_read_s = clock_monotonic_s(); /* by unwinder_new */
	err = s->task_dir < 0 ? s->task_dir : s->stat_fd < 0 ? s->stat_fd : 0;
	/* With an unwinder even for Python frames alone: the interpreter is
	 * found through the files it opens. */
	if (err == 0)
		err = target_open(fs, pid, mode, true, &s->target);
	if (err != 0) {
		sampler_free(s);
		return procfs_is_gone(err) ? -ESRCH : err;
	}
	s->unwinder = target_unwinder(s->target);
	s->py = target_python(s->target);
	s->mem = target_memory(s->target);
	if (s->py != NULL) {
		s->python_only = mode == TARGET_PYTHON;
		s->own_namespace = procfs_inner_id(fs, pid, pid) != pid;
		s->namer = target_namer(s->target);
	}
	/* A CPU profile from perf events unless they are refused or
	 * STACKTOP_PERF=0 says not to (the tests of the ptrace path). */
	const char *env = getenv("STACKTOP_PERF");

	if (what == SAMPLER_CPU && !fed) {
		s->perf = env == NULL || strcmp(env, "0") != 0;
		s->perf_err = s->perf ? 0 : -ECANCELED;
	}
	/* Python frames alone: the kernel's samples say which threads were on
	 * a CPU and how often, their stacks are read from the process. */
	if (s->perf) {
		unsigned perf_hz = s->python_only && hz > SAMPLER_PERF_PYTHON_MAX_HZ
		                       ? SAMPLER_PERF_PYTHON_MAX_HZ
		                       : hz;

		s->perf_cfg = (struct perf_events_config){
		    .hz = perf_hz,
		    .kernel = true,
		    .stack_bytes = s->python_only ? 0 : PERF_EVENTS_STACK_BYTES,
		    .ring_pages = s->python_only ? sampler_perf_tick_ring_pages(perf_hz)
		                                 : SAMPLER_PERF_RING_PAGES,
		};
		if ((err = sampler_perf_start(s)) != 0) {
			sampler_free(s);
			return -ESRCH;
		}
	}
	s->fed = fed;
	if (fed && (err = sampler_read_process(s)) != 0) {
		sampler_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int
sampler_new(const struct procfs *fs, int pid, enum sampler_mode what, enum target_frames frames,
            unsigned hz, struct sampler **out)
{
	return sampler_make(fs, pid, what, frames, hz, false, out);
}

int
sampler_new_fed(const struct procfs *fs, int pid, enum target_frames frames, unsigned hz,
                struct sampler **out)
{
	return sampler_make(fs, pid, SAMPLER_CPU, frames, hz, true, out);
}

enum sampler_path
sampler_path(const struct sampler *s, int *why)
{
	*why = s->perf_err;
	if (s->python_only)
		return SAMPLER_LIVE;
	return s->perf ? SAMPLER_PERF : SAMPLER_PTRACE;
}

const struct python_info *
sampler_python(const struct sampler *s)
{
	return target_python_info(s->target);
}

/* Reads the Python frames of every thread (called while they are stopped,
 * or with them running for Python frames alone). */
static void
sampler_read_python(void *arg)
{
	struct sampler *s = arg;

	python_raw_free(&s->raw);
	s->raw_err = python_stack_read(s->py, s->mem, &s->raw);
}

/* The Python frames of thread tid in raw (read with error err), or NULL. */
/* The same with the target running: each thread's walk checked and made
 * again when it tore; a thread still torn is not counted, but it is in the
 * profile's dropped count. */
static void
sampler_read_python_running(struct sampler *s, struct profile *p, struct python_want *want)
{
	struct python_raw previous = s->raw;

	if (want != NULL)
		want->previous = s->raw_err == 0 ? &previous : NULL;
	s->raw = (struct python_raw){0};
	s->raw_err = python_stack_read_running(s->py, s->mem, SAMPLER_PYTHON_TRIES, want, &s->raw);
	python_raw_free(&previous);
	if (s->raw_err == 0)
		p->dropped += s->raw.dropped;
}

static const struct python_raw_thread *
sampler_raw_thread(const struct python_raw *raw, int err, int tid)
{
	for (size_t i = 0; err == 0 && i < raw->nthreads; i++)
		if (raw->threads[i].tid == tid)
			return raw->threads[i].dropped ? NULL : &raw->threads[i];
	return NULL;
}

/* This round's Python frames of thread tid, or NULL. */
static const struct python_raw_thread *
sampler_python_thread(const struct sampler *s, int tid)
{
	return s->py != NULL ? sampler_raw_thread(&s->raw, s->raw_err, tid) : NULL;
}

/* Whether thread tid held the GIL at this round's read. */
static bool
sampler_holds_gil(const struct sampler *s, int tid)
{
	const struct python_raw_thread *py = sampler_python_thread(s, tid);

	return py != NULL && py->holds_gil;
}

const char *
sampler_comm(const struct sampler *s)
{
	return s->comm;
}

size_t
sampler_threads(const struct sampler *s)
{
	return s->nthreads;
}

/* The process is alive and its name is current (an exec renames it). Its
 * state is its main thread's: a main thread that ended (pthread_exit) is a
 * zombie while the other threads go on, so only a zombie with no other
 * thread is a process that is gone. */
static int
sampler_read_process(struct sampler *s)
{
	char buf[1024];
	struct procfs_stat st;
	ssize_t n = procfs_pread(s->stat_fd, buf, sizeof(buf));

	if (n < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	if (procfs_parse_stat(buf, (size_t)n, &st) != 0 || procfs_stat_gone(&st))
		return -ESRCH;
	memcpy(s->comm, st.comm, sizeof(s->comm));
	s->kernel_threads = st.num_threads;
	return 0;
}

static struct sampled_thread *
sampler_find(struct sampled_thread *threads, size_t n, int tid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (threads[mid].tid == tid)
			return &threads[mid];
		if (threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Reads a thread's CPU time and decides whether to sample it. It ran since
 * the last round when its CPU time moved; a thread seen for the first time
 * counts as having run, except in the first round of a CPU profile, which
 * only sets the baseline. A CPU profile then takes only the threads that are
 * on a run queue now (state R), as an on-CPU sampler would find them: a
 * thread that ran a little and went back to sleep would otherwise show where
 * it sleeps. A wall-clock profile takes every thread whose stack may have
 * changed: one that ran, or is still running; the others are counted with
 * the stack they slept in. */
static void
sampler_read_thread(struct sampler *s, struct sampled_thread *t)
{
	char buf[1024];
	struct procfs_schedstat ss;
	struct procfs_stat st;
	ssize_t n = sampler_read_file(s, t->tid, "schedstat", &t->schedstat_fd, buf, sizeof(buf));

	t->ran = false;
	if (n < 0 || procfs_parse_schedstat(buf, (size_t)n, &ss) != 0) {
		s->relist = true; /* gone since the listing */
		return;
	}
	if (!t->known)
		t->ran = s->rounds > 0 || s->idle;
	else
		t->ran = ss.run_ns != t->run_ns;
	if (t->known && ss.run_ns > t->run_ns)
		t->credit_ns += ss.run_ns - t->run_ns;
	t->known = true;
	t->run_ns = ss.run_ns;
	/* The kernel adds to a running thread's CPU time at scheduler ticks
	 * (every 4 ms at HZ=250), so at high rates one that runs on may show no
	 * change: a thread running at the last round is looked at again. */
	if (!t->ran && !t->running)
		return;
	n = sampler_read_file(s, t->tid, "stat", &t->stat_fd, buf, sizeof(buf));
	t->running = n >= 0 && procfs_parse_stat(buf, (size_t)n, &st) == 0 && st.state == 'R';
	t->ran = s->idle ? t->ran || t->running : t->running;
	if (t->running) {
		t->stime_moved = st.stime != t->stime;
		t->stime = st.stime;
	}
}

/* How many samples a stopped thread stands for in a CPU profile: its CPU
 * time since it was last counted, in periods (the remainder carried). A
 * thread found at a syscall (orig_rax is the syscall's number) whose
 * system time did not move is not on a CPU: it woke from a blocking call
 * and waits for one, its registers still where it slept; it is not
 * counted, and its CPU time waits for a stop that finds it at work. (A
 * thread preempted in its own code waits for a CPU too, but there it is
 * where its CPU time went.) Other modes count each stop once. Returns
 * false when the thread is not to be counted. */
static uint64_t
sampler_take_credit(struct sampler *s, struct sampled_thread *t)
{
	uint64_t periods = t->credit_ns / s->period_ns;

	t->credit_ns -= periods * s->period_ns;
	return periods;
}

static bool
sampler_weigh(struct sampler *s, struct sampled_thread *t, const struct thread_snapshot *snap,
              uint64_t *weight)
{
	*weight = 1;
	if (s->idle || s->gil)
		return true;
	if (snap->regs.orig_rax != (unsigned long long)-1 && !t->stime_moved)
		return false;
	*weight = sampler_take_credit(s, t);
	return *weight > 0;
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

/* Reads the maps again if they may have changed since they were last read:
 * a library loaded or unloaded, an exec, a thread's stack, grown memory
 * (the process's size or text moved, in statm), or SAMPLER_MAPS_EVERY_S. */
static int
sampler_refresh_maps(struct sampler *s)
{
	char buf[256];
	unsigned long long vm = 0, text = 0;
	ssize_t n = s->statm_fd >= 0 ? procfs_pread(s->statm_fd, buf, sizeof(buf) - 1) : -1;
	double now = clock_monotonic_s();
	bool read = n > 0, changed;
	int err;

	if (read) {
		buf[n] = '\0';
		read = sscanf(buf, "%llu %*u %*u %llu", &vm, &text) == 2;
	}
	if (read && vm == s->vm_pages && text == s->text_pages &&
	    now - s->maps_read_s < SAMPLER_MAPS_EVERY_S)
		return 0;
	s->vm_pages = vm;
	s->text_pages = text;
	s->maps_read_s = now;
	err = unwinder_refresh(s->unwinder, &changed);
	return err != 0 && procfs_is_gone(err) ? -ESRCH : err;
}

/* Lists the threads again, keeping what we knew of those still there. */
static int
sampler_list(struct sampler *s)
{
	struct sampled_thread *threads;
	int *tids;
	ssize_t n = procfs_list_ids_fd(s->task_dir, &tids);

	if (n <= 0) {
		free(tids);
		return n == 0 || procfs_is_gone((int)n) ? -ESRCH : (int)n;
	}
	qsort(tids, (size_t)n, sizeof(*tids), compare_ints);
	threads = xcalloc((size_t)n, sizeof(*threads));
	for (ssize_t i = 0; i < n; i++) {
		struct sampled_thread *old = sampler_find(s->threads, s->nthreads, tids[i]);

		if (old != NULL) {
			threads[i] = *old;
			old->schedstat_fd = old->stat_fd = -1; /* moved */
			old->perf = NULL;
		} else {
			threads[i] = (struct sampled_thread){
			    .tid = tids[i], .schedstat_fd = -1, .stat_fd = -1};
		}
	}
	for (size_t i = 0; i < s->nthreads; i++)
		sampler_close_thread(s, &s->threads[i]); /* those that ended */
	free(s->threads);
	free(tids);
	s->threads = threads;
	s->nthreads = (size_t)n;
	return 0;
}

/* Thread tid of process pid's name now (threads name themselves after they
 * start); "" when it is gone. */
static void
sampler_thread_name(const struct procfs *fs, int pid, int tid, char *name, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/comm", pid, tid);
	n = procfs_read(fs, path, name, size);
	if (n <= 0) {
		name[0] = '\0';
		return;
	}
	name[(size_t)n < size ? (size_t)n : size - 1] = '\0';
	if (name[strlen(name) - 1] == '\n')
		name[strlen(name) - 1] = '\0';
}

/* The frame a profile shows at the root side of a stack whose native walk
 * was cut: a partial stack is never a root of its own in a flame graph. */
static void
sampler_cut_frame(const char *cut, struct frame_row *out)
{
	char label[96];

	snprintf(label, sizeof(label), "[cut: %s]", cut);
	*out = (struct frame_row){.function = xstrdup(label)};
}

/* The key of a sample taken in the kernel ends with this: no user address
 * is that high. The kernel's own frames are not ours to read. */
#define SAMPLER_KERNEL_KEY UINT64_MAX

/* The frames of a new profile entry: native (n of them, or none when snap
 * is NULL) and Python (py, or none), merged when both are there; when they
 * do not line up, side by side (python_side_by_side); for a sample taken in
 * the kernel a "[kernel]" frame innermost; when the native walk was cut, a
 * [cut: reason] frame outermost. */
static struct frame_row *
sampler_frames(struct unwinder *u, struct python_namer *namer,
               const struct unwind_frame *native_frames, size_t n, const char *cut,
               const struct python_raw_thread *py, bool kernel, size_t *nframes)
{
	struct frame_row *native = xcalloc(n + 1, sizeof(*native)), *pyf, *both;

	for (size_t i = 0; i < n; i++)
		unwinder_symbolize(u, &native_frames[i], &native[i]);
	*nframes = n;
	both = native;
	if (py != NULL) {
		pyf = python_namer_thread(namer, py);
		if (n == 0) {
			both = pyf;
			*nframes = py->nframes;
		} else {
			if (!python_merge(native, n, pyf, py->frames, py->nframes, &both, nframes))
				both = python_side_by_side(native, n, pyf, py->nframes, nframes);
			frame_rows_free(pyf, py->nframes);
		}
		frame_rows_free(native, n);
	}
	if (kernel) {
		struct frame_row *with = xcalloc(*nframes + 2, sizeof(*with));

		with[0].function = xstrdup("[kernel]");
		memcpy(with + 1, both, *nframes * sizeof(*both));
		free(both); /* its strings now belong to with */
		both = with;
		(*nframes)++;
	}
	if (cut[0] != '\0') {
		both = xreallocarray(both, *nframes + 1, sizeof(*both));
		sampler_cut_frame(cut, &both[(*nframes)++]);
	}
	return both;
}

/* The key of a stack: (in a system-wide profile, its process id first)
 * the native instruction pointers, then (after a 0, which no ip is) each
 * Python frame's code object, offset and stamp (a code object made where a
 * freed one was is another), then SAMPLER_KERNEL_KEY for a sample taken in
 * the kernel, then how the native walk ended (its kind and address: the
 * same frames cut elsewhere are another stack). The room for one stack's
 * native frames and key is *native and *key (*key_cap long), grown as
 * needed and kept by the caller: a fresh 200 KiB each sample would be a
 * mapping made and unmapped per sample. */
static size_t
sampler_count_in(const struct procfs *fs, struct unwinder *u, struct python_namer *namer,
                 struct profile *p, const struct sampler_hit *h, struct unwind_frame **native,
                 uint64_t **key, size_t *key_cap)
{
	size_t nkey = 0, n = 0, pyn = h->py != NULL ? h->py->nframes : 0, nframes;
	size_t key_len = STACKS_MAX_FRAMES + 5 + 3 * pyn;
	struct unwind_end end = {.kind = UNWIND_END_ROOT};
	struct profile_stack *entry;
	char cut[64];

	if (*native == NULL)
		*native = xreallocarray(NULL, STACKS_MAX_FRAMES, sizeof(**native));
	if (*key_cap < key_len) {
		*key = xreallocarray(*key, key_len, sizeof(**key));
		*key_cap = key_len;
	}
	if (p->pid == 0)
		(*key)[nkey++] = (uint64_t)(unsigned)h->pid;
	if (h->snap != NULL) {
		n = unwinder_unwind(u, h->snap, *native, STACKS_MAX_FRAMES, &end);
		for (size_t i = 0; i < n; i++)
			(*key)[nkey++] = (*native)[i].ip;
	}
	if (h->py != NULL) {
		(*key)[nkey++] = 0;
		for (size_t i = 0; i < pyn; i++) {
			(*key)[nkey++] = h->py->frames[i].code;
			(*key)[nkey++] = (uint64_t)h->py->frames[i].offset;
			(*key)[nkey++] = h->py->frames[i].stamp;
		}
	}
	if (h->kernel)
		(*key)[nkey++] = SAMPLER_KERNEL_KEY;
	(*key)[nkey++] = end.kind;
	(*key)[nkey++] = end.at;
	unwind_end_text(&end, cut, sizeof(cut));
	if ((entry = profile_find(p, h->tid, *key, nkey)) == NULL) {
		struct frame_row *frames =
		    sampler_frames(u, namer, *native, n, cut, h->py, h->kernel, &nframes);
		char name[COMM_MAX];

		sampler_thread_name(fs, h->pid, h->tid, name, sizeof(name));
		entry = profile_add(p, h->tid, name, *key, nkey, frames, nframes);
		if (p->pid == 0) {
			entry->pid = h->pid;
			snprintf(entry->process, sizeof(entry->process), "%s",
			         h->process != NULL ? h->process : "");
		}
	}
	entry->count += h->weight;
	p->samples += h->weight;
	return (size_t)(entry - p->stacks) + 1;
}

size_t
sampler_count_hit(const struct procfs *fs, struct unwinder *u, struct python_namer *namer,
                  struct profile *p, const struct sampler_hit *h)
{
	struct unwind_frame *native = NULL;
	uint64_t *key = NULL;
	size_t key_cap = 0;
	size_t at = sampler_count_in(fs, u, namer, p, h, &native, &key, &key_cap);

	free(native);
	free(key);
	return at;
}

/* Counts a stack of s's process, in its kept room (sampler_count_in). */
static size_t
sampler_count(struct sampler *s, struct profile *p, struct sampler_hit *h)
{
	h->pid = s->pid;
	h->process = p->pid == 0 ? s->comm : NULL;
	return sampler_count_in(s->fs, s->unwinder, s->namer, p, h, &s->native, &s->key,
	                        &s->key_cap);
}

/* Our own stop makes a thread run: the interrupt wakes it, and after the
 * detach it runs again to go back to what it waited for. Read the CPU time of
 * the threads we stopped once more, now that unwinding gave them time to
 * settle, so that the next round does not take that for work of their own
 * (and stop every sleeping thread again, round after round). */
static void
sampler_rebase(struct sampler *s)
{
	char buf[128];
	struct procfs_schedstat ss;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct sampled_thread *t = &s->threads[i];
		ssize_t n;

		if (!t->ran)
			continue;
		n = sampler_read_file(s, t->tid, "schedstat", &t->schedstat_fd, buf, sizeof(buf));
		if (n >= 0 && procfs_parse_schedstat(buf, (size_t)n, &ss) == 0)
			t->run_ns = ss.run_ns;
	}
}

/* Matches this round's thread states to threads (all of them: before 3.11
 * the match is found by trying offsets against every thread). */
static void
sampler_map_python(struct sampler *s)
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
struct sampler_want {
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
sampler_wants(void *arg, const struct python_raw_thread *th)
{
	const struct sampler_want *w = arg;

	if (w->gil)
		return th->holds_gil;
	return bsearch(&th->tstate, w->ran, w->nran, sizeof(*w->ran), compare_u64) != NULL ||
	       bsearch(&th->tstate, w->idle, w->nidle, sizeof(*w->idle), compare_u64) == NULL;
}

/* A round of Python frames alone: read with the threads running, never
 * stopped. Threads with no Python frames are not counted. */
static int
sampler_python_round(struct sampler *s, struct profile *p)
{
	struct sampler_want w = {.gil = s->gil};
	struct python_want want = {.thread = sampler_wants, .arg = &w, .gil = s->gil};

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
	sampler_read_python_running(s, p, &want);
	free(w.ran);
	free(w.idle);
	sampler_map_python(s);
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

	python_raw_free(&s->prev_raw);
	s->prev_raw = s->raw;
	s->prev_raw_err = s->rounds > 0 ? s->raw_err : -ENODATA;
	s->prev_raw_ns = s->raw_ns;
	s->raw = (struct python_raw){0};
	sampler_read_python_running(s, p, NULL);
	s->raw_ns = (uint64_t)((before + clock_monotonic_s()) / 2 * 1e9);
	sampler_map_python(s);
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
	const struct python_raw_thread *now = sampler_raw_thread(&s->raw, s->raw_err, tid);
	const struct python_raw_thread *prev =
	    sampler_raw_thread(&s->prev_raw, s->prev_raw_err, tid);

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
sampler_fed_refresh(struct sampler *s)
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
sampler_mapped(const struct sampler *s, uint64_t ip)
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
sampler_feed(struct sampler *s, struct profile *p, const struct perf_events_sample *ps)
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
	if (s->fed && s->refreshed_round != s->rounds && !sampler_mapped(s, ps->regs.rip))
		(void)sampler_fed_refresh(s); /* gone: the samples are named as they can be */
	sampler_perf_snapshot(ps, &snap);
	last = sampler_count(s, p, &h);
	if (t != NULL)
		t->last = last;
}

/* One perf sample of the ring: sampler_feed. */
static void
sampler_perf_sample(void *arg, const struct perf_events_sample *ps)
{
	struct sampler_perf_ctx *c = arg;

	sampler_feed(c->s, c->p, ps);
}

int
sampler_fed_round(struct sampler *s, struct profile *p, bool python)
{
	int err;

	if (clock_monotonic_s() - s->refreshed_s >= SAMPLER_FED_REFRESH_S &&
	    (err = sampler_fed_refresh(s)) != 0)
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
sampler_reads_python(const struct sampler *s)
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
static int
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

/* Stops threads tids[0..n) (of those that ran this round), all together
 * or each on its own (alone: struct snapshot_request's each_alone), then,
 * with the target running again, counts each one's stack; adds the time
 * they were held to *stopped_ms. Returns 0 or ptrace_snapshot's error. */
static int
sampler_stop_count(struct sampler *s, struct profile *p, const int *tids, size_t n, bool alone,
                   double *stopped_ms)
{
	struct snapshot_request req = {
	    .stack_bytes = STACKS_COPY_BYTES,
	    .other_stack_bytes = STACKS_COPY_OTHER_BYTES,
	    .stack_extent = unwinder_stack_extent,
	    .extent_arg = s->unwinder,
	    .while_stopped = s->py != NULL ? sampler_read_python : NULL,
	    .while_stopped_arg = s,
	    .each_alone = alone,
	};
	struct snapshot snap;
	int err = ptrace_snapshot(tids, n, &req, &snap);

	if (err == 0 && s->py != NULL)
		sampler_map_python(s);
	*stopped_ms += snap.stopped_ms;
	/* The target runs again: now the maps, unwinding and names. */
	if (err == 0)
		err = sampler_refresh_maps(s);
	for (size_t k = 0; err == 0 && k < n; k++) {
		struct sampled_thread *t = sampler_find(s->threads, s->nthreads, tids[k]);
		struct sampler_hit h = {.tid = tids[k],
		                        .snap = &snap.threads[k],
		                        .py = sampler_python_thread(s, tids[k]),
		                        .weight = 1};

		if (s->gil && !sampler_holds_gil(s, tids[k]))
			; /* stopped with the others, but another thread holds it */
		else if (snap.threads[k].err == 0 &&
		         sampler_weigh(s, t, &snap.threads[k], &h.weight))
			t->last = sampler_count(s, p, &h);
		else if (snap.threads[k].err != 0 && snap.threads[k].err != -ESRCH)
			p->errors++; /* a thread that ended meanwhile is no error */
	}
	ptrace_snapshot_free(&snap);
	return err;
}

int
sampler_round(struct sampler *s, struct profile *p)
{
	double stopped_ms = 0;
	int *tids;
	size_t nran = 0;
	int err;

	/* A thread killed while we held it is our zombie until we wait for it:
	 * until then the kernel counts it among the process's threads, and a
	 * process killed whole would look alive for as long as we record,
	 * rounds with no thread that ran taking no snapshot to reap it. */
	ptrace_release_pending();
	if (s->relist || s->process_read_s == 0 ||
	    clock_monotonic_s() - s->process_read_s >= SAMPLER_PROCESS_EVERY_S) {
		if ((err = sampler_read_process(s)) != 0)
			return err;
		s->process_read_s = clock_monotonic_s();
	}
	if (s->perf)
		return sampler_perf_round(s, p);
	/* Listing the threads costs about a microsecond each; skip it when they
	 * cannot have changed: the kernel counts as many as we know and none of
	 * ours was found gone (a birth raises the count unless a death hides
	 * it, and a death shows as a failed read). */
	if (s->threads == NULL || s->relist || s->kernel_threads != (int64_t)s->nthreads) {
		if ((err = sampler_list(s)) != 0)
			return err;
		s->relist = false;
	}
	for (size_t i = 0; i < s->nthreads; i++) {
		sampler_read_thread(s, &s->threads[i]);
		nran += s->threads[i].ran;
	}
	s->rounds++;
	p->ticks++;
	tids = xcalloc(nran ? nran : 1, sizeof(*tids));
	nran = 0;
	for (size_t i = 0; i < s->nthreads; i++) {
		if (s->threads[i].ran)
			tids[nran++] = s->threads[i].tid;
		else if (s->idle && s->threads[i].last > 0) {
			p->stacks[s->threads[i].last - 1].count++;
			p->samples++;
		}
	}
	/* Python frames alone are read without a stop: in GIL mode whether or
	 * not any thread's CPU time moved (the holder may block in C). */
	if (nran == 0 && !(s->python_only && s->gil)) {
		free(tids);
		return 0;
	}
	if (s->python_only) {
		free(tids);
		return sampler_python_round(s, p);
	}
	/* A CPU profile needs no instant common to its threads: each is let
	 * go as soon as its copy is made (each_alone), so that one waiting for a CPU to enter its
	 * stop (a saturated box) holds none of the others (measured with 4 hogs per CPU: the
	 * stallprobe's probe thread held 36 ms, when all the threads that ran were stopped
	 * together, against 2.4 quiet). Python frames are read with every thread stopped (the walk
	 * needs them still), and a wall-clock or GIL profile shows one instant. */
	err =
	    sampler_stop_count(s, p, tids, nran, !s->idle && !s->gil && s->py == NULL, &stopped_ms);
	p->stopped_ms_sum += stopped_ms;
	if (stopped_ms > p->stopped_ms_max)
		p->stopped_ms_max = stopped_ms;
	p->stops++;
	sampler_rebase(s);
	free(tids);
	return err;
}
