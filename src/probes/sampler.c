#include "../clock.h"
#include "../xmalloc.h"
#include "module.h"
#include "sampler_impl.h"
#include "target.h"
#include "unwind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

void
sampler_close_thread(struct sampler *s, struct sampled_thread *t)
{
	if (t->schedstat_fd >= 0) {
		close(t->schedstat_fd);
		s->fds_open--;
	}
	if (t->stat_fd >= 0) {
		close(t->stat_fd);
		s->fds_open--;
	}
	if (t->perf != NULL)
		s->fds_open--;
	perf_events_free(t->perf);
	t->perf = NULL;
	t->schedstat_fd = t->stat_fd = -1;
}

/* Reads the file name of thread t (schedstat or stat) into buf through the
 * fd cached in *fd: opened on first use while the budget allows, otherwise
 * opened, read and closed. Returns the length or -errno. */
static ssize_t
sampler_read_file(struct sampler *s, int tid, const char *name, int *fd, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int once;

	snprintf(path, sizeof(path), "%d/%s", tid, name);
	if (*fd < 0 && s->fds_open < s->fd_budget && (*fd = procfs_openat(s->task_dir, path)) >= 0)
		s->fds_open++;
	if (*fd >= 0)
		return procfs_pread(*fd, buf, size);
	if ((once = procfs_openat(s->task_dir, path)) < 0)
		return once;
	n = procfs_pread(once, buf, size);
	close(once);
	return n;
}

void
sampler_free(struct sampler *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nthreads; i++)
		sampler_close_thread(s, &s->threads[i]);
	free(s->threads);
	if (s->task_dir >= 0)
		close(s->task_dir);
	if (s->stat_fd >= 0)
		close(s->stat_fd);
	if (s->statm_fd >= 0)
		close(s->statm_fd);
	target_close(s->target);
	free(s->native);
	free(s->key);
	perf_events_free_cpus(s->cpu_events, s->ncpus);
	python_stack_raw_free(&s->raw);
	python_stack_raw_free(&s->prev_raw);
	tid_names_free(s->names, s->nnames);
	sampler_async_free(s);
	free(s);
}

/* sampler_new, or with fed a sampler whose perf samples come from outside
 * (sampler_new_fed): no event of its own. */
