#include "../xmalloc.h"
#include "collector_impl.h"
#include "sysinfo.h"

#include <assert.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	c->source = c->taskstats != NULL ? &collector_taskstats : &collector_sample_stat;
	*out = c;
	return 0;
}

void
collector_free(struct collector *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->procs.n; i++)
		collector_sample_drop_task(&c->procs.v[i], c);
	for (size_t i = 0; i < c->tasks.n; i++)
		collector_sample_drop_task(&c->tasks.v[i], c);
	task_table_free(&c->procs);
	task_table_free(&c->tasks);
	taskstats_free(c->taskstats);
	free(c->pending_tids);
	free(c->pending_pids);
	free(c->answers);
	for (size_t i = 0; i < c->nusers; i++)
		free(c->users[i]);
	free(c->users);
	free(c->pids);
	free(c);
}

int
collector_gone_pid(const struct collector *c)
{
	return c->gone_pid;
}

bool
collector_forget_pid(struct collector *c, int pid)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->npids; i++)
		kept += c->pids[i] != pid;
	/* Without PIDs the collector would sample every process. */
	if (kept == 0 || kept == c->npids)
		return false;
	kept = 0;
	for (size_t i = 0; i < c->npids; i++)
		if (c->pids[i] != pid)
			c->pids[kept++] = c->pids[i];
	c->npids = kept;
	return true;
}

void
collector_set_pids(struct collector *c, const int *pids, size_t npids)
{
	assert(npids > 0);
	c->pids = xreallocarray(c->pids, npids, sizeof(*pids));
	memcpy(c->pids, pids, npids * sizeof(*pids));
	c->npids = npids;
}

