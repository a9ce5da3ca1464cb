/* Sampling for the collector: each process's stat, then its threads
 * through the collector's thread source (collector_impl.h), skipping
 * threads that stay idle while their process's CPU is explained. */
#include "../xmalloc.h"
#include "collector_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
void
collector_sample_drop_task(struct task *task, void *arg)
{
	collector_close_fd(arg, task);
	free(task->tids);
	task->tids = NULL;
	free(task->cmdline);
	task->cmdline = NULL;
}

/* Marks a task seen in this sample, as the same task or as a new one. */
void
collector_sample_see(struct collector *c, struct task *task, uint64_t identity, bool same)
{
	if (task->seen == 0 || !same) {
		/* New, or the id now names another task: forget the old one. */
		task->has_base = false;
		task->watched = false;
		task->last_us = 0;
		task->born_after_base = false;
		free(task->cmdline);
		task->cmdline = NULL;
	}
	task->identity = identity;
	task->seen = c->gen;
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
	collector_sample_see(c, task, st.starttime, task->identity == st.starttime);
	if (!task->has_base)
		task->born_after_base = st.starttime >= c->base_boot_ticks;
	task->st = st;
	task->has_stat = true;
	task->cur = (struct task_counters){
	    .user_us = collector_ticks_to_us(st.utime, c->hz),
	    .sys_us = collector_ticks_to_us(st.stime, c->hz),
	    .ctxsw_voluntary = -1,
	    .ctxsw_involuntary = -1,
	    .delay_ns = -1,
	};
	return 0;
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

struct task_before
collector_sample_before(const struct task *task)
{
	return (struct task_before){task->seen, task->identity, collector_cpu_us(&task->cur)};
}

/* The CPU a task used since its state b, read before this read; -1 when
 * unknown (new, or its id now names another task). */
static int64_t
task_ran_us(const struct task *task, const struct task_before *b)
{
	uint64_t now = collector_cpu_us(&task->cur);

	if (b->seen == 0 || b->identity != task->identity || now < b->cpu_us)
		return -1;
	return (int64_t)(now - b->cpu_us);
}

/* After a thread was read: whether it stays idle, and its share of its
 * process's CPU in this sample. A thread seen for the first time counts
 * all it used: it was most likely born since the previous sample. */
void
collector_sample_note_thread(struct collector *c, struct task *task, const struct task_before *b)
{
	int64_t ran = task_ran_us(task, b);
	struct task *proc = task_table_find(&c->procs, task->pid);

	task->idle_samples = ran == 0 ? task->idle_samples + 1 : 0;
	if (proc != NULL)
		proc->threads_ran_us += ran >= 0 ? (uint64_t)ran : collector_cpu_us(&task->cur);
}

/* Reads one thread's stat (relpath under dirfd) and notes what it ran.
 * Returns what collector_read_stat returns. */
static int
collector_read_thread_stat(struct collector *c, struct task *task, int dirfd, const char *relpath)
{
	struct task_before b = collector_sample_before(task);
	int err = collector_read_stat(c, task, dirfd, relpath);

	if (err == 0)
		collector_sample_note_thread(c, task, &b);
	return err;
}

/* Makes room in the thread table for those of the n tids it does not hold
 * yet, in one step (a first sample adds thousands). */
void
collector_sample_reserve(struct collector *c, const int *tids, size_t n)
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

/* The stat source: thread tid of proc read now, from its stat file. */
static int
collector_stat_take(struct collector *c, struct task *proc, int tid, int dirfd)
{
	char path[64];
	int pid = proc->id;

	if (dirfd >= 0)
		snprintf(path, sizeof(path), "%d/stat", tid);
	else
		snprintf(path, sizeof(path), "%d/task/%d/stat", pid, tid);
	/* task_table_get may move other threads, never the processes. */
	return collector_read_thread_stat(c, task_table_get(&c->tasks, tid, pid),
	                                  dirfd >= 0 ? dirfd : procfs_root_fd(c->fs), path);
}

/* Nothing is queued on the stat path. */
static int
collector_stat_sweep(struct collector *c, size_t from, bool relist)
{
	(void)c;
	(void)from;
	(void)relist;
	return 0;
}

const struct collector_source collector_sample_stat = {
    "stat",
    false,
    collector_stat_take,
    collector_stat_sweep,
};

/* Reads or queues (c->source) the threads in proc->tids; dirfd is their
 * task directory, or -1 to open them from the root. Returns how many reads
 * failed because the thread is gone. */
static size_t
collector_read_threads(struct collector *c, struct task *proc, int dirfd)
{
	size_t gone = 0;

	if (!c->source->queues)
		collector_sample_reserve(c, proc->tids, proc->ntids);
	for (size_t i = 0; i < proc->ntids; i++) {
		int tid = proc->tids[i];

		if (!collector_skip_idle(c, proc, tid) &&
		    procfs_is_gone(c->source->take(c, proc, tid, dirfd)))
			gone++;
	}
	return gone;
}

/* Lists proc's threads afresh and reads or queues them. Returns 0 or -errno. */
int
collector_sample_relist(struct collector *c, struct task *proc)
{
	int taskfd = collector_list_threads(c, proc);

	if (taskfd < 0)
		return taskfd;
	(void)collector_read_threads(c, proc, taskfd);
	close(taskfd);
	return 0;
}

/* Samples one process and reads or queues its threads. Returns 0 or -errno
 * for the process itself; threads that vanish are simply skipped. */
static int
collector_sample_process(struct collector *c, int pid)
{
	char path[64];
	struct task *proc = task_table_get(&c->procs, pid, pid);
	struct task_before b = collector_sample_before(proc);
	struct stat dir;
	int err;

	snprintf(path, sizeof(path), "%d/stat", pid);
	err = collector_read_stat(c, proc, procfs_root_fd(c->fs), path);
	if (err != 0)
		return err;
	/* The owner as ps and htop show it: /proc/PID's, the effective uid (an
	 * open stat fd's inode keeps the owner it had when opened). Asked for a
	 * new process, then every COLLECTOR_FULL_EVERY samples, spread over
	 * them (a server drops privileges after it starts): a path lookup each,
	 * measured here at ~2 us, 2 ms a sample on 1,000 processes otherwise. */
	if (b.seen == 0 || b.identity != proc->identity ||
	    ((uint32_t)pid + c->gen) % COLLECTOR_FULL_EVERY == 0) {
		snprintf(path, sizeof(path), "%d", pid);
		proc->uid =
		    fstatat(procfs_root_fd(c->fs), path, &dir, 0) == 0 ? (int64_t)dir.st_uid : -1;
	}
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
	return collector_sample_relist(c, proc);
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
		if (err == 0 && c->npids > 0 && proc && procfs_parse_stat_gone(&proc->st))
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
 * source failed (taskstats' socket). */
static int
collector_read_skipped(struct collector *c)
{
	int64_t slack = (int64_t)collector_ticks_to_us(COLLECTOR_SLACK_TICKS, c->hz);
	size_t first = c->npending;

	for (size_t i = 0; i < c->procs.n; i++) {
		struct task *proc = &c->procs.v[i];

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
			(void)c->source->take(c, proc, task->id, -1);
		}
	}
	return c->source->sweep(c, first, false);
}

/* /proc/stat's total and per-CPU lines. They come first: the buffer need
 * not hold the rest (the interrupt counts, long on a big machine). */
static void
collector_sample_cpus(struct collector *c)
{
	size_t size = 128 * (SYSTEM_CPU_METERS + 1);
	char *buf = xmalloc(size);
	ssize_t n = procfs_read_machine(c->fs, PROCFS_STAT, buf, size);

	if (n >= 0) {
		(void)procfs_parse_cpu_times(buf, (size_t)n, &c->cpu);
		c->ncpu_each =
		    procfs_parse_cpu_each(buf, (size_t)n, c->cpu_each, SYSTEM_CPU_METERS);
	}
	free(buf);
}

int
collector_sample(struct collector *c)
{
	int ret, err;

	if (++c->gen == 0)
		c->gen = 1; /* 0 marks a task never seen */
	ret = collector_sample_processes(c);
	err = c->source->sweep(c, 0, true);
	if (err == 0)
		err = collector_read_skipped(c);
	if (err != 0) {
		/* The source broke (taskstats' socket): read this sample again
		 * the /proc way. */
		taskstats_free(c->taskstats);
		c->taskstats = NULL;
		c->source = &collector_sample_stat;
		ret = collector_sample_processes(c);
		(void)collector_read_skipped(c);
	}
	collector_sample_cpus(c);
	c->now = collector_clock_s(CLOCK_MONOTONIC);
	task_table_sweep(&c->procs, c->gen, collector_sample_drop_task, c);
	task_table_sweep(&c->tasks, c->gen, collector_sample_drop_task, c);
	collector_remember_threads(c);
	return ret;
}
