#include "collector.h"

#include "../xmalloc.h"
#include "sysinfo.h"

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

/* One process or thread, as the collector remembers it between samples. */
struct task {
	int id;  /* TID, or PID in the process table */
	int pid; /* the process it belongs to */
	int fd;  /* its stat file kept open, or -1 */
	uint32_t seen;
	struct procfs_stat cur;
	bool has_base;
	uint64_t base_utime, base_stime;
	uint64_t last_ticks; /* CPU ticks in the last completed interval */
	bool watched;
	double watch_time;
	struct procfs_schedstat watch_sched;
	struct procfs_status watch_status;
};

/* Tasks in an array, found by id through an open-addressing index. */
struct task_table {
	struct task *v;
	size_t n, cap;
	uint32_t *index; /* slot -> array position + 1; 0 is empty */
	size_t index_cap;
};

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
	size_t fd_budget;
	size_t fds_open;
	struct task_table procs;
	struct task_table tasks;
	double now, base_time;                 /* CLOCK_MONOTONIC seconds */
	uint64_t base_boot_ticks;              /* the baseline in clock ticks after boot */
	struct procfs_cpu_times cpu, base_cpu; /* system-wide */
	struct uid_name *users;
	size_t nusers;
};

static double
monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
boot_ticks(double hz)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)(((double)ts.tv_sec + (double)ts.tv_nsec / 1e9) * hz);
}

static size_t
task_hash(int id, size_t cap)
{
	return ((uint32_t)id * 2654435761u) & (cap - 1);
}

static void
task_table_reindex(struct task_table *t)
{
	size_t want = 64;

	while (want < t->n * 2)
		want *= 2;
	if (want != t->index_cap) {
		free(t->index);
		t->index = xmalloc(want * sizeof(*t->index));
		t->index_cap = want;
	}
	memset(t->index, 0, t->index_cap * sizeof(*t->index));
	for (size_t i = 0; i < t->n; i++) {
		size_t s = task_hash(t->v[i].id, t->index_cap);

		while (t->index[s] != 0)
			s = (s + 1) & (t->index_cap - 1);
		t->index[s] = (uint32_t)i + 1;
	}
}

static struct task *
task_table_find(const struct task_table *t, int id)
{
	if (t->index_cap == 0)
		return NULL;
	for (size_t s = task_hash(id, t->index_cap); t->index[s] != 0;
	     s = (s + 1) & (t->index_cap - 1)) {
		struct task *task = &t->v[t->index[s] - 1];

		if (task->id == id)
			return task;
	}
	return NULL;
}

static struct task *
task_table_add(struct task_table *t, int id, int pid)
{
	struct task *task;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	task = &t->v[t->n++];
	memset(task, 0, sizeof(*task));
	task->id = id;
	task->pid = pid;
	task->fd = -1;
	if (t->n * 2 > t->index_cap)
		task_table_reindex(t);
	else {
		size_t s = task_hash(id, t->index_cap);

		while (t->index[s] != 0)
			s = (s + 1) & (t->index_cap - 1);
		t->index[s] = (uint32_t)t->n;
	}
	return task;
}

static void
collector_close_task(struct collector *c, struct task *task)
{
	if (task->fd >= 0) {
		close(task->fd);
		task->fd = -1;
		c->fds_open--;
	}
}

/* Drops the tasks the latest sample did not see: they have exited. */
static void
collector_sweep(struct collector *c, struct task_table *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].seen != c->gen) {
			collector_close_task(c, &t->v[i]);
			continue;
		}
		t->v[kept++] = t->v[i];
	}
	if (kept != t->n) {
		t->n = kept;
		task_table_reindex(t);
	}
}

static void
task_table_free(struct collector *c, struct task_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		collector_close_task(c, &t->v[i]);
	free(t->v);
	free(t->index);
}

/* Raises the soft fd limit to the hard one: each cached stat file holds an fd. */
static size_t
collector_fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit raised = {rl.rlim_max, rl.rlim_max};

		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1 << 20;
	return rl.rlim_cur > COLLECTOR_FD_RESERVE ? rl.rlim_cur - COLLECTOR_FD_RESERVE : 0;
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
	c->fd_budget = collector_fd_budget();
	*out = c;
	return 0;
}

