/* Sampling one process's native stacks over time (stacktop record).
 *
 * A CPU profile comes from the kernel where perf events are allowed
 * (probes/perf_events): each thread's samples, taken on a CPU with a copy of
 * its user stack, are drained each round and unwound from the copies; the
 * target is never stopped, and a thread waiting for a CPU gives no sample.
 *
 * Otherwise (and for wall-clock and GIL profiles), each round lists the
 * threads, reads each one's CPU time (schedstat, from an fd kept open), and
 * stops only the threads that ran since the previous round (for a CPU
 * profile, only those of them on a run queue now): one short ptrace stop for
 * all of them (probes/ptrace), then unwinding and naming from the copies
 * with the target running again. A CPU profile then counts a thread for the
 * CPU time it used, where a stop finds it at work (approximate: a stop
 * shows where a thread is, not where its time went). A thread that did not
 * run is not stopped; with idle sampling its last stack counts again. Every
 * stack goes into a profile (profile.h). The unwinder lives as long as the
 * sampler and renews its view of the maps each round, so libraries loaded
 * later and an exec are followed. */
#ifndef STACKTOP_SAMPLER_H
#define STACKTOP_SAMPLER_H

#include "../profile.h"
#include "procfs.h"
#include "stacks.h"

#include <stdbool.h>

struct sampler;
struct task_census_entry;

/* Which threads a round counts, as CPython 3.15's own sampler offers. */
enum sampler_mode {
	SAMPLER_CPU,  /* the threads that ran (on CPU): a CPU profile */
	SAMPLER_WALL, /* every thread, those that did not run with their last
	                 stack: a wall-clock profile */
	SAMPLER_GIL,  /* the thread holding the GIL alone (a Python process with
	                 a GIL): where the interpreter's time goes */
};

/* Prepares to sample pid through fs (borrowed; must outlive the sampler),
 * counting the threads that `what` says, hz rounds (and perf samples) a
 * second. frames as for stacks_dump: in a Python process the Python frames
 * are merged in (TARGET_AUTO, TARGET_MIXED), or taken alone without ever
 * stopping it (TARGET_PYTHON). A CPU profile of native frames uses perf
 * events unless they are refused or the environment has STACKTOP_PERF=0.
 * Returns 0 and an owned sampler (free with sampler_free), -ESRCH when pid
 * does not exist, or what python_find returns when Python frames were asked
 * for (SAMPLER_GIL asks for them) and cannot be read. */
int sampler_new(const struct procfs *fs, int pid, enum sampler_mode what, enum target_frames frames,
                unsigned hz, struct sampler **out);

/* How a sampler takes its stacks. */
enum sampler_path {
	SAMPLER_PERF,   /* perf events: no stop */
	SAMPLER_PTRACE, /* ptrace stops */
	SAMPLER_LIVE,   /* Python frames alone, read with the target running */
};

/* s's path; *why gets why perf events are not used for a CPU profile: 0
 * (they are, or it is not a CPU profile), -ECANCELED (STACKTOP_PERF=0), or
 * perf_event_open's or mmap's -errno. With Python frames alone the path is
 * SAMPLER_LIVE either way: perf events then only say which threads were on
 * a CPU. */
enum sampler_path sampler_path(const struct sampler *s, int *why);

/* The CPython of the process: its version ("" when not a Python process or
 * its frames are not asked for), whether it is free-threaded, and why its
 * frames are not sampled when it cannot be read. Borrowed, for s's life. */
const struct python_info *sampler_python(const struct sampler *s);
void sampler_free(struct sampler *s);

/* Adds to p the executable mappings of the files its native frames are in,
 * with their build-ids, from s's unwinder (the maps as last read: a process
 * that exited keeps its last). Call after the last round. */
void sampler_modules(struct sampler *s, struct profile *p);

