/* The sampler's insides, shared by its files: sampler.c (the handle, its
 * threads, the ptrace rounds and the round's dispatch), sampler_perf.c
 * (perf events: native CPU profiles, Python frames alone on a CPU, and the
 * fed samplers of record -a), sampler_python.c (Python frames: read while
 * stopped or running, matched to threads, the GIL) and sampler_count.c
 * (a stack into the profile). Not for other files: they use sampler.h. */
#ifndef STACKTOP_SAMPLER_IMPL_H
#define STACKTOP_SAMPLER_IMPL_H

#include "perf_events.h"
#include "python_namer.h"
#include "python_stack.h"
#include "python_tids.h"
#include "sampler.h"
#include "target.h"
#include "unwind.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A Python process's thread names (threading's) are read, all at once,
 * when a thread without one is first counted, at most this often
 * (seconds): a thread counted before it was in threading._active gets its
 * name at the next; and read again at a new stack after SAMPLER_NAMES_OLD_S
 * (a thread renamed). Never per sample. */
#define SAMPLER_NAMES_EVERY_S 1.0
#define SAMPLER_NAMES_OLD_S   10.0

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
	/* A Python process: its threads' threading names (target_thread_names)
	 * and when they were read (0: never). */
	struct tid_name *names;
	size_t nnames;
	double names_read_s;
	/* record --async (sampler_async.c): the census of tasks (NULL: not
	 * asked), when it was taken, how long until another may be, whether
	 * samples asked for one, the threads that ran a loop then. */
	struct task_census *census;
	double census_s, census_every_s;
	bool census_wanted;
	int *census_loop_tids;
	size_t census_nloop_tids;
	struct sampler_async_stats async;
};

/* sampler.c */
void sampler_close_thread(struct sampler *s, struct sampled_thread *t);
struct sampled_thread *sampler_find(struct sampled_thread *threads, size_t n, int tid);
/* Lists the threads again, keeping what we knew of those still there. */
int sampler_list(struct sampler *s);
/* The process is alive and its name is current (an exec renames it). Its
 * state is its main thread's: a main thread that ended (pthread_exit) is a
 * zombie while the other threads go on, so only a zombie with no other
 * thread is a process that is gone. */
int sampler_read_process(struct sampler *s);
/* Reads the maps again if they may have changed since they were last read:
 * a library loaded or unloaded, an exec, a thread's stack, grown memory
 * (the process's size or text moved, in statm), or SAMPLER_MAPS_EVERY_S. */
int sampler_refresh_maps(struct sampler *s);
/* How many samples a stopped thread stands for in a CPU profile: its CPU
 * time since it was last counted, in periods (the remainder carried). A
 * thread found at a syscall (orig_rax is the syscall's number) whose
 * system time did not move is not on a CPU: it woke from a blocking call
 * and waits for one, its registers still where it slept; it is not
 * counted, and its CPU time waits for a stop that finds it at work. (A
 * thread preempted in its own code waits for a CPU too, but there it is
 * where its CPU time went.) Other modes count each stop once. Returns
 * false when the thread is not to be counted. */
uint64_t sampler_take_credit(struct sampler *s, struct sampled_thread *t);

/* sampler_count.c */
/* Counts a stack of s's process, in its kept room (sampler_count_in). */
size_t sampler_count(struct sampler *s, struct profile *p, struct sampler_hit *h);

/* sampler_python.c */
/* Whether thread tid held the GIL at this round's read. */
bool sampler_python_holds_gil(const struct sampler *s, int tid);
/* Matches this round's thread states to threads (all of them: before 3.11
 * the match is found by trying offsets against every thread). */
void sampler_python_map(struct sampler *s);
/* A round of Python frames alone: read with the threads running, never
 * stopped. Threads with no Python frames are not counted. */
int sampler_python_round(struct sampler *s, struct profile *p);
/* Thread tid's threading name (borrowed until the next call), or NULL:
 * SAMPLER_NAMES_EVERY_S says when they are read. */
const char *sampler_python_name(struct sampler *s, int tid);
/* This round's Python frames of thread tid, or NULL. */
const struct python_raw_thread *sampler_python_thread(const struct sampler *s, int tid);
const struct python_raw_thread *sampler_python_raw_thread(const struct python_raw *raw, int err,
                                                          int tid);
/* Reads the Python frames of every thread (called while they are stopped,
 * or with them running for Python frames alone). */
void sampler_python_read_stopped(void *arg);
/* The same with the target running: each thread's walk checked and made
 * again when it tore; a thread still torn is not counted, but it is in the
 * profile's dropped count. */
void sampler_python_read_running(struct sampler *s, struct profile *p, struct python_want *want);

/* sampler_async.c */
/* At a round's start: a census of tasks again when samples asked for one
 * and it is due. */
void sampler_async_round(struct sampler *s);
/* The task thread tid (its Python frames py) runs, or NULL; a sample that
 * meets a task the census does not know asks for another. */
const struct task_census_entry *sampler_async_task(struct sampler *s, int tid,
                                                   const struct python_raw_thread *py);
void sampler_async_free(struct sampler *s);

/* sampler_perf.c */
/* A round of perf events: the samples the kernel took since the last one,
 * unwound with the target running all along; then threads that appeared
 * are attached (their first samples come with the next round). */
int sampler_perf_round(struct sampler *s, struct profile *p);
int sampler_perf_start(struct sampler *s);
size_t sampler_perf_tick_ring_pages(unsigned hz);

#endif
