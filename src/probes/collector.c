#include "collector.h"

#include "../xmalloc.h"
#include "sysinfo.h"
#include "task_table.h"
#include "taskstats.h"

#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

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
	struct uid_name *users;
	size_t nusers;
};

static double
clock_seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
collector_close_fd(struct collector *c, struct task *task)
{
	if (task->fd >= 0) {
		close(task->fd);
		task->fd = -1;
		c->fds_open--;
	}
}

/* Releases what a task holds when it leaves the table. */
static void
collector_drop_task(struct task *task, void *arg)
{
	collector_close_fd(arg, task);
	free(task->tids);
	task->tids = NULL;
}

/* taskstats describes the machine's own tasks: only for the real /proc, and
 * not when STACKTOP_TASKSTATS=0 asks for the /proc path (tests use it). */
static bool
collector_wants_taskstats(const struct procfs *fs)
{
	const char *env = getenv("STACKTOP_TASKSTATS");

	return strcmp(procfs_root(fs), "/proc") == 0 && !(env && strcmp(env, "0") == 0);
}

int
collector_new(struct procfs *fs, const int *pids, size_t npids, struct collector **out)
{
	struct collector *c = xcalloc(1, sizeof(*c));
	long hz = sysconf(_SC_CLK_TCK);

	c->fs = fs;
	if (npids > 0) {
		c->pids = xmalloc(npids * sizeof(*pids));
		memcpy(c->pids, pids, npids * sizeof(*pids));
	}
	c->npids = npids;
	c->hz = hz > 0 ? (double)hz : 100.0;
	c->page_kib = sysconf(_SC_PAGESIZE) / 1024;
	c->fd_budget = procfs_fd_budget(COLLECTOR_FD_RESERVE);
	/* Without CAP_NET_ADMIN this fails, and stat files serve instead. */
	if (collector_wants_taskstats(fs) && taskstats_new(&c->taskstats) != 0)
		c->taskstats = NULL;
	*out = c;
	return 0;
}

void
collector_free(struct collector *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->procs.n; i++)
		collector_drop_task(&c->procs.v[i], c);
	for (size_t i = 0; i < c->tasks.n; i++)
		collector_drop_task(&c->tasks.v[i], c);
	task_table_free(&c->procs);
	task_table_free(&c->tasks);
	taskstats_free(c->taskstats);
	free(c->pending_tids);
	free(c->pending_pids);
	free(c->answers);
	free(c->users);
	free(c->pids);
	free(c);
}

int
collector_gone_pid(const struct collector *c)
{
	return c->gone_pid;
}

/* Marks a task seen in this sample, as the same task or as a new one. */
static void
collector_see(struct collector *c, struct task *task, uint64_t identity, bool same)
{
	if (task->seen == 0 || !same) {
		/* New, or the id now names another task: forget the old one. */
		task->has_base = false;
		task->watched = false;
		task->last_us = 0;
		task->born_after_base = false;
	}
	task->identity = identity;
	task->seen = c->gen;
}

/* Clock ticks to microseconds, saturating: a hostile stat file may claim
 * anything. */
static uint64_t
ticks_to_us(uint64_t ticks, double hz)
{
	double us = (double)ticks * (1e6 / hz);

	return us >= 1.8e19 ? UINT64_MAX : (uint64_t)us;
}

/* Re-reads a task's stat through its cached fd, or opens relpath under dirfd
 * (and keeps the fd while the budget allows). Returns 0 or -errno (gone, no
 * access). */
static int
collector_read_stat(struct collector *c, struct task *task, int dirfd, const char *relpath)
{
	char buf[1024];
	struct procfs_stat st;
	ssize_t n = -ESRCH;
	int fd;

	if (task->fd >= 0) {
		n = procfs_pread(task->fd, buf, sizeof(buf));
		/* The fd pins the task it was opened for: if that one exited and the
		 * id was reused, the path now names a new task. */
		if (n < 0)
			collector_close_fd(c, task);
	}
	if (task->fd < 0) {
		fd = procfs_openat(dirfd, relpath);
		if (fd < 0)
			return fd;
		n = procfs_pread(fd, buf, sizeof(buf));
		if (n >= 0 && c->fds_open < c->fd_budget) {
			task->fd = fd;
			c->fds_open++;
		} else {
			close(fd);
		}
	}
	if (n < 0)
		return (int)n;
	if (procfs_parse_stat(buf, (size_t)n, &st) != 0)
		return -EINVAL;
	collector_see(c, task, st.starttime, task->identity == st.starttime);
	if (!task->has_base)
		task->born_after_base = st.starttime >= c->base_boot_ticks;
	task->st = st;
	task->has_stat = true;
	task->cur = (struct task_counters){
	    .user_us = ticks_to_us(st.utime, c->hz),
	    .sys_us = ticks_to_us(st.stime, c->hz),
	    .ctxsw_voluntary = -1,
	    .ctxsw_involuntary = -1,
	    .delay_ns = -1,
	};
	return 0;
}