/* record --async: follows the asyncio task each thread runs, a sample in
 * a task getting a "task NAME" frame outermost: takes a census of the
 * tasks now (one bounded stop, as stacktop tasks makes) and again when
 * samples meet tasks it does not know. Returns 0, -ENOEXEC (not a Python
 * process, or its frames are not read), -ENOTSUP (2.7, a free-threaded
 * build, a version without a table: PYTHON_TASKS_SUPPORTED), or the
 * census's -ESRCH, -EPERM. */
int sampler_async_start(struct sampler *s);

/* What following the tasks cost. */
struct sampler_async_stats {
	uint64_t censuses; /* stops taken for a census, the first included */
	uint64_t failed;   /* censuses that failed (the previous one kept) */
	double stopped_ms_sum, stopped_ms_max;
	size_t tasks; /* the tasks the last census found */
};

/* s's, or NULL when it does not follow tasks. Borrowed, for s's life. */
const struct sampler_async_stats *sampler_async_stats(const struct sampler *s);

/* The process's name as of the last round (borrowed until the next round). */
const char *sampler_comm(const struct sampler *s);

/* How many threads s follows now. */
size_t sampler_threads(const struct sampler *s);

/* Takes one round into p. The first round of a CPU profile only sets the
 * baseline (nothing is known to have run yet). Returns 0, -ESRCH when the
 * process is gone (exited, or a zombie), or -EPERM when we may not trace it. */
int sampler_round(struct sampler *s, struct profile *p);

/* One stack of thread tid of process pid to count: its native part (snap,
 * or NULL for Python frames alone or a kernel thread), its Python frames
 * (py, or NULL), whether it was taken in the kernel, how many samples it
 * stands for, and (a system-wide profile) its process's name. */
struct sampler_hit {
	int pid, tid;
	const struct thread_snapshot *snap;
	const struct python_raw_thread *py;
	bool kernel;
	uint64_t weight;
	const char *process; /* borrowed for the call; NULL: none */
	/* record --async: the task it runs (set by the sampler), or NULL */
	const struct task_census_entry *task;
};

struct unwinder;
struct python_namer;
struct perf_events_sample;

/* A sampler of pid that opens no perf event: the samples come from someone
 * else's (record -a: one event per CPU) through sampler_perf_feed. frames, hz and
 * the result as sampler_new; also -ESRCH when pid is gone. */
int sampler_new_fed(const struct procfs *fs, int pid, enum target_frames frames, unsigned hz,
                    struct sampler **out);

/* A round of a fed sampler, before the samples taken since the last one
 * are fed: the process's name and maps read again when a second has passed
 * (sooner, by sampler_perf_feed, for a sample in code not yet mapped then) and,
 * in a Python process when python is set, every thread's Python frames read
 * (without a stop; the previous read is kept, and a sample takes the
 * nearer). Returns 0 or -ESRCH (gone). */
int sampler_perf_fed_round(struct sampler *s, struct profile *p, bool python);

/* Whether s merges Python frames (a Python process, its frames readable). */
bool sampler_perf_reads_python(const struct sampler *s);

/* Counts one perf sample of s's process into p: unwound from its stack
 * copy, its thread's Python frames merged in; in a system-wide profile
 * (p->pid 0) under its process's name. ps is borrowed for the call. */
void sampler_perf_feed(struct sampler *s, struct profile *p, const struct perf_events_sample *ps);

/* The snapshot a perf sample stands for (its registers and stack copy,
 * borrowed from ps; memory beyond the copy read live), to unwind as a
 * ptrace stop's. */
void sampler_perf_snapshot(const struct perf_events_sample *ps, struct thread_snapshot *out);

/* Counts a stack into p: an entry already there, or a new one named now
 * (through u and namer, which may be NULL without Python frames), while the
 * modules it runs in are mapped; its thread's name is read through fs. In a
 * system-wide profile (p->pid 0) the entry also says its process. A sample
 * taken in the kernel gets a "[kernel]" frame innermost, a cut walk a
 * "[cut: reason]" frame outermost. Returns the entry's index + 1. */
size_t sampler_count_hit(const struct procfs *fs, struct unwinder *u, struct python_namer *namer,
                         struct profile *p, const struct sampler_hit *h);

#endif
