/* Pure parsers for the /proc files stacktop reads.
 *
 * Each takes the bytes of one file and fills a struct; none makes a syscall,
 * so the unit tests and the fuzzer drive them with fixtures and garbage. The
 * input is whatever the kernel (or a hostile process name) put there: every
 * parser bounds its reads by len and tolerates missing fields, which stay
 * "unknown" (-1). */
#ifndef STACKTOP_PROCFS_PARSE_H
#define STACKTOP_PROCFS_PARSE_H

#include "../model.h"
#include "../syscall_names.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/PID/stat and /proc/PID/task/TID/stat. */
struct procfs_stat {
	char comm[COMM_MAX]; /* raw bytes, NUL-terminated, not sanitized */
	char state;          /* R, S, D, T, t, Z, X, I, … */
	int ppid;
	uint64_t flags; /* PF_* */
	uint64_t utime; /* clock ticks */
	uint64_t stime;
	int64_t num_threads;
	int nice;           /* field 19: -20 (most favoured) to 19 */
	uint64_t starttime; /* clock ticks after boot: with the id, a task's identity */
	int64_t rss_pages;  /* the process's resident pages (field 24); -1 if absent */
	int processor;
};

/* PF_KTHREAD (include/linux/sched.h): a kernel thread, with no user space,
 * command line or meaningful syscall. */
#define PROCFS_PF_KTHREAD 0x00200000u

/* Parses a stat line. comm is taken up to the *last* ')' because a comm may
 * itself hold ") R 1 (" or a newline. Returns 0, or -EINVAL when the line is
 * not a stat line. */
int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *out);

/* Whether the process whose main thread's stat is st has exited (only its
 * parent's wait is missing): its main thread is a zombie and no other
 * thread is left. A zombie main thread beside live threads (it called
 * pthread_exit) is a live process. The one rule every command follows. */
bool procfs_parse_stat_gone(const struct procfs_stat *st);

/* The fields of /proc/PID/status we use; -1 where absent. */
struct procfs_status {
	int64_t uid; /* real uid */
	int64_t rss_kib;
	int64_t anon_kib;
	int64_t file_kib;
	int64_t shmem_kib;
	int64_t swap_kib;
	int64_t ctxsw_voluntary;
	int64_t ctxsw_involuntary;
};

/* Parses status text. Never fails: what is missing stays -1. */
void procfs_parse_status(const char *buf, size_t len, struct procfs_status *out);

/* The NSpid line of a status file: the task's id in the innermost PID
 * namespace it lives in (its id as the process itself sees it: inside a
 * container, not ours). Returns it, or -1 without an NSpid line. */
int64_t procfs_parse_nspid(const char *buf, size_t len);

/* /proc/PID/task/TID/schedstat: time on CPU, time waiting on a run queue (ns),
 * and the number of times the task ran. Returns 0 or -EINVAL. */
struct procfs_schedstat {
	uint64_t run_ns;
	uint64_t delay_ns;
	uint64_t timeslices;
};
int procfs_parse_schedstat(const char *buf, size_t len, struct procfs_schedstat *out);

/* /proc/PID/task/TID/syscall: a syscall number, or one of the SYSCALL_*
 * values (syscall_names.h). */
int procfs_parse_syscall(const char *buf, size_t len);

/* The same file with the arguments: "202 0x7f.. 0x80 0x2 0x0 0x0 0x0 SP PC"
 * gives nr 202 and the six argument registers (as they are now: a syscall
 * restarted after a stop shows restart_syscall with the first one's
 * arguments). nr is one of the SYSCALL_* values when there is no
 * syscall; args are then 0. Returns 0, or -EINVAL when a syscall number is
 * not followed by six hexadecimal arguments. */
struct procfs_syscall {
	int nr;
	uint64_t args[6];
};
int procfs_parse_syscall_args(const char *buf, size_t len, struct procfs_syscall *out);

/* The first line of /proc/stat, in clock ticks. */
struct procfs_cpu_times {
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};
/* Returns 0, or -EINVAL without a "cpu " line. */
int procfs_parse_cpu_times(const char *buf, size_t len, struct procfs_cpu_times *out);
/* The per-CPU lines of /proc/stat ("cpu0 ...", "cpu1 ..."), into out[0..max)
 * in CPU order. Returns how many were read: the lines up to the first one
 * missing, cut off or out of order (an offline CPU has no line: the ones
 * after it are not shown). */
size_t procfs_parse_cpu_each(const char *buf, size_t len, struct procfs_cpu_times *out, size_t max);

/* /proc/loadavg: "0.52 0.40 0.31 2/123 4567". running counts the tasks
 * runnable right now, threads every task on the machine. */
struct procfs_loadavg {
	double load[3];
	int64_t running;
	int64_t threads;
};
/* Returns 0 or -EINVAL. */
int procfs_parse_loadavg(const char *buf, size_t len, struct procfs_loadavg *out);

/* /proc/meminfo, in KiB; -1 where absent. */
struct procfs_meminfo {
	int64_t total, free, available, buffers, cached, sreclaimable;
	int64_t swap_total, swap_free;
};
void procfs_parse_meminfo(const char *buf, size_t len, struct procfs_meminfo *out);

/* /proc/uptime: seconds since boot. Returns 0 or -EINVAL. */
int procfs_parse_uptime(const char *buf, size_t len, double *uptime_s);

/* /proc/PID/smaps_rollup; -1 where absent. uss = Private_Clean + Private_Dirty. */
void procfs_parse_rollup(const char *buf, size_t len, struct mem_rollup *out);

/* One line of /proc/PID/maps. */
struct procfs_map {
	uint64_t start, end;
	uint64_t offset; /* in the file */
	uint64_t inode;
	char perms[5];  /* "r-xp" */
	char path[256]; /* "" for anonymous; may end in " (deleted)"; cut if longer */
};

/* Parses maps text into *maps (owned, free with free()). Lines that do not
 * parse are skipped. Returns the count. */
size_t procfs_parse_maps(const char *buf, size_t len, struct procfs_map **maps);

/* Resident memory by kind (struct mem_breakdown), summed over the mappings
 * of /proc/PID/smaps. Classifies each mapping by its name: [heap], [stack], shared memory
 * (/dev/shm, memfd:, SYSV, shared anonymous), file-backed (whose anonymous
 * copy-on-write pages count as anon), or anonymous. */
void procfs_parse_smaps(const char *buf, size_t len, struct mem_breakdown *out);

#endif