void
collector_free(struct collector *c)
{
	if (c == NULL)
		return;
	task_table_free(c, &c->procs);
	task_table_free(c, &c->tasks);
	free(c->users);
	free(c->pids);
	free(c);
}

int
collector_gone_pid(const struct collector *c)
{
	return c->gone_pid;
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
			collector_close_task(c, task);
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
	if (task->seen != 0 && st.starttime != task->cur.starttime) {
		/* Same id, another task: forget what we knew of the old one. */
		task->has_base = false;
		task->watched = false;
	}
	task->cur = st;
	task->seen = c->gen;
	return 0;
}

static struct task *
task_table_get(struct task_table *t, int id, int pid)
{
	struct task *task = task_table_find(t, id);

	return task ? task : task_table_add(t, id, pid);
}

/* Samples one process and its threads. Returns 0 or -errno for the process
 * itself; threads that vanish are simply skipped. */
static int
collector_sample_process(struct collector *c, int pid)
{
	char path[64];
	int *tids = NULL;
	ssize_t ntids;
	int err, taskfd;

	snprintf(path, sizeof(path), "%d/stat", pid);
	err = collector_read_stat(c, task_table_get(&c->procs, pid, pid), procfs_root_fd(c->fs),
	                          path);
	if (err != 0)
		return err;
	snprintf(path, sizeof(path), "%d/task", pid);
	taskfd = procfs_open_dir(c->fs, path);
	if (taskfd < 0)
		return taskfd;
	ntids = procfs_list_ids_fd(taskfd, &tids);
	for (ssize_t i = 0; i < ntids; i++) {
		snprintf(path, sizeof(path), "%d/stat", tids[i]);
		/* A thread that exits between the listing and the read is normal. */
		(void)collector_read_stat(c, task_table_get(&c->tasks, tids[i], pid), taskfd, path);
	}
	close(taskfd);
	free(tids);
	return ntids < 0 ? (int)ntids : 0;
}

int
collector_sample(struct collector *c)
{
	char buf[512];
	int *pids = c->pids;
	ssize_t npids = (ssize_t)c->npids;
	int ret = 0;

	c->gen++;
	if (c->gen == 0)
		c->gen = 1; /* 0 marks a task never seen */
	if (c->npids == 0) {
		npids = procfs_list_ids(c->fs, ".", &pids);
		if (npids < 0)
			return (int)npids;
	}
	for (ssize_t i = 0; i < npids; i++) {
		int err = collector_sample_process(c, pids[i]);
		const struct task *proc = task_table_find(&c->procs, pids[i]);

		/* A requested process that is now a zombie has exited: its parent
		 * just has not reaped it yet. */
		if (err == 0 && c->npids > 0 && proc &&
		    (proc->cur.state == 'Z' || proc->cur.state == 'X'))
			err = -ESRCH;
		if (err != 0 && c->npids > 0 && ret == 0) {
			c->gone_pid = pids[i];
			ret = procfs_is_gone(err) ? -ESRCH : err;
		}
	}
	if (pids != c->pids)
		free(pids);
	/* Only the first line is parsed; the buffer need not hold the rest. */
	if (procfs_read(c->fs, "stat", buf, sizeof(buf)) >= 0)
		(void)procfs_parse_cpu_times(buf, strlen(buf), &c->cpu);
	c->now = monotonic_now();
	collector_sweep(c, &c->procs);
	collector_sweep(c, &c->tasks);
	return ret;
}

static void
task_set_baseline(struct task *task)
{
	task->last_ticks = task->has_base ? (task->cur.utime + task->cur.stime) -
	                                        (task->base_utime + task->base_stime)
	                                  : 0;
	task->has_base = true;
	task->base_utime = task->cur.utime;
	task->base_stime = task->cur.stime;
}

void
collector_set_baseline(struct collector *c)
{
	for (size_t i = 0; i < c->procs.n; i++)
		task_set_baseline(&c->procs.v[i]);
	for (size_t i = 0; i < c->tasks.n; i++) {
		task_set_baseline(&c->tasks.v[i]);
		c->tasks.v[i].watched = false;
	}
	c->base_time = c->now;
	c->base_boot_ticks = boot_ticks(c->hz);
	c->base_cpu = c->cpu;
}