static int
sampler_make(const struct procfs *fs, int pid, enum sampler_mode what, enum target_frames frames,
             unsigned hz, bool fed, struct sampler **out)
{
	/* Only a Python process has a GIL to follow. */
	enum target_frames mode =
	    what == SAMPLER_GIL && frames == TARGET_AUTO ? TARGET_MIXED : frames;
	struct sampler *s = xcalloc(1, sizeof(*s));
	char path[64];
	int err;

	*out = NULL;
	s->fs = fs;
	s->pid = pid;
	s->idle = what == SAMPLER_WALL;
	s->gil = what == SAMPLER_GIL;
	s->period_ns = 1000000000ULL / (hz ? hz : 1);
	s->fd_budget = procfs_fd_budget(SAMPLER_FD_RESERVE);
	snprintf(path, sizeof(path), "%d/task", pid);
	s->task_dir = procfs_open_dir(fs, path);
	/* The main thread's stat: the process's makes the kernel sum every
	 * thread's times, and says nothing more that a round needs. */
	snprintf(path, sizeof(path), "%d/task/%d/stat", pid, pid);
	s->stat_fd = procfs_open(fs, path);
	snprintf(path, sizeof(path), "%d/statm", pid);
	s->statm_fd = procfs_open(fs, path);  /* without it, the maps are read each round */
	s->maps_read_s = clock_monotonic_s(); /* by unwinder_new */
	err = s->task_dir < 0 ? s->task_dir : s->stat_fd < 0 ? s->stat_fd : 0;
	/* With an unwinder even for Python frames alone: the interpreter is
	 * found through the files it opens. */
	if (err == 0)
		err = target_open(fs, pid, mode, true, &s->target);
	if (err != 0) {
		sampler_free(s);
		return procfs_is_gone(err) ? -ESRCH : err;
	}
	s->unwinder = target_unwinder(s->target);
	s->py = target_python(s->target);
	s->mem = target_memory(s->target);
	if (s->py != NULL) {
		s->python_only = mode == TARGET_PYTHON;
		s->own_namespace = procfs_inner_id(fs, pid, pid) != pid;
		s->namer = target_namer(s->target);
	}
	/* A CPU profile from perf events unless they are refused or
	 * STACKTOP_PERF=0 says not to (the tests of the ptrace path). */
	const char *env = getenv("STACKTOP_PERF");

	if (what == SAMPLER_CPU && !fed) {
		s->perf = env == NULL || strcmp(env, "0") != 0;
		s->perf_err = s->perf ? 0 : -ECANCELED;
	}
	/* Python frames alone: the kernel's samples say which threads were on
	 * a CPU and how often, their stacks are read from the process. */
	if (s->perf) {
		unsigned perf_hz = s->python_only && hz > SAMPLER_PERF_PYTHON_MAX_HZ
		                       ? SAMPLER_PERF_PYTHON_MAX_HZ
		                       : hz;

		s->perf_cfg = (struct perf_events_config){
		    .hz = perf_hz,
		    .kernel = true,
		    .stack_bytes = s->python_only ? 0 : PERF_EVENTS_STACK_BYTES,
		    .ring_pages = s->python_only ? sampler_perf_tick_ring_pages(perf_hz)
		                                 : SAMPLER_PERF_RING_PAGES,
		};
		if ((err = sampler_perf_start(s)) != 0) {
			sampler_free(s);
			return -ESRCH;
		}
	}
	s->fed = fed;
	if (fed && (err = sampler_read_process(s)) != 0) {
		sampler_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int
sampler_new(const struct procfs *fs, int pid, enum sampler_mode what, enum target_frames frames,
            unsigned hz, struct sampler **out)
{
	return sampler_make(fs, pid, what, frames, hz, false, out);
}

int
sampler_new_fed(const struct procfs *fs, int pid, enum target_frames frames, unsigned hz,
                struct sampler **out)
{
	return sampler_make(fs, pid, SAMPLER_CPU, frames, hz, true, out);
}

enum sampler_path
sampler_path(const struct sampler *s, int *why)
{
	*why = s->perf_err;
	if (s->python_only)
		return SAMPLER_LIVE;
	return s->perf ? SAMPLER_PERF : SAMPLER_PTRACE;
}

const struct python_info *
sampler_python(const struct sampler *s)
{
	return target_python_info(s->target);
}

const char *
sampler_comm(const struct sampler *s)
{
	return s->comm;
}

size_t
sampler_threads(const struct sampler *s)
{
	return s->nthreads;
}

/* The process is alive and its name is current (an exec renames it). Its
 * state is its main thread's: a main thread that ended (pthread_exit) is a
 * zombie while the other threads go on, so only a zombie with no other
 * thread is a process that is gone. */
int
sampler_read_process(struct sampler *s)
{
	char buf[1024];
	struct procfs_stat st;
	ssize_t n = procfs_pread(s->stat_fd, buf, sizeof(buf));

	if (n < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	if (procfs_parse_stat(buf, (size_t)n, &st) != 0 || procfs_parse_stat_gone(&st))
		return -ESRCH;
	memcpy(s->comm, st.comm, sizeof(s->comm));
	s->kernel_threads = st.num_threads;
	return 0;
}

struct sampled_thread *
sampler_find(struct sampled_thread *threads, size_t n, int tid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (threads[mid].tid == tid)
			return &threads[mid];
		if (threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Reads a thread's CPU time and decides whether to sample it. It ran since
 * the last round when its CPU time moved; a thread seen for the first time
 * counts as having run, except in the first round of a CPU profile, which
 * only sets the baseline. A CPU profile then takes only the threads that are
 * on a run queue now (state R), as an on-CPU sampler would find them: a
 * thread that ran a little and went back to sleep would otherwise show where
 * it sleeps. A wall-clock profile takes every thread whose stack may have
 * changed: one that ran, or is still running; the others are counted with
 * the stack they slept in. */
static void
sampler_read_thread(struct sampler *s, struct sampled_thread *t)
{
	char buf[1024];
	struct procfs_schedstat ss;
	struct procfs_stat st;
	ssize_t n = sampler_read_file(s, t->tid, "schedstat", &t->schedstat_fd, buf, sizeof(buf));

	t->ran = false;
	if (n < 0 || procfs_parse_schedstat(buf, (size_t)n, &ss) != 0) {
		s->relist = true; /* gone since the listing */
		return;
	}
	if (!t->known)
		t->ran = s->rounds > 0 || s->idle;
	else
		t->ran = ss.run_ns != t->run_ns;
	if (t->known && ss.run_ns > t->run_ns)
		t->credit_ns += ss.run_ns - t->run_ns;
	t->known = true;
	t->run_ns = ss.run_ns;
	/* The kernel adds to a running thread's CPU time at scheduler ticks
	 * (every 4 ms at HZ=250), so at high rates one that runs on may show no
	 * change: a thread running at the last round is looked at again. */
	if (!t->ran && !t->running)
		return;
	n = sampler_read_file(s, t->tid, "stat", &t->stat_fd, buf, sizeof(buf));
	t->running = n >= 0 && procfs_parse_stat(buf, (size_t)n, &st) == 0 && st.state == 'R';
	t->ran = s->idle ? t->ran || t->running : t->running;
	if (t->running) {
		t->stime_moved = st.stime != t->stime;
		t->stime = st.stime;
	}
}

/* How many samples a stopped thread stands for in a CPU profile: its CPU
 * time since it was last counted, in periods (the remainder carried). A
 * thread found at a syscall (orig_rax is the syscall's number) whose
 * system time did not move is not on a CPU: it woke from a blocking call
 * and waits for one, its registers still where it slept; it is not
 * counted, and its CPU time waits for a stop that finds it at work. (A
 * thread preempted in its own code waits for a CPU too, but there it is
 * where its CPU time went.) Other modes count each stop once. Returns
 * false when the thread is not to be counted. */
uint64_t
sampler_take_credit(struct sampler *s, struct sampled_thread *t)
{
	uint64_t periods = t->credit_ns / s->period_ns;

	t->credit_ns -= periods * s->period_ns;
	return periods;
}

static bool
sampler_weigh(struct sampler *s, struct sampled_thread *t, const struct thread_snapshot *snap,
              uint64_t *weight)
{
	*weight = 1;
	if (s->idle || s->gil)
		return true;
	if (snap->regs.orig_rax != (unsigned long long)-1 && !t->stime_moved)
		return false;
	*weight = sampler_take_credit(s, t);
	return *weight > 0;
}

/* Reads the maps again if they may have changed since they were last read:
 * a library loaded or unloaded, an exec, a thread's stack, grown memory
 * (the process's size or text moved, in statm), or SAMPLER_MAPS_EVERY_S. */
int
sampler_refresh_maps(struct sampler *s)
{
	char buf[256];
	unsigned long long vm = 0, text = 0;
	ssize_t n = s->statm_fd >= 0 ? procfs_pread(s->statm_fd, buf, sizeof(buf) - 1) : -1;
	double now = clock_monotonic_s();
	bool read = n > 0, changed;
	int err;

	if (read) {
		buf[n] = '\0';
		read = sscanf(buf, "%llu %*u %*u %llu", &vm, &text) == 2;
	}
	if (read && vm == s->vm_pages && text == s->text_pages &&
	    now - s->maps_read_s < SAMPLER_MAPS_EVERY_S)
		return 0;
	s->vm_pages = vm;
	s->text_pages = text;
	s->maps_read_s = now;
	err = unwinder_refresh(s->unwinder, &changed);
	return err != 0 && procfs_is_gone(err) ? -ESRCH : err;
}

/* Lists the threads again, keeping what we knew of those still there. */
int
sampler_list(struct sampler *s)
{
	struct sampled_thread *threads;
	int *tids;
	ssize_t n = procfs_list_ids_fd(s->task_dir, &tids);

	if (n <= 0) {
		free(tids);
		return n == 0 || procfs_is_gone((int)n) ? -ESRCH : (int)n;
	}
	qsort(tids, (size_t)n, sizeof(*tids), compare_ints);
	threads = xcalloc((size_t)n, sizeof(*threads));
	for (ssize_t i = 0; i < n; i++) {
		struct sampled_thread *old = sampler_find(s->threads, s->nthreads, tids[i]);

		if (old != NULL) {
			threads[i] = *old;
			old->schedstat_fd = old->stat_fd = -1; /* moved */
			old->perf = NULL;
		} else {
			threads[i] = (struct sampled_thread){
			    .tid = tids[i], .schedstat_fd = -1, .stat_fd = -1};
		}
	}
	for (size_t i = 0; i < s->nthreads; i++)
		sampler_close_thread(s, &s->threads[i]); /* those that ended */
	free(s->threads);
	free(tids);
	s->threads = threads;
	s->nthreads = (size_t)n;
	return 0;
}

/* Our own stop makes a thread run: the interrupt wakes it, and after the
 * detach it runs again to go back to what it waited for. Read the CPU time of
 * the threads we stopped once more, now that unwinding gave them time to
 * settle, so that the next round does not take that for work of their own
 * (and stop every sleeping thread again, round after round). */
static void
sampler_rebase(struct sampler *s)
{
	char buf[128];
	struct procfs_schedstat ss;

	for (size_t i = 0; i < s->nthreads; i++) {
		struct sampled_thread *t = &s->threads[i];
		ssize_t n;

		if (!t->ran)
			continue;
		n = sampler_read_file(s, t->tid, "schedstat", &t->schedstat_fd, buf, sizeof(buf));
		if (n >= 0 && procfs_parse_schedstat(buf, (size_t)n, &ss) == 0)
			t->run_ns = ss.run_ns;
	}
}

/* Stops threads tids[0..n) (of those that ran this round), all together
 * or each on its own (alone: struct snapshot_request's each_alone), then,
 * with the target running again, counts each one's stack; adds the time
 * they were held to *stopped_ms. Returns 0 or ptrace_snapshot's error. */
static int
sampler_stop_count(struct sampler *s, struct profile *p, const int *tids, size_t n, bool alone,
                   double *stopped_ms)
{
	struct snapshot_request req = {
	    .stack_bytes = STACKS_COPY_BYTES,
	    .other_stack_bytes = STACKS_COPY_OTHER_BYTES,
	    .stack_extent = unwinder_stack_extent,
	    .extent_arg = s->unwinder,
	    .while_stopped = s->py != NULL ? sampler_python_read_stopped : NULL,
	    .while_stopped_arg = s,
	    .each_alone = alone,
	};
	struct snapshot snap;
	int err = ptrace_snapshot(tids, n, &req, &snap);

	if (err == 0 && s->py != NULL)
		sampler_python_map(s);
	*stopped_ms += snap.stopped_ms;
	/* The target runs again: now the maps, unwinding and names. */
	if (err == 0)
		err = sampler_refresh_maps(s);
	for (size_t k = 0; err == 0 && k < n; k++) {
		struct sampled_thread *t = sampler_find(s->threads, s->nthreads, tids[k]);
		struct sampler_hit h = {.tid = tids[k],
		                        .snap = &snap.threads[k],
		                        .py = sampler_python_thread(s, tids[k]),
		                        .weight = 1};

		if (s->gil && !sampler_python_holds_gil(s, tids[k]))
			; /* stopped with the others, but another thread holds it */
		else if (snap.threads[k].err == 0 &&
		         sampler_weigh(s, t, &snap.threads[k], &h.weight))
			t->last = sampler_count(s, p, &h);
		else if (snap.threads[k].err != 0 && snap.threads[k].err != -ESRCH)
			p->errors++; /* a thread that ended meanwhile is no error */
	}
	ptrace_snapshot_free(&snap);
	return err;
}

int
sampler_round(struct sampler *s, struct profile *p)
{
	double stopped_ms = 0;
	int *tids;
	size_t nran = 0;
	int err;

	/* A thread killed while we held it is our zombie until we wait for it:
	 * until then the kernel counts it among the process's threads, and a
	 * process killed whole would look alive for as long as we record,
	 * rounds with no thread that ran taking no snapshot to reap it. */
	ptrace_release_pending();
	if (s->relist || s->process_read_s == 0 ||
	    clock_monotonic_s() - s->process_read_s >= SAMPLER_PROCESS_EVERY_S) {
		if ((err = sampler_read_process(s)) != 0)
			return err;
		s->process_read_s = clock_monotonic_s();
	}
	sampler_async_round(s);
	if (s->perf)
		return sampler_perf_round(s, p);
	/* Listing the threads costs about a microsecond each; skip it when they
	 * cannot have changed: the kernel counts as many as we know and none of
	 * ours was found gone (a birth raises the count unless a death hides
	 * it, and a death shows as a failed read). */
	if (s->threads == NULL || s->relist || s->kernel_threads != (int64_t)s->nthreads) {
		if ((err = sampler_list(s)) != 0)
			return err;
		s->relist = false;
	}
	for (size_t i = 0; i < s->nthreads; i++) {
		sampler_read_thread(s, &s->threads[i]);
		nran += s->threads[i].ran;
	}
	s->rounds++;
	p->ticks++;
	tids = xcalloc(nran ? nran : 1, sizeof(*tids));
	nran = 0;
	for (size_t i = 0; i < s->nthreads; i++) {
		if (s->threads[i].ran)
			tids[nran++] = s->threads[i].tid;
		else if (s->idle && s->threads[i].last > 0) {
			profile_count(p, &p->stacks[s->threads[i].last - 1], 1);
		}
	}
	/* Python frames alone are read without a stop: in GIL mode whether or
	 * not any thread's CPU time moved (the holder may block in C). */
	if (nran == 0 && !(s->python_only && s->gil)) {
		free(tids);
		return 0;
	}
	if (s->python_only) {
		free(tids);
		return sampler_python_round(s, p);
	}
	/* A CPU profile needs no instant common to its threads: each is let
	 * go as soon as its copy is made (each_alone), so that one waiting for a CPU to enter its
	 * stop (a saturated box) holds none of the others (measured with 4 hogs per CPU: the
	 * stallprobe's probe thread held 36 ms, when all the threads that ran were stopped
	 * together, against 2.4 quiet). Python frames are read with every thread stopped (the walk
	 * needs them still), and a wall-clock or GIL profile shows one instant. */
	err =
	    sampler_stop_count(s, p, tids, nran, !s->idle && !s->gil && s->py == NULL, &stopped_ms);
	p->stopped_ms_sum += stopped_ms;
	if (stopped_ms > p->stopped_ms_max)
		p->stopped_ms_max = stopped_ms;
	p->stops++;
	sampler_rebase(s);
	free(tids);
	return err;
}

/* Whether a native frame of p is in the file path. */
static bool
sampler_profile_uses(const struct profile *p, const char *path)
{
	for (size_t i = 0; i < p->nstacks; i++)
		for (size_t k = 0; k < p->stacks[i].nframes; k++) {
			const struct frame_row *f = &p->stacks[i].frames[k];

			if (!f->python && f->module != NULL && strcmp(f->module, path) == 0)
				return true;
		}
	return false;
}

void
sampler_modules(struct sampler *s, struct profile *p)
{
	struct unwinder *u = s->target != NULL ? target_unwinder(s->target) : NULL;
	const struct procfs_map *maps;
	size_t n = u != NULL ? unwinder_maps(u, &maps) : 0;

	for (size_t i = 0; i < n; i++) {
		const struct procfs_map *m = &maps[i];
		const unsigned char *id = NULL;
		char hex[2 * 64 + 1] = "";
		struct module *file;
		size_t len = 0;

		if (m->perms[2] != 'x' || m->path[0] != '/' || !sampler_profile_uses(p, m->path))
			continue;
		if ((file = unwinder_file(u, m)) != NULL)
			len = module_build_id(file, &id);
		for (size_t k = 0; k < len && k < 64; k++)
			snprintf(hex + 2 * k, 3, "%02x", id[k]);
		profile_add_module(p, m->path, m->start, m->end, m->offset, hex);
	}
}