static void
collector_queue_thread(struct collector *c, int tid, int pid)
{
	if (c->npending == c->pending_cap) {
		c->pending_cap = c->pending_cap ? c->pending_cap * 2 : 1024;
		c->pending_tids = xreallocarray(c->pending_tids, c->pending_cap, sizeof(int));
		c->pending_pids = xreallocarray(c->pending_pids, c->pending_cap, sizeof(int));
	}
	c->pending_tids[c->npending] = tid;
	c->pending_pids[c->npending++] = pid;
}

/* Lists the threads of proc into proc->tids. Returns an fd on its task
 * directory (owned by the caller) for opening the threads' files, or -errno. */
static int
collector_list_threads(struct collector *c, struct task *proc)
{
	char path[64];
	int *tids;
	ssize_t n;
	int taskfd;

	snprintf(path, sizeof(path), "%d/task", proc->id);
	taskfd = procfs_open_dir(c->fs, path);
	if (taskfd < 0)
		return taskfd;
	n = procfs_list_ids_fd(taskfd, &tids);
	if (n < 0) {
		close(taskfd);
		return (int)n;
	}
	free(proc->tids);
	proc->tids = tids;
	proc->ntids = proc->tids_cap = (size_t)n;
	proc->listed = c->gen;
	return taskfd;
}

/* A task's state before a read, to tell what it ran since. */
struct task_before {
	uint32_t seen;
	uint64_t identity;
	uint64_t cpu_us;
};

static uint64_t counters_cpu_us(const struct task_counters *k);

static struct task_before
task_before(const struct task *task)
{
	return (struct task_before){task->seen, task->identity, counters_cpu_us(&task->cur)};
}

/* The CPU a task used since its state b, read before this read; -1 when
 * unknown (new, or its id now names another task). */
static int64_t
task_ran_us(const struct task *task, const struct task_before *b)
{
	uint64_t now = counters_cpu_us(&task->cur);

	if (b->seen == 0 || b->identity != task->identity || now < b->cpu_us)
		return -1;
	return (int64_t)(now - b->cpu_us);
}

/* After a thread was read: whether it stays idle, and its share of its
 * process's CPU in this sample. A thread seen for the first time counts
 * all it used: it was most likely born since the previous sample. */
static void
collector_note_thread(struct collector *c, struct task *task, const struct task_before *b)
{
	int64_t ran = task_ran_us(task, b);
	struct task *proc = task_table_find(&c->procs, task->pid);

	task->idle_samples = ran == 0 ? task->idle_samples + 1 : 0;
	if (proc != NULL)
		proc->threads_ran_us += ran >= 0 ? (uint64_t)ran : counters_cpu_us(&task->cur);
}

/* Reads one thread's stat (relpath under dirfd) and notes what it ran.
 * Returns what collector_read_stat returns. */
static int
collector_read_thread_stat(struct collector *c, struct task *task, int dirfd, const char *relpath)
{
	struct task_before b = task_before(task);
	int err = collector_read_stat(c, task, dirfd, relpath);

	if (err == 0)
		collector_note_thread(c, task, &b);
	return err;
}

/* Makes room in the thread table for those of the n tids it does not hold
 * yet, in one step (a first sample adds thousands). */
static void
collector_reserve_threads(struct collector *c, const int *tids, size_t n)
{
	size_t missing = 0;

	for (size_t i = 0; i < n; i++)
		missing += task_table_find(&c->tasks, tids[i]) == NULL;
	task_table_reserve(&c->tasks, missing);
}

/* Whether thread tid of proc may be skipped in this sample (see
 * COLLECTOR_IDLE_SAMPLES); marks it seen and skipped when so. */
static bool
collector_skip_idle(struct collector *c, struct task *proc, int tid)
{
	struct task *task;

	if (proc->full_gen == c->gen || (task = task_table_find(&c->tasks, tid)) == NULL ||
	    task->idle_samples < COLLECTOR_IDLE_SAMPLES)
		return false;
	task->seen = c->gen;
	task->skipped_gen = c->gen;
	proc->skipped++;
	/* It did not run: its switches and run-queue wait are still the
	 * baseline's, if those were read. */
	if (task->has_base && task->base.delay_ns >= 0 && task->base.ctxsw_voluntary >= 0) {
		task->cur.ctxsw_voluntary = task->base.ctxsw_voluntary;
		task->cur.ctxsw_involuntary = task->base.ctxsw_involuntary;
		task->cur.delay_ns = task->base.delay_ns;
	}
	return true;
}

/* Reads (stat path) or queues (taskstats) the threads in proc->tids; dirfd is
 * their task directory, or -1 to open them from the root. Returns how many
 * stat reads failed because the thread is gone. */
