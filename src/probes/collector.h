/* The /proc collector: per-process and per-thread CPU, state and activity.
 *
 * Threads are read in one of two ways. With CAP_NET_ADMIN, through taskstats
 * (probes/taskstats.h): one netlink answer per thread, in batches, with CPU in
 * microseconds, context switches and run delay, and no file per thread.
 * Otherwise each thread's `stat`, through an fd kept open and re-read with
 * pread() (measured: 18.5 ms for 5,000 threads, against 130 ms for a libproc2
 * reap); schedstat and status are then read only for watched threads.
 * wchan, syscall, cmdline and memory are read only for the rows a report
 * shows. A process's thread list is listed again only when a thread may have
 * been born or died since the last sample.
 *
 * Rates are deltas between the baseline and the latest sample, keyed on the
 * task id *and* its start time, so a reused PID is never mistaken for the
 * task that had it before. Tasks that vanish are dropped silently. */
#ifndef STACKTOP_COLLECTOR_H
#define STACKTOP_COLLECTOR_H

#include "../model.h"
#include "procfs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct collector;

/* Creates a collector over fs (borrowed; must outlive the collector) for the
 * given PIDs (copied), or every process when npids is 0. Raises the soft
 * RLIMIT_NOFILE to the hard limit so that stat fds can stay open. Returns 0 and
 * an owned collector (free with collector_free). */
int collector_new(struct procfs *fs, const int *pids, size_t npids, struct collector **out);
void collector_free(struct collector *c);

/* Reads every task's stat and the system CPU counters. Returns 0, or -ESRCH
 * when one of the requested PIDs no longer exists (collector_gone_pid names
 * it), or another -errno when /proc itself cannot be read. */
int collector_sample(struct collector *c);
int collector_gone_pid(const struct collector *c);

/* Stops sampling the requested process pid (one of several gone: the next
 * sample reads the others, and drops its tasks). Refuses when pid is not
 * requested or is the last one requested (a collector without PIDs samples
 * every process). Returns whether it forgot it. */
bool collector_forget_pid(struct collector *c, int pid);

/* Samples from now on the processes pids (npids > 0, copied) instead of
 * those requested before (report --tree: its processes as they are now);
 * the next sample drops the tasks of those left out, and counts those new
 * from their start. */
void collector_set_pids(struct collector *c, const int *pids, size_t npids);

/* Makes the latest sample the start of the next interval. */
void collector_set_baseline(struct collector *c);

/* Tasks in the latest sample. */
size_t collector_task_count(const struct collector *c);

/* Starts tracking the slower counters (context switches, run delay) of every
 * task, or of at most max busy tasks: those that used CPU in the last
 * completed interval, then those runnable or in uninterruptible sleep now.
 * These rates are measured from this call to the report; unwatched tasks get
 * NAN. Call after collector_set_baseline. */
void collector_watch_all(struct collector *c);
void collector_watch_busiest(struct collector *c, size_t max);

/* What a report shows: the max_procs hottest processes (all requested PIDs
 * when PIDs were given) with their max_threads hottest threads each. */
struct report_shape {
	size_t max_procs;
	size_t max_threads;
};

/* Builds a report of the interval from the baseline to the latest sample,
 * reading the extra files of the rows it shows. Returns an owned report (free
 * with report_free). */
struct report *collector_report(struct collector *c, const struct report_shape *shape);

/* Every thread (threads set) or every process of the latest sample, in no
 * particular order. Returns their number and an owned array in *out. */
size_t collector_briefs(const struct collector *c, bool threads, struct task_brief **out);

/* One thread's full row as a report shows it (state, wchan, syscall, rates),
 * reading its extra files now. Returns 0 (clear row with thread_row_clear),
 * or -ESRCH when the latest sample did not see tid. */
int collector_thread(struct collector *c, int tid, struct thread_row *row);

/* The machine's line of a report: CPU, load, memory and task counts. */
void collector_system(struct collector *c, struct system_row *out);

/* The name of a user (borrowed for the collector's life), "" when the uid
 * has none or is -1. Each uid is looked up once. */
const char *collector_user_name(struct collector *c, int64_t uid);

/* A process's command line, its arguments joined by spaces (raw: sanitize
 * before a terminal), "" for a kernel thread, a process whose arguments are
 * gone or cannot be read, or a pid the latest sample did not see. Read the
 * first time it is asked for that process (keyed on its pid, start time
 * and comm, which an exec changes) and kept: borrowed until the next call
 * or sample. */
const char *collector_cmdline(struct collector *c, int pid);

/* Starts tracking the slower counters of these tasks, as the watch calls
 * above do (for the rows a screen shows). */
void collector_watch_tids(struct collector *c, const int *tids, size_t n);

#endif
