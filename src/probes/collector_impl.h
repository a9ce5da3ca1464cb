/* The collector's insides, shared by its files: collector.c (the handle,
 * the baseline and the report's rows), collector_sample.c (a sample) and
 * collector_taskstats.c (the taskstats thread source). Not for other
 * files: they use collector.h. */
#ifndef STACKTOP_COLLECTOR_IMPL_H
#define STACKTOP_COLLECTOR_IMPL_H

#include "collector.h"
#include "procfs_parse.h"
#include "task_table.h"
#include "taskstats.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
/* fds kept free for everything else (files read on demand, the terminal). */
#define COLLECTOR_FD_RESERVE 128

/* A thread that did not run in this many samples in a row is not read again
 * (no taskstats query, no stat read: most of a sample's cost on a process
 * with thousands of idle threads) while its process's own CPU, which every
 * sample reads, is explained by the threads that were read. When it is not
 * (a skipped thread ran, or one was born or died), the skipped threads of
 * that process are read at once, in the same sample. Every thread is read
 * at least every COLLECTOR_FULL_EVERY samples regardless. A one-shot report
 * (two samples) always reads every thread. */
#define COLLECTOR_IDLE_SAMPLES 2
#define COLLECTOR_FULL_EVERY   10
/* CPU a process's stat may differ from the sum of its threads' by rounding
 * alone: its utime and stime are in clock ticks, each off by up to one. */
#define COLLECTOR_SLACK_TICKS 4

struct uid_name {
	int64_t uid;
	char name[33];
};

struct collector;

/* Where a sample reads its threads from: their stat files (any user), or
 * taskstats (with CAP_NET_ADMIN). */
struct collector_source {
	const char *name;
	/* take only queues: the sweep reads, and makes room in the thread
	 * table for what it read (room made before would be made twice, a
	 * second copy of a table of thousands). */
	bool queues;
	/* Reads thread tid of proc now (its stat under dirfd, its task
	 * directory, or from the root when -1), or queues it for the sweep.
	 * Returns 0 or -errno (gone, no access). */
	int (*take)(struct collector *c, struct task *proc, int tid, int dirfd);
	/* Reads what take queued from index from on; with relist, a thread
	 * found gone has its process's threads listed again and the new ones
	 * read. Returns 0, or -errno when the source failed (a sample then
	 * reads its threads the stat way). */
	int (*sweep)(struct collector *c, size_t from, bool relist);
};
extern const struct collector_source collector_sample_stat;
extern const struct collector_source collector_taskstats;

struct collector {
	struct procfs *fs;
	int *pids;
	size_t npids;
	int gone_pid;
	uint32_t gen;
	double hz;
	int64_t page_kib;
	size_t fd_budget;
	size_t fds_open;
	/* Threads are read through taskstats when we may (root), else stat. */
	const struct collector_source *source;
	struct taskstats_client *taskstats;
	int *pending_tids; /* this sample's threads, for one taskstats sweep */
	int *pending_pids;
	size_t npending, pending_cap;
	struct taskstats_sample *answers;
	struct task_table procs;
	struct task_table tasks;
	double now, base_time;                 /* CLOCK_MONOTONIC seconds */
	uint64_t base_boot_ticks;              /* the baseline in clock ticks after boot */
	uint64_t base_real_s;                  /* the baseline in wall-clock seconds */
	struct procfs_cpu_times cpu, base_cpu; /* system-wide */
	/* Each CPU's, for the live view's per-CPU meters. */
	struct procfs_cpu_times cpu_each[SYSTEM_CPU_METERS], base_cpu_each[SYSTEM_CPU_METERS];
	size_t ncpu_each, nbase_cpu_each;
	struct uid_name **users; /* each owned: names are lent out for the collector's life */
	size_t nusers;
};

static inline double
collector_clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Clock ticks to microseconds, saturating: a hostile stat file may claim
 * anything. */
static inline uint64_t
collector_ticks_to_us(uint64_t ticks, double hz)
{
	double us = (double)ticks * (1e6 / hz);

	return us >= 1.8e19 ? UINT64_MAX : (uint64_t)us;
}

static inline uint64_t
collector_cpu_us(const struct task_counters *k)
{
	return k->user_us + k->sys_us;
}

/* A task's state before a read, to tell what it ran since. */
struct task_before {
	uint32_t seen;
	uint64_t identity;
	uint64_t cpu_us;
};
struct task_before collector_sample_before(const struct task *task);

/* After a thread was read: whether it stays idle, and its share of its
 * process's CPU in this sample. */
void collector_sample_note_thread(struct collector *c, struct task *task,
                                  const struct task_before *b);

/* Marks a task seen in this sample, as the same task or as a new one. */
void collector_sample_see(struct collector *c, struct task *task, uint64_t identity, bool same);

/* Makes room in the thread table for those of the n tids it does not hold
 * yet, in one step (a first sample adds thousands). */
void collector_sample_reserve(struct collector *c, const int *tids, size_t n);

/* Lists proc's threads afresh and reads or queues them. Returns 0 or -errno. */
int collector_sample_relist(struct collector *c, struct task *proc);

/* Releases what a task holds when it leaves the table (arg: the collector). */
void collector_sample_drop_task(struct task *task, void *arg);

#endif