static size_t
collector_read_threads(struct collector *c, struct task *proc, int dirfd)
{
	char path[64];
	size_t gone = 0;
	int pid = proc->id;

	if (c->taskstats == NULL)
		collector_reserve_threads(c, proc->tids, proc->ntids);
	for (size_t i = 0; i < proc->ntids; i++) {
		int tid = proc->tids[i];
		int err;

		if (collector_skip_idle(c, proc, tid))
			continue;
		if (c->taskstats != NULL) {
			collector_queue_thread(c, tid, pid);
			continue;
		}
		if (dirfd >= 0)
			snprintf(path, sizeof(path), "%d/stat", tid);
		else
			snprintf(path, sizeof(path), "%d/task/%d/stat", pid, tid);
		/* task_table_get may move other threads, never the processes. */
		err = collector_read_thread_stat(c, task_table_get(&c->tasks, tid, pid),
		                                 dirfd >= 0 ? dirfd : procfs_root_fd(c->fs), path);
		if (procfs_is_gone(err))
			gone++;
	}
	return gone;
}

/* Lists proc's threads afresh and reads or queues them. Returns 0 or -errno. */
static int
collector_relist_threads(struct collector *c, struct task *proc)
{
	int taskfd = collector_list_threads(c, proc);

	if (taskfd < 0)
		return taskfd;
	(void)collector_read_threads(c, proc, taskfd);
	close(taskfd);
	return 0;
}

/* A thread's CPU time from taskstats: its exact time on a CPU when delay
 * accounting gives it, else the sum of its user and system time, which the
 * kernel counts in clock ticks (4 ms here): too coarse for the first
 * screen's 10 ms interval, or to tell which thread ran in a short one. */
static uint64_t
collector_cpu_total_us(const struct taskstats_sample *a)
{
	return a->run_ns > 0 ? a->run_ns / 1000 : a->user_us + a->sys_us;
}

/* Splits the exact total into user and system time in the proportion of
 * the tick counts (as the kernel does for /proc/PID/stat), keeping each no
 * smaller than at the previous read (prev, NULL for a new thread) so that
 * no part of the time goes backwards. */
static void
collector_split_cpu(const struct taskstats_sample *a, const struct task_counters *prev,
                    uint64_t *user_us, uint64_t *sys_us)
{
	uint64_t total = collector_cpu_total_us(a), ticks = a->user_us + a->sys_us;
	uint64_t user =
	    ticks > 0 ? (uint64_t)((double)total * (double)a->user_us / (double)ticks) : total;

	if (prev != NULL) {
		if (user < prev->user_us)
			user = prev->user_us;
		if (total - (user < total ? user : total) < prev->sys_us)
			user = total >= prev->sys_us ? total - prev->sys_us : prev->user_us;
	}
	if (user > total)
		user = total;
	*user_us = user;
	*sys_us = total - user;
}

/* Applies the taskstats answers for the queued threads [from, to). */
static void
collector_apply_taskstats(struct collector *c, size_t from, size_t to)
{
	collector_reserve_threads(c, c->pending_tids + from, to - from);
	for (size_t i = from; i < to; i++) {
		const struct taskstats_sample *a = &c->answers[i];
		struct task *task;
		struct task_before b;
		uint64_t user_us, sys_us;
		bool same;

		if (!a->ok)
			continue; /* gone since the listing */
		task = task_table_get(&c->tasks, c->pending_tids[i], c->pending_pids[i]);
		b = task_before(task);
		/* taskstats has no exact start time (its btime jitters by a second),
		 * so a reused id shows as a start a few seconds off or as counters
		 * that went backwards. */
		same = a->btime_s + 2 >= task->identity && a->btime_s <= task->identity + 2 &&
		       collector_cpu_total_us(a) >= counters_cpu_us(&task->cur);
		collector_see(c, task, a->btime_s, same);
		if (!task->has_base)
			task->born_after_base = a->btime_s + 1 >= c->base_real_s;
		memcpy(task->st.comm, a->comm, sizeof(a->comm));
		task->has_stat = false;
		collector_split_cpu(a, same ? &task->cur : NULL, &user_us, &sys_us);
		task->cur = (struct task_counters){
		    .user_us = user_us,
		    .sys_us = sys_us,
		    .ctxsw_voluntary = (int64_t)(a->ctxsw_voluntary & INT64_MAX),
		    .ctxsw_involuntary = (int64_t)(a->ctxsw_involuntary & INT64_MAX),
		    .delay_ns = (int64_t)(a->delay_ns & INT64_MAX),
		};
		collector_note_thread(c, task, &b);
	}
}

/* Queries the queued threads from index `from` on. Returns 0 or -errno. */
static int
collector_query_taskstats(struct collector *c, size_t from)
{
	c->answers = xreallocarray(c->answers, c->npending ? c->npending : 1, sizeof(*c->answers));
	return taskstats_query(c->taskstats, c->pending_tids + from, c->npending - from,
	                       c->answers + from);
}