static void
task_set_baseline(struct task *task)
{
	task->last_us =
	    task->has_base && collector_cpu_us(&task->cur) >= collector_cpu_us(&task->base)
	        ? collector_cpu_us(&task->cur) - collector_cpu_us(&task->base)
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
	c->base_boot_ticks = (uint64_t)(collector_clock_s(CLOCK_BOOTTIME) * c->hz);
	c->base_real_s = (uint64_t)collector_clock_s(CLOCK_REALTIME);
	c->base_cpu = c->cpu;
	memcpy(c->base_cpu_each, c->cpu_each, c->ncpu_each * sizeof(*c->cpu_each));
	c->nbase_cpu_each = c->ncpu_each;
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

/* getpwuid_r may ask NSS (LDAP, sssd) and takes milliseconds there: each
 * uid is asked once for the collector's life. */
const char *
collector_user_name(struct collector *c, int64_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	struct uid_name *u;

	for (size_t i = 0; i < c->nusers; i++)
		if (c->users[i]->uid == uid)
			return c->users[i]->name;
	c->users = xreallocarray(c->users, c->nusers + 1, sizeof(*c->users));
	u = c->users[c->nusers++] = xmalloc(sizeof(*u));
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

/* Reads a process's command line (through thread live) into *out (owned),
 * its NUL-separated arguments joined by spaces. Returns its length or
 * -errno (*out NULL). */
static ssize_t
collector_read_cmdline(struct collector *c, int pid, int live, char **out)
{
	char path[64];
	ssize_t n;

	collector_process_path(path, sizeof(path), pid, live, "cmdline");
	n = procfs_read_all(c->fs, path, out);
	if (n < 0)
		return n;
	while (n > 0 && (*out)[n - 1] == '\0')
		n--;
	(*out)[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if ((*out)[i] == '\0')
			(*out)[i] = ' ';
	return n;
}

const char *
collector_cmdline(struct collector *c, int pid)
{
	struct task *proc = task_table_find(&c->procs, pid);
	int live;

	if (proc == NULL || (proc->st.flags & PROCFS_PF_KTHREAD))
		return "";
	if (proc->cmdline != NULL && strcmp(proc->cmdline_comm, proc->st.comm) == 0)
		return proc->cmdline;
	free(proc->cmdline);
	proc->cmdline = NULL;
	/* A process whose main thread ended shows its arguments through a
	 * live one. An empty line (a zombie, or a process caught in exec) is
	 * asked again next time. */
	live = proc->st.state == 'Z' ? procfs_live_thread(c->fs, proc->id, NULL) : proc->id;
	if (collector_read_cmdline(c, proc->id, live < 0 ? proc->id : live, &proc->cmdline) <= 0) {
		free(proc->cmdline);
		proc->cmdline = NULL;
		return "";
	}
	memcpy(proc->cmdline_comm, proc->st.comm, sizeof(proc->cmdline_comm));
	return proc->cmdline;
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

	n = collector_read_cmdline(c, proc->id, live, &row->cmdline);
	if (n >= 0)
		row->cmdline_len = (size_t)n;

	threads = collector_sorted(c, &c->tasks, proc->id, &nthreads);
	if (nthreads > max_threads)
		nthreads = max_threads;
	row->threads = xcalloc(nthreads, sizeof(*row->threads));
	row->nthreads = nthreads;
	for (size_t i = 0; i < nthreads; i++)
		collector_fill_thread(c, threads[i], &row->threads[i]);
	free(threads);
}

/* The counters of one CPU (or all) between two reads, as ticks: user,
 * nice, system, idle, iowait, irq, softirq, steal; their total returned. A
 * counter that went backwards (a CPU went offline) says nothing. */
static uint64_t
collector_cpu_delta(const struct procfs_cpu_times *a, const struct procfs_cpu_times *b,
                    uint64_t d[8])
{
	uint64_t total = 0;

	d[0] = b->user - a->user;
	d[1] = b->nice - a->nice;
	d[2] = b->system - a->system;
	d[3] = b->idle - a->idle;
	d[4] = b->iowait - a->iowait;
	d[5] = b->irq - a->irq;
	d[6] = b->softirq - a->softirq;
	d[7] = b->steal - a->steal;
	for (size_t i = 0; i < 8; i++) {
		if (d[i] > (uint64_t)INT64_MAX)
			d[i] = 0;
		total += d[i];
	}
	return total;
}

/* Each CPU's user and system share over the interval (NAN: no tick seen). */
static void
collector_cpu_meters(const struct collector *c, struct system_row *sys)
{
	size_t n = c->ncpu_each < c->nbase_cpu_each ? c->ncpu_each : c->nbase_cpu_each;

	sys->ncpu_meters = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t d[8];
		double t =
		    (double)collector_cpu_delta(&c->base_cpu_each[i], &c->cpu_each[i], d) / 100;

		sys->cpu_meters[i].user_pct = t > 0 ? (double)(d[0] + d[1]) / t : NAN;
		sys->cpu_meters[i].sys_pct = t > 0 ? (double)(d[2] + d[5] + d[6]) / t : NAN;
	}
}

void
collector_system(struct collector *c, struct system_row *sys)
{
	uint64_t d[8];
	uint64_t total = collector_cpu_delta(&c->base_cpu, &c->cpu, d);
	struct procfs_loadavg load;
	char buf[256];
	ssize_t n;

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
	n = procfs_read_machine(c->fs, PROCFS_LOADAVG, buf, sizeof(buf));
	if (n >= 0 && procfs_parse_loadavg(buf, (size_t)n, &load) == 0) {
		memcpy(sys->load, load.load, sizeof(sys->load));
		sys->running = load.running;
	} else {
		sys->load[0] = sys->load[1] = sys->load[2] = NAN;
		sys->running = -1;
	}
	sysinfo_read(c->fs, sys);
	collector_cpu_meters(c, sys);
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
	b->cpu_time_us = collector_cpu_us(&task->cur);
	b->rss_kib = proc->st.rss_pages < 0 ? -1 : proc->st.rss_pages * c->page_kib;
	b->nthreads = proc->st.num_threads;
	b->ppid = proc->st.ppid;
	b->nice = task->st.nice; /* from its stat, or taskstats */
	b->uid = proc->uid;
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
