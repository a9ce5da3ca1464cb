/* The tasks (processes or threads) the collector remembers between samples:
 * an array found by id through an open-addressing index. */
#ifndef STACKTOP_TASK_TABLE_H
#define STACKTOP_TASK_TABLE_H

#include "procfs_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Cumulative counters of one task. CPU is kept in microseconds whatever the
 * source (stat's clock ticks or taskstats' microseconds). */
struct task_counters {
	uint64_t user_us;
	uint64_t sys_us;
	int64_t ctxsw_voluntary; /* -1: not read */
	int64_t ctxsw_involuntary;
	int64_t delay_ns; /* run-queue wait; -1: not read */
};

struct task {
	int id;  /* TID, or PID in the process table */
	int pid; /* the process it belongs to */
	int fd;  /* its stat file kept open, or -1 */
	uint32_t seen;
	struct procfs_stat st;    /* the last stat read (threads under taskstats: comm only) */
	bool has_stat;            /* st.state and the rest are real */
	uint64_t identity;        /* start time: stat ticks, or taskstats seconds */
	bool born_after_base;     /* started after the baseline: its base is zero */
	struct task_counters cur; /* at the latest sample */
	struct task_counters base;
	bool has_base;
	uint64_t last_us; /* CPU in the last completed interval */
	bool watched;     /* read the slower counters at both ends (stat mode) */
	/* Threads: the samples in a row in which it did not run, and the last
	 * sample that skipped it as idle (collector.c says when). */
	uint32_t idle_samples;
	uint32_t skipped_gen;
	/* Processes: the CPU it used since the previous sample (-1: unknown),
	 * what the threads read in this sample used, how many were skipped,
	 * the CPU the read threads left unexplained so far, and the last
	 * sample that read every thread. */
	int64_t ran_us;
	uint64_t threads_ran_us;
	size_t skipped;
	int64_t unexplained_us;
	uint32_t full_gen;
	/* Processes only: their threads alive at the latest sample (owned), and
	 * the sample in which /proc/PID/task was last listed. */
	int *tids;
	size_t ntids, tids_cap;
	uint32_t listed;
	/* Processes only: the owner (the effective uid, -1 unknown), read every
	 * sample, and the command line (owned, NULL until a row that shows it
	 * asks), read once: it rarely changes but on an exec, which changes
	 * the comm too, and the task's identity (its start time) keeps a
	 * reused PID from inheriting it. */
	int64_t uid;
	char *cmdline;
	char cmdline_comm[COMM_MAX]; /* its comm when read: an exec changes both */
};

struct task_slot {
	int id;
	uint32_t pos; /* array position + 1; 0 is empty */
};

struct task_table {
	struct task *v;
	size_t n, cap;
	/* slot -> the task's id and its array position + 1 (0: empty): a
	 * probe compares ids here, without touching the tasks themselves. */
	struct task_slot *index;
	size_t index_cap;
};

/* The task with this id, or NULL. The pointer lives until the next add or
 * sweep. */
struct task *task_table_find(const struct task_table *t, int id);

/* Makes room for count more tasks at once (e.g. the threads a listing
 * found): one allocation and one index rebuild, where adding them one by
 * one doubles the table and its index several times. Pointers to tasks
 * live until then. */
void task_table_reserve(struct task_table *t, size_t count);

/* The task with this id, added (zeroed, fd -1) if it is not there yet. */
struct task *task_table_get(struct task_table *t, int id, int pid);

/* Drops every task whose seen is not gen, after calling drop(task, arg) on
 * it (to release its fd). */
void task_table_sweep(struct task_table *t, uint32_t gen, void (*drop)(struct task *, void *),
                      void *arg);

/* Frees the table's memory (call drop on the tasks first if they hold fds). */
void task_table_free(struct task_table *t);

#endif