/* Reads the queued threads through taskstats. A thread gone from a process
 * whose list was trusted (not listed in this sample) means the list may be
 * stale: that process is listed again and its new threads queried. Returns
 * 0, or -errno when the socket failed (the caller then falls back to stat
 * files). */
static int
collector_read_taskstats(struct collector *c)
{
	size_t first = c->npending;
	int err = collector_query_taskstats(c, 0);

	if (err != 0)
		return err;
	collector_apply_taskstats(c, 0, first);
	for (size_t i = 0; i < first; i++) {
		struct task *proc;

		if (c->answers[i].ok)
			continue;
		proc = task_table_find(&c->procs, c->pending_pids[i]);
		if (proc != NULL && proc->listed != c->gen)
			(void)collector_relist_threads(c, proc);
	}
	if (c->npending == first)
		return 0;
	err = collector_query_taskstats(c, first);
	if (err == 0)
		collector_apply_taskstats(c, first, c->npending);
	return err;
}

/* Samples one process and reads or queues its threads. Returns 0 or -errno
 * for the process itself; threads that vanish are simply skipped. */
static int
collector_sample_process(struct collector *c, int pid)
{
	char path[64];
	struct task *proc = task_table_get(&c->procs, pid, pid);
	struct task_before b = task_before(proc);
	int err;

	snprintf(path, sizeof(path), "%d/stat", pid);
	err = collector_read_stat(c, proc, procfs_root_fd(c->fs), path);
	if (err != 0)
		return err;
	proc->ran_us = task_ran_us(proc, &b);
	proc->threads_ran_us = 0;
	proc->skipped = 0;
	/* Every thread is read: the first time, now and then, and whenever the
	 * process's CPU is not known to check the skipped ones against. */
	if (proc->ran_us < 0 || c->gen - proc->full_gen >= COLLECTOR_FULL_EVERY) {
		proc->full_gen = c->gen;
		proc->unexplained_us = 0;
	}
	/* Listing /proc/PID/task costs about a microsecond a thread; skip it when
	 * the threads cannot have changed: the kernel counts as many as we know,
	 * and none of those is gone (a birth raises the count unless a death hides
	 * it, and a death shows as a failed read). A thread born after the count
	 * was read belongs to the next sample. */
	if (proc->tids != NULL && proc->st.num_threads == (int64_t)proc->ntids &&
	    collector_read_threads(c, proc, -1) == 0)
		return 0;
	return collector_relist_threads(c, proc);
}

/* Remembers, per process, the threads this sample saw alive. */
static void
collector_remember_threads(struct collector *c)
{
	for (size_t i = 0; i < c->procs.n; i++)
		c->procs.v[i].ntids = 0;
	for (size_t i = 0; i < c->tasks.n; i++) {
		const struct task *task = &c->tasks.v[i];
		struct task *proc = task_table_find(&c->procs, task->pid);

		if (proc == NULL)
			continue;
		if (proc->ntids == proc->tids_cap) {
			proc->tids_cap = proc->tids_cap ? proc->tids_cap * 2 : 16;
			proc->tids = xreallocarray(proc->tids, proc->tids_cap, sizeof(int));
		}
		proc->tids[proc->ntids++] = task->id;
	}
}

/* Samples the processes (all, or the requested ones). Returns 0 or -errno. */
static int
collector_sample_processes(struct collector *c)
{
	int *pids = c->pids;
	ssize_t npids = (ssize_t)c->npids;
	int ret = 0;

	if (c->npids == 0) {
		npids = procfs_list_ids(c->fs, ".", &pids);
		if (npids < 0)
			return (int)npids;
	}
	c->npending = 0;
	for (ssize_t i = 0; i < npids; i++) {
		int err = collector_sample_process(c, pids[i]);
		const struct task *proc = task_table_find(&c->procs, pids[i]);

		/* A requested process that is now a zombie with no thread left
		 * has exited: its parent just has not reaped it yet. */
		if (err == 0 && c->npids > 0 && proc && procfs_stat_gone(&proc->st))
			err = -ESRCH;
		if (err != 0 && c->npids > 0 && ret == 0) {
			c->gone_pid = pids[i];
			ret = procfs_is_gone(err) ? -ESRCH : err;
		}
	}
	if (pids != c->pids)
		free(pids);
	return ret;
}

/* Reads now the threads skipped as idle in this sample, of each process
 * whose CPU the threads read do not explain. Returns 0, or -errno when the
 * taskstats socket failed. */