size_t
collector_task_count(const struct collector *c)
{
	return c->tasks.n;
}

/* CPU ticks a task used since the baseline, or false when unknown. */
static bool
task_ticks(const struct collector *c, const struct task *task, uint64_t *user, uint64_t *sys)
{
	uint64_t bu = 0, bs = 0;

	if (task->has_base) {
		bu = task->base_utime;
		bs = task->base_stime;
	} else if (task->cur.starttime < c->base_boot_ticks) {
		/* It existed at the baseline but we did not see it then. */
		return false;
	}
	/* Counters are monotonic; clamp in case a racing read disagrees. */
	*user = task->cur.utime > bu ? task->cur.utime - bu : 0;
	*sys = task->cur.stime > bs ? task->cur.stime - bs : 0;
	return true;
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
	uint64_t u, s;
	double scale = 100.0 / c->hz / collector_interval(c);

	if (!task_ticks(c, task, &u, &s)) {
		*total = *user = *sys = NAN;
		return;
	}
	*user = (double)u * scale;
	*sys = (double)s * scale;
	*total = *user + *sys;
}

static double
task_cpu_total(const struct collector *c, const struct task *task)
{
	double total, user, sys;

	task_cpu(c, task, &total, &user, &sys);
	return isnan(total) ? -1.0 : total;
}