static int
collector_read_skipped(struct collector *c)
{
	int64_t slack = (int64_t)ticks_to_us(COLLECTOR_SLACK_TICKS, c->hz);
	size_t first = c->npending;
	int err = 0;

	for (size_t i = 0; i < c->procs.n; i++) {
		struct task *proc = &c->procs.v[i];
		char path[64];

		if (proc->seen != c->gen || proc->skipped == 0) {
			proc->unexplained_us = 0;
			continue;
		}
		proc->unexplained_us += proc->ran_us - (int64_t)proc->threads_ran_us;
		if (proc->unexplained_us <= slack)
			continue;
		proc->unexplained_us = 0;
		proc->full_gen = c->gen;
		for (size_t k = 0; k < proc->ntids; k++) {
			struct task *task = task_table_find(&c->tasks, proc->tids[k]);

			if (task == NULL || task->skipped_gen != c->gen)
				continue;
			task->idle_samples = 0;
			if (c->taskstats != NULL) {
				collector_queue_thread(c, task->id, proc->id);
				continue;
			}
			snprintf(path, sizeof(path), "%d/task/%d/stat", proc->id, task->id);
			(void)collector_read_thread_stat(c, task, procfs_root_fd(c->fs), path);
		}
	}
	if (c->taskstats != NULL && c->npending > first &&
	    (err = collector_query_taskstats(c, first)) == 0)
		collector_apply_taskstats(c, first, c->npending);
	return err;
}

int
collector_sample(struct collector *c)
{
	char buf[512];
	int ret;

	if (++c->gen == 0)
		c->gen = 1; /* 0 marks a task never seen */
	ret = collector_sample_processes(c);
	if (c->taskstats != NULL &&
	    (collector_read_taskstats(c) != 0 || collector_read_skipped(c) != 0)) {
		/* The socket broke: read this sample again the /proc way. */
		taskstats_free(c->taskstats);
		c->taskstats = NULL;
		ret = collector_sample_processes(c);
	}
	if (c->taskstats == NULL)
		(void)collector_read_skipped(c);
	/* Only the first line is parsed; the buffer need not hold the rest. */
	if (procfs_read(c->fs, "stat", buf, sizeof(buf)) >= 0)
		(void)procfs_parse_cpu_times(buf, strlen(buf), &c->cpu);
	c->now = clock_seconds(CLOCK_MONOTONIC);
	task_table_sweep(&c->procs, c->gen, collector_drop_task, c);
	task_table_sweep(&c->tasks, c->gen, collector_drop_task, c);
	collector_remember_threads(c);
	return ret;
}

static uint64_t
counters_cpu_us(const struct task_counters *k)
{
	return k->user_us + k->sys_us;
}

static void
task_set_baseline(struct task *task)
{
	task->last_us =
	    task->has_base && counters_cpu_us(&task->cur) >= counters_cpu_us(&task->base)
	        ? counters_cpu_us(&task->cur) - counters_cpu_us(&task->base)
	        : 0;
	task->base = task->cur;
	task->has_base = true;
	task->born_after_base = false;
	task->watched = false;
}

void
collector_set_baseline(struct collector *c)
{
	for (size_t i = 0; i < c->procs.n; i++)
		task_set_baseline(&c->procs.v[i]);
	for (size_t i = 0; i < c->tasks.n; i++)
		task_set_baseline(&c->tasks.v[i]);
	c->base_time = c->now;
	c->base_boot_ticks = (uint64_t)(clock_seconds(CLOCK_BOOTTIME) * c->hz);
	c->base_real_s = (uint64_t)clock_seconds(CLOCK_REALTIME);
	c->base_cpu = c->cpu;
}

size_t
collector_task_count(const struct collector *c)
{
	return c->tasks.n;
}

/* The counters a task had at the baseline, or NULL when unknown (it existed
 * then but we did not see it). */
static const struct task_counters *
task_base(const struct task *task)
{
	static const struct task_counters zero = {0, 0, 0, 0, 0};

	if (task->has_base)
		return &task->base;
	return task->born_after_base ? &zero : NULL;
}

static double
collector_interval(const struct collector *c)
{
	double dt = c->now - c->base_time;

	return dt > 1e-3 ? dt : 1e-3;
}

static void
task_cpu(const struct collector *c, const struct task *task, double *total, double *user,
         double *sys)
{
	const struct task_counters *b = task_base(task);
	double scale = 100.0 / 1e6 / collector_interval(c);

	if (b == NULL) {
		*total = *user = *sys = NAN;
		return;
	}
	/* Counters are monotonic; clamp in case a racing read disagrees. */
	*user =
	    task->cur.user_us > b->user_us ? (double)(task->cur.user_us - b->user_us) * scale : 0;
	*sys = task->cur.sys_us > b->sys_us ? (double)(task->cur.sys_us - b->sys_us) * scale : 0;
	*total = *user + *sys;
}

/* A thread runs on one CPU at most. Its counters and the interval are read
 * at slightly different moments, so over a short interval a busy thread can
 * measure a little more: shown as 100%, user and system in proportion. */
static void
thread_cpu(const struct collector *c, const struct task *task, double *total, double *user,
           double *sys)
{
	task_cpu(c, task, total, user, sys);
	if (*total > 100.0) {
		*user *= 100.0 / *total;
		*sys *= 100.0 / *total;
		*total = 100.0;
	}
}

static double
task_cpu_total(const struct collector *c, const struct task *task)
{
	double total, user, sys;

	task_cpu(c, task, &total, &user, &sys);
	return isnan(total) ? -1.0 : total;
}

/* Reads the slower counters of a task from schedstat and status into k. */
static void
collector_read_details(struct collector *c, const struct task *task, struct task_counters *k)
{
	char path[64];
	char buf[4096];
	struct procfs_schedstat sched;
	struct procfs_status status;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/schedstat", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	k->delay_ns = n >= 0 && procfs_parse_schedstat(buf, (size_t)n, &sched) == 0 &&
	                      sched.delay_ns <= INT64_MAX
	                  ? (int64_t)sched.delay_ns
	                  : -1;
	snprintf(path, sizeof(path), "%d/task/%d/status", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	procfs_parse_status(buf, n < 0 ? 0 : (size_t)n, &status);
	k->ctxsw_voluntary = status.ctxsw_voluntary;
	k->ctxsw_involuntary = status.ctxsw_involuntary;
}

/* Under taskstats every thread's slower counters come with each sample:
 * watching is only needed on the stat path. */
static void
collector_watch(struct collector *c, struct task *task)
{
	if (task->has_stat && !task->watched) {
		task->watched = true;
		/* An idle thread's baseline is the last sample's, whose counters
		 * it kept (collector_skip_idle): nothing to read. */
		if (task->idle_samples >= COLLECTOR_IDLE_SAMPLES && task->has_base &&
		    task->base.delay_ns >= 0 && task->base.ctxsw_voluntary >= 0)
			return;
		collector_read_details(c, task, &task->base);
	}
}

void
collector_watch_all(struct collector *c)
{
	for (size_t i = 0; i < c->tasks.n; i++)
		collector_watch(c, &c->tasks.v[i]);
}

/* Busier first: more CPU in the last interval, then runnable or in
 * uninterruptible sleep right now. */
static int
compare_busier(const void *pa, const void *pb)
{
	const struct task *a = *(struct task *const *)pa, *b = *(struct task *const *)pb;
	int ra = a->st.state == 'R' || a->st.state == 'D';
	int rb = b->st.state == 'R' || b->st.state == 'D';

	if (a->last_us != b->last_us)
		return a->last_us > b->last_us ? -1 : 1;
	return rb - ra;
}

void
collector_watch_busiest(struct collector *c, size_t max)
{
	struct task **v = xmalloc((c->tasks.n ? c->tasks.n : 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < c->tasks.n; i++) {
		struct task *task = &c->tasks.v[i];

		if (task->last_us > 0 || task->st.state == 'R' || task->st.state == 'D')
			v[n++] = task;
	}
	qsort(v, n, sizeof(*v), compare_busier);
	for (size_t i = 0; i < n && i < max; i++)
		collector_watch(c, v[i]);
	free(v);
}

/* Hotter first (CPU since the baseline), then by id. */
static int
compare_hotter(const void *pa, const void *pb, void *arg)
{
	const struct task *a = *(struct task *const *)pa, *b = *(struct task *const *)pb;
	double ca = task_cpu_total(arg, a), cb = task_cpu_total(arg, b);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* The tasks of t (of process only_pid, or all when it is 0), hottest first.
 * Returns an owned array of borrowed pointers. */
static struct task **
collector_sorted(struct collector *c, const struct task_table *t, int only_pid, size_t *count)
{
	struct task **v = xmalloc((t->n ? t->n : 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (only_pid == 0 || t->v[i].pid == only_pid)
			v[n++] = &t->v[i];
	qsort_r(v, n, sizeof(*v), compare_hotter, c);
	*count = n;
	return v;
}

static const char *
collector_user_name(struct collector *c, int64_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	struct uid_name *u;

	for (size_t i = 0; i < c->nusers; i++)
		if (c->users[i].uid == uid)
			return c->users[i].name;
	c->users = xreallocarray(c->users, c->nusers + 1, sizeof(*c->users));
	u = &c->users[c->nusers++];
	u->uid = uid;
	u->name[0] = '\0';
	if (uid >= 0 && getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(u->name, sizeof(u->name), "%s", res->pw_name);
	return u->name;
}

/* A rate per second of a counter between base and cur, or NAN if either end
 * is unknown. */
static double
counter_rate(int64_t base, int64_t cur, double dt)
{
	if (base < 0 || cur < 0 || cur < base)
		return NAN;
	return (double)(cur - base) / dt;
}

/* The path of a process's file name, through thread live when that is not
 * its main thread. */
static void
collector_process_path(char *path, size_t size, int pid, int live, const char *name)
{
	if (live == pid)
		snprintf(path, size, "%d/%s", pid, name);
	else
		snprintf(path, size, "%d/task/%d/%s", pid, live, name);
}

static void
collector_fill_thread(struct collector *c, struct task *task, struct thread_row *row)
{
	const struct task_counters *b = task_base(task);
	double dt = collector_interval(c);
	char path[64];
	char buf[1024];
	ssize_t n;

	row->tid = task->id;
	row->state = task->has_stat ? task->st.state : '?';
	if (!task->has_stat || task->skipped_gen == c->gen) {
		/* taskstats has no state, and a thread skipped as idle has an
		 * old one: read it for the rows we show. */
		struct procfs_stat st;

		snprintf(path, sizeof(path), "%d/task/%d/stat", task->pid, task->id);
		n = procfs_read(c->fs, path, buf, sizeof(buf));
		if (n >= 0 && procfs_parse_stat(buf, (size_t)n, &st) == 0) {
			row->state = st.state;
			task->st = st; /* its name and flags too */
		}
	}
	memcpy(row->name, task->st.comm, sizeof(row->name));
	thread_cpu(c, task, &row->cpu_pct, &row->user_pct, &row->sys_pct);

	snprintf(path, sizeof(path), "%d/task/%d/syscall", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	row->syscall = n < 0 ? SYSCALL_UNKNOWN : procfs_parse_syscall(buf, (size_t)n);
	/* A kernel thread has no user registers: its "syscall" line is zeros. */
	if (task->st.flags & PROCFS_PF_KTHREAD)
		row->syscall = SYSCALL_NONE;

	snprintf(path, sizeof(path), "%d/task/%d/wchan", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	/* wchan reads "0" both for "not waiting" and for "not allowed to say";
	 * syscall is readable only with the same permission, so it tells which. */
	if (n < 0 || (strcmp(buf, "0") == 0 && row->syscall == SYSCALL_UNKNOWN))
		row->wchan = NULL;
	else
		row->wchan = xstrdup(strcmp(buf, "0") == 0 ? "" : buf);

	if (task->watched && task->skipped_gen != c->gen)
		collector_read_details(c, task, &task->cur);
	row->ctxsw_voluntary_per_s = row->ctxsw_involuntary_per_s = row->run_delay_pct = NAN;
	if (b != NULL) {
		row->ctxsw_voluntary_per_s =
		    counter_rate(b->ctxsw_voluntary, task->cur.ctxsw_voluntary, dt);
		row->ctxsw_involuntary_per_s =
		    counter_rate(b->ctxsw_involuntary, task->cur.ctxsw_involuntary, dt);
		row->run_delay_pct = counter_rate(b->delay_ns, task->cur.delay_ns, dt) / 1e7;
	}
}

static void
collector_fill_process(struct collector *c, const struct task *proc, size_t max_threads,
                       struct process_row *row)
{
	char path[64];
	char buf[4096];
	struct procfs_status status;
	struct task **threads;
	size_t nthreads;
	ssize_t n;
	/* Memory and arguments through a live thread: a main thread that
	 * ended (pthread_exit) shows none. */
	int live = proc->st.state == 'Z' ? procfs_live_thread(c->fs, proc->id, NULL) : proc->id;

	row->pid = proc->id;
	memcpy(row->comm, proc->st.comm, sizeof(row->comm));
	task_cpu(c, proc, &row->cpu_pct, &row->user_pct, &row->sys_pct);
	row->thread_count = proc->st.num_threads;
	if (live < 0)
		live = proc->id;

	collector_process_path(path, sizeof(path), proc->id, live, "status");
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	procfs_parse_status(buf, n < 0 ? 0 : (size_t)n, &status);
	row->uid = status.uid;
	snprintf(row->user, sizeof(row->user), "%s", collector_user_name(c, status.uid));
	row->mem = (struct mem_row){status.rss_kib, status.anon_kib, status.file_kib,
	                            status.shmem_kib, status.swap_kib};

	collector_process_path(path, sizeof(path), proc->id, live, "cmdline");
	n = procfs_read_all(c->fs, path, &row->cmdline);
	if (n >= 0) {
		/* Arguments are NUL-separated; show them space-separated. */
		while (n > 0 && row->cmdline[n - 1] == '\0')
			n--;
		for (ssize_t i = 0; i < n; i++)
			if (row->cmdline[i] == '\0')
				row->cmdline[i] = ' ';
		row->cmdline_len = (size_t)n;
	}

	threads = collector_sorted(c, &c->tasks, proc->id, &nthreads);
	if (nthreads > max_threads)
		nthreads = max_threads;
	row->threads = xcalloc(nthreads, sizeof(*row->threads));
	row->nthreads = nthreads;
	for (size_t i = 0; i < nthreads; i++)
		collector_fill_thread(c, threads[i], &row->threads[i]);
	free(threads);
}

void
collector_system(struct collector *c, struct system_row *sys)
{
	const struct procfs_cpu_times *a = &c->base_cpu, *b = &c->cpu;
	uint64_t d[8] = {b->user - a->user,       b->nice - a->nice,     b->system - a->system,
	                 b->idle - a->idle,       b->iowait - a->iowait, b->irq - a->irq,
	                 b->softirq - a->softirq, b->steal - a->steal};
	struct procfs_loadavg load;
	uint64_t total = 0;
	char buf[256];
	ssize_t n;

	for (size_t i = 0; i < 8; i++) {
		/* A counter that went backwards (a CPU went offline) says nothing. */
		if (d[i] > (uint64_t)INT64_MAX)
			d[i] = 0;
		total += d[i];
	}
	if (total == 0) {
		sys->user_pct = sys->sys_pct = sys->nice_pct = sys->iowait_pct = sys->steal_pct =
		    sys->idle_pct = NAN;
	} else {
		double t = (double)total / 100.0;

		sys->user_pct = (double)d[0] / t;
		sys->nice_pct = (double)d[1] / t;
		sys->sys_pct = (double)(d[2] + d[5] + d[6]) / t;
		sys->idle_pct = (double)d[3] / t;
		sys->iowait_pct = (double)d[4] / t;
		sys->steal_pct = (double)d[7] / t;
	}
	sys->thread_source = c->taskstats != NULL ? "taskstats" : "stat";
	sys->processes = c->procs.n;
	sys->threads = c->tasks.n;
	n = procfs_read(c->fs, "loadavg", buf, sizeof(buf));
	if (n >= 0 && procfs_parse_loadavg(buf, (size_t)n, &load) == 0) {
		memcpy(sys->load, load.load, sizeof(sys->load));
		sys->running = load.running;
	} else {
		sys->load[0] = sys->load[1] = sys->load[2] = NAN;
		sys->running = -1;
	}
	sysinfo_read(c->fs, sys);
}

struct report *
collector_report(struct collector *c, const struct report_shape *shape)
{
	struct report *r = xcalloc(1, sizeof(*r));
	size_t nprocs;
	struct task **procs = collector_sorted(c, &c->procs, 0, &nprocs);

	clock_gettime(CLOCK_REALTIME, &r->taken_at);
	r->interval_s = c->now - c->base_time;
	if (c->npids == 0 && nprocs > shape->max_procs)
		nprocs = shape->max_procs;
	r->procs = xcalloc(nprocs, sizeof(*r->procs));
	r->nprocs = nprocs;
	for (size_t i = 0; i < nprocs; i++)
		collector_fill_process(c, procs[i], shape->max_threads, &r->procs[i]);
	free(procs);
	collector_system(c, &r->system);
	return r;
}

static void
collector_brief(const struct collector *c, const struct task *task, const struct task *proc,
                struct task_brief *b)
{
	b->pid = task->pid;
	b->tid = task->id;
	b->state = task->has_stat ? task->st.state : '?';
	b->kernel = (proc->st.flags & PROCFS_PF_KTHREAD) != 0;
	memcpy(b->name, task->st.comm, sizeof(b->name));
	memcpy(b->comm, proc->st.comm, sizeof(b->comm));
	if (task != proc)
		thread_cpu(c, task, &b->cpu_pct, &b->user_pct, &b->sys_pct);
	else
		task_cpu(c, task, &b->cpu_pct, &b->user_pct, &b->sys_pct);
	b->cpu_time_us = counters_cpu_us(&task->cur);
	b->rss_kib = proc->st.rss_pages < 0 ? -1 : proc->st.rss_pages * c->page_kib;
	b->nthreads = proc->st.num_threads;
}

size_t
collector_briefs(const struct collector *c, bool threads, struct task_brief **out)
{
	const struct task_table *t = threads ? &c->tasks : &c->procs;
	struct task_brief *v = xcalloc(t->n ? t->n : 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct task *task = &t->v[i];
		const struct task *proc = threads ? task_table_find(&c->procs, task->pid) : task;

		if (proc != NULL)
			collector_brief(c, task, proc, &v[n++]);
	}
	*out = v;
	return n;
}

int
collector_thread(struct collector *c, int tid, struct thread_row *row)
{
	struct task *task = task_table_find(&c->tasks, tid);

	memset(row, 0, sizeof(*row));
	if (task == NULL)
		return -ESRCH;
	collector_fill_thread(c, task, row);
	return 0;
}

void
collector_watch_tids(struct collector *c, const int *tids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct task *task = task_table_find(&c->tasks, tids[i]);

		if (task != NULL)
			collector_watch(c, task);
	}
}