/* Reads the slower counters of a task: schedstat and status. */
static void
collector_read_details(struct collector *c, const struct task *task, struct procfs_schedstat *sched,
                       struct procfs_status *status)
{
	char path[64];
	char buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/schedstat", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	if (n < 0 || procfs_parse_schedstat(buf, (size_t)n, sched) != 0)
		memset(sched, 0xff, sizeof(*sched)); /* all-ones: unknown */
	snprintf(path, sizeof(path), "%d/task/%d/status", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	procfs_parse_status(buf, n < 0 ? 0 : (size_t)n, status);
}

static void
collector_watch(struct collector *c, struct task *task)
{
	task->watched = true;
	task->watch_time = monotonic_now();
	collector_read_details(c, task, &task->watch_sched, &task->watch_status);
}

void
collector_watch_all(struct collector *c)
{
	for (size_t i = 0; i < c->tasks.n; i++)
		collector_watch(c, &c->tasks.v[i]);
}

/* Orders tasks by CPU since the baseline, hottest first, then by id. */
static int
compare_hotter(const struct collector *c, const struct task *a, const struct task *b)
{
	double ca = task_cpu_total(c, a), cb = task_cpu_total(c, b);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* qsort has no context argument; qsort_r (glibc) does. */
static int
compare_task_ptrs(const void *a, const void *b, void *arg)
{
	return compare_hotter(arg, *(struct task *const *)a, *(struct task *const *)b);
}

static struct task **
collector_sorted(struct collector *c, const struct task_table *t, int only_pid, size_t *count)
{
	struct task **v = xmalloc((t->n ? t->n : 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (only_pid == 0 || t->v[i].pid == only_pid)
			v[n++] = &t->v[i];
	qsort_r(v, n, sizeof(*v), compare_task_ptrs, c);
	*count = n;
	return v;
}

/* Busier first: more CPU in the last interval, then runnable or in
 * uninterruptible sleep right now. */
static int
compare_busier(const void *pa, const void *pb)
{
	const struct task *a = *(struct task *const *)pa, *b = *(struct task *const *)pb;
	int ra = a->cur.state == 'R' || a->cur.state == 'D';
	int rb = b->cur.state == 'R' || b->cur.state == 'D';

	if (a->last_ticks != b->last_ticks)
		return a->last_ticks > b->last_ticks ? -1 : 1;
	return rb - ra;
}

void
collector_watch_busiest(struct collector *c, size_t max)
{
	struct task **v = xmalloc((c->tasks.n ? c->tasks.n : 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < c->tasks.n; i++) {
		struct task *task = &c->tasks.v[i];

		if (task->last_ticks > 0 || task->cur.state == 'R' || task->cur.state == 'D')
			v[n++] = task;
	}
	qsort(v, n, sizeof(*v), compare_busier);
	for (size_t i = 0; i < n && i < max; i++)
		collector_watch(c, v[i]);
	free(v);
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

static void
collector_fill_thread(struct collector *c, const struct task *task, struct thread_row *row)
{
	char path[64];
	char buf[256];
	ssize_t n;

	row->tid = task->id;
	memcpy(row->name, task->cur.comm, sizeof(row->name));
	row->state = task->cur.state;
	task_cpu(c, task, &row->cpu_pct, &row->user_pct, &row->sys_pct);

	snprintf(path, sizeof(path), "%d/task/%d/syscall", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	row->syscall = n < 0 ? PROCFS_SYSCALL_UNKNOWN : procfs_parse_syscall(buf, (size_t)n);

	snprintf(path, sizeof(path), "%d/task/%d/wchan", task->pid, task->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	/* wchan reads "0" both for "not waiting" and for "not allowed to say";
	 * syscall is readable only with the same permission, so it tells which. */
	if (n < 0 || (strcmp(buf, "0") == 0 && row->syscall == PROCFS_SYSCALL_UNKNOWN))
		row->wchan = NULL;
	else
		row->wchan = xstrdup(strcmp(buf, "0") == 0 ? "" : buf);
	/* A kernel thread has no user registers: its "syscall" line is zeros. */
	if (task->cur.flags & PROCFS_PF_KTHREAD)
		row->syscall = PROCFS_SYSCALL_NONE;

	row->ctxsw_voluntary_per_s = row->ctxsw_involuntary_per_s = row->run_delay_pct = NAN;
	if (task->watched) {
		struct procfs_schedstat sched;
		struct procfs_status status;
		double dt = monotonic_now() - task->watch_time;

		collector_read_details(c, task, &sched, &status);
		if (dt <= 1e-3)
			return;
		if (status.ctxsw_voluntary >= 0 && task->watch_status.ctxsw_voluntary >= 0) {
			row->ctxsw_voluntary_per_s =
			    (double)(status.ctxsw_voluntary - task->watch_status.ctxsw_voluntary) /
			    dt;
			row->ctxsw_involuntary_per_s =
			    (double)(status.ctxsw_involuntary -
			             task->watch_status.ctxsw_involuntary) /
			    dt;
		}
		if (sched.delay_ns != UINT64_MAX && task->watch_sched.delay_ns != UINT64_MAX &&
		    sched.delay_ns >= task->watch_sched.delay_ns)
			row->run_delay_pct = (double)(sched.delay_ns - task->watch_sched.delay_ns) /
			                     1e9 / dt * 100.0;
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

	row->pid = proc->id;
	memcpy(row->comm, proc->cur.comm, sizeof(row->comm));
	task_cpu(c, proc, &row->cpu_pct, &row->user_pct, &row->sys_pct);
	row->thread_count = proc->cur.num_threads;

	snprintf(path, sizeof(path), "%d/status", proc->id);
	n = procfs_read(c->fs, path, buf, sizeof(buf));
	procfs_parse_status(buf, n < 0 ? 0 : (size_t)n, &status);
	row->uid = status.uid;
	snprintf(row->user, sizeof(row->user), "%s", collector_user_name(c, status.uid));
	row->mem = (struct mem_row){status.rss_kib, status.anon_kib, status.file_kib,
	                            status.shmem_kib, status.swap_kib};

	snprintf(path, sizeof(path), "%d/cmdline", proc->id);
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

static void
collector_fill_system(struct collector *c, struct system_row *sys)
{
	const struct procfs_cpu_times *a = &c->base_cpu, *b = &c->cpu;
	uint64_t d[8] = {b->user - a->user,       b->nice - a->nice,     b->system - a->system,
	                 b->idle - a->idle,       b->iowait - a->iowait, b->irq - a->irq,
	                 b->softirq - a->softirq, b->steal - a->steal};
	uint64_t total = 0;

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
	sys->processes = c->procs.n;
	sys->threads = c->tasks.n;
	sys->running = 0;
	for (size_t i = 0; i < c->tasks.n; i++)
		if (c->tasks.v[i].cur.state == 'R')
			sys->running++;
	sysinfo_read(sys);
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
	collector_fill_system(c, &r->system);
	return r;
}
