#include "stacks.h"

#include "../clock.h"
#include "../xmalloc.h"
#include "procfs_parse.h"
#include "ptrace.h"
#include "python_merge.h"
#include "python_stack.h"
#include "unwind.h"

#include <errno.h>

/* How often --python reads again a stack that changed under it. */
#define STACKS_PYTHON_TRIES 3
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names and states come from stat, read before the stop so as not to
 * lengthen it. */
void
stacks_read_thread(const struct procfs *fs, int pid, struct thread_stack *t)
{
	struct procfs_stat st;

	t->state = '?';
	if (procfs_read_task_stat(fs, pid, t->tid, &st) == 0) {
		memcpy(t->name, st.comm, sizeof(t->name));
		t->state = st.state;
	}
}

static void
stacks_unwind(struct unwinder *u, const struct thread_snapshot *s, struct thread_stack *t)
{
	struct unwind_frame *frames;
	struct unwind_end end;
	size_t n;

	/* A zombie (a main thread that ended) cannot be seized: it exited. */
	t->err = s->err != 0 && t->state == 'Z' ? -ESRCH : s->err;
	if (s->err != 0)
		return;
	frames = xreallocarray(NULL, STACKS_MAX_FRAMES, sizeof(*frames));
	n = unwinder_unwind(u, s, frames, STACKS_MAX_FRAMES, &end);
	unwind_end_text(&end, t->cut, sizeof(t->cut));
	t->frames = xcalloc(n ? n : 1, sizeof(*t->frames));
	t->nframes = n;
	for (size_t i = 0; i < n; i++)
		unwinder_symbolize(u, &frames[i], &t->frames[i]);
	free(frames);
}

/* The Python side of a dump: the target, its memory, and its frames as
 * followed (while the threads were stopped, or not at all stopped). */
struct stacks_python {
	struct python_target target;
	int pid;
	struct python_memory mem;
	struct python_raw raw;
	int err;
};

static void
stacks_python_read(void *arg)
{
	struct stacks_python *py = arg;

	py->err = python_stack_read(&py->target, &py->mem, &py->raw);
}

/* Reads the Python frames without stopping the target: each thread's walk
 * checked, torn ones made again, a few times, then dropped. */
static void
stacks_python_read_running(struct stacks_python *py)
{
	py->err =
	    python_stack_read_running(&py->target, &py->mem, STACKS_PYTHON_TRIES, NULL, &py->raw);
}

/* The Python frames of thread t, named, and whether they line up with its
 * native frames (then merged into them). */
static void
stacks_python_thread(struct python_namer *namer, const struct python_raw_thread *rt,
                     struct thread_stack *t, bool merge)
{
	struct frame_row *py = python_stack_name_thread(namer, rt), *merged;
	size_t nmerged;

	t->python = true;
	/* A free-threaded build has no GIL: unknown rather than "no". */
	t->holds_gil = python_namer_target(namer)->layout.free_threaded ? -1 : rt->holds_gil;
	if (merge && t->err == 0 &&
	    python_merge(t->frames, t->nframes, py, rt->frames, rt->nframes, &merged, &nmerged)) {
		thread_stack_clear(t);
		t->frames = merged;
		t->nframes = nmerged;
		frame_rows_free(py, rt->nframes);
	} else {
		/* Python alone, or both side by side when they do not line up. */
		if (merge && t->err == 0) {
			t->native_frames = t->frames;
			t->nnative = t->nframes;
		} else {
			thread_stack_clear(t);
		}
		t->frames = py;
		t->nframes = rt->nframes;
		t->err = 0;
	}
}

void
stacks_python_map_tids(const struct procfs *fs, int pid, const struct python_target *t,
                       const struct python_memory *mem, struct python_raw *raw)
{
	char path[64];
	int *all = NULL;
	ssize_t n;

	/* Before 3.11 thread states are matched against every thread of the
	 * process, not only those asked for. */
	snprintf(path, sizeof(path), "%d/task", pid);
	if ((n = procfs_list_ids(fs, path, &all)) > 0) {
		int *inner = NULL;

		/* Ids differ only in a PID namespace of its own: one status read
		 * tells, rather than one per thread. */
		if (procfs_inner_id(fs, pid, pid) != pid) {
			inner = xcalloc((size_t)n, sizeof(*inner));
			for (ssize_t k = 0; k < n; k++)
				inner[k] = procfs_inner_id(fs, pid, all[k]);
		}
		python_stack_map_tids(t, mem, raw, all, inner, (size_t)n);
		free(inner);
	}
	free(all);
}

/* Puts the Python frames into the threads of d. */
static void
stacks_python_apply(const struct procfs *fs, struct stacks_python *py, struct dump_report *d,
                    bool merge)
{
	struct python_namer *namer = python_namer_new(&py->target, &py->mem);

	stacks_python_map_tids(fs, d->pid, &py->target, &py->mem, &py->raw);
	python_stack_thread_names(namer, &py->raw);
	for (size_t i = 0; i < d->nthreads; i++)
		d->threads[i].holds_gil = -1;
	for (size_t k = 0; k < py->raw.nthreads; k++) {
		const struct python_raw_thread *rt = &py->raw.threads[k];

		if (rt->holds_gil && rt->tid > 0)
			d->gil_holder = rt->tid;
		for (size_t i = 0; i < d->nthreads; i++) {
			if (d->threads[i].tid != rt->tid || d->threads[i].python)
				continue;
			stacks_python_thread(namer, rt, &d->threads[i], merge);
			if (rt->name != NULL)
				d->threads[i].python_name = xstrdup(rt->name);
		}
	}
	python_namer_free(namer);
}

/* What is read while the threads are stopped: the Python frames, then
 * the caller's hook. */
struct stacks_stopped {
	struct stacks_python *py;       /* NULL: none */
	const struct stacks_hook *hook; /* NULL: none */
};

static void
stacks_while_stopped(void *arg)
{
	struct stacks_stopped *st = arg;

	if (st->py != NULL)
		stacks_python_read(st->py);
	if (st->hook != NULL)
		st->hook->fn(st->hook->arg,
		             st->py != NULL && st->py->err == 0 ? &st->py->raw : NULL);
}

/* The stacks of threads tids of process pid (comm from its stat), unwound
 * by u (NULL for Python frames alone); py, when not NULL, is a Python
 * process whose frames are wanted too, merged, or alone (and then without a
 * stop); hook, when not NULL, is called while the threads are stopped (with
 * Python frames alone: after they are read). */
static int
stacks_take_tids(const struct procfs *fs, int pid, const char *comm, const int *tids, size_t n,
                 struct unwinder *u, struct stacks_python *py, const struct stacks_hook *hook,
                 struct dump_report **out)
{
	struct stacks_stopped stopped = {py, hook};
	struct snapshot_request req = {
	    .stack_bytes = STACKS_COPY_BYTES,
	    .other_stack_bytes = STACKS_COPY_OTHER_BYTES,
	    .stack_extent = unwinder_stack_extent,
	    .extent_arg = u,
	    .while_stopped = py != NULL || hook != NULL ? stacks_while_stopped : NULL,
	    .while_stopped_arg = &stopped,
	    /* Native stacks are each their own: no thread held for another;
	     * a hook reads at the instant all are stopped. */
	    .each_alone = py == NULL && hook == NULL,
	};
	struct snapshot snap;
	bool python_only = u == NULL;
	struct dump_report *d;
	int err = 0;

	d = xcalloc(1, sizeof(*d));
	d->pid = pid;
	snprintf(d->comm, sizeof(d->comm), "%s", comm);
	d->threads = xcalloc(n ? n : 1, sizeof(*d->threads));
	d->nthreads = n;
	for (size_t i = 0; i < n; i++) {
		d->threads[i].tid = tids[i];
		d->threads[i].holds_gil = -1;
		stacks_read_thread(fs, pid, &d->threads[i]);
	}
	if (py != NULL)
		py->err = 0; /* a watch's previous take may have left one */

	if (python_only) {
		stacks_python_read_running(py);
		if (hook != NULL)
			hook->fn(hook->arg, py->err == 0 ? &py->raw : NULL);
	} else {
		err = ptrace_snapshot(tids, n, &req, &snap);
		d->stopped_ms = snap.stopped_ms;
		d->skipped = snap.skipped;
		for (size_t i = 0; err == 0 && i < n; i++)
			stacks_unwind(u, &snap.threads[i], &d->threads[i]);
		ptrace_snapshot_free(&snap);
	}
	if (err == 0 && py != NULL && py->err == 0)
		stacks_python_apply(fs, py, d, !python_only);
	if (py != NULL)
		python_raw_free(&py->raw);
	if (err == 0 && py != NULL && py->err != 0)
		err = py->err == -ESRCH ? -ESRCH : -EFAULT;
	if (err != 0) {
		dump_report_free(d);
		return err;
	}
	*out = d;
	return 0;
}

int
stacks_read_process(const struct procfs *fs, int pid, struct procfs_stat *st)
{
	int err = procfs_read_task_stat(fs, pid, pid, st);

	return err == 0 && procfs_stat_gone(st) ? -ESRCH : err;
}

static struct module *
stacks_unwinder_file(void *unwinder, const struct procfs_map *map)
{
	return unwinder_file(unwinder, map);
}

int
stacks_python_find(const struct procfs *fs, int pid, const struct procfs_stat *st,
                   struct unwinder *u, struct python_target *out)
{
	struct python_files files = {NULL, 0, stacks_unwinder_file, NULL, u};

	if (u == NULL)
		return python_find(fs, pid, out);
	/* The maps of a process whose main thread ended are a live thread's:
	 * the interpreter is not looked for, as python_find would not. */
	if (st->state != 'Z')
		files.n = unwinder_maps(u, &files.maps);
	return python_find_in(pid, &files, out);
}

void
stacks_python_info(const struct python_target *t, int err, struct python_info *out)
{
	char known[96];

	memset(out, 0, sizeof(*out));
	if (err != 0 && err != -ENOTSUP)
		return;
	snprintf(out->version, sizeof(out->version), "%s", t->version);
	out->free_threaded = err == 0 && t->layout.free_threaded;
	out->found_by = err == 0 ? t->found_by : NULL;
	if (err == -ENOTSUP) /* never a silently native-only stack */
		snprintf(out->unreadable, sizeof(out->unreadable),
		         "CPython %s is a version stacktop cannot read (it reads %s): no Python "
		         "frames",
		         out->version[0] ? out->version : "(version unknown)",
		         python_layout_known(known, sizeof(known)));
}

/* The Python side of pid for mode: *py (owned) when its frames are
 * wanted and readable, NULL otherwise; *info says which CPython it is, and
 * why its frames will be missing when it cannot be read. Returns 0, or the
 * error when Python frames were demanded (or the process is gone). */
static int
stacks_python_new(const struct procfs *fs, int pid, const struct procfs_stat *st,
                  enum stacks_mode mode, struct unwinder *u, struct stacks_python **out,
                  struct python_info *info)
{
	struct stacks_python *py;
	int err;

	*out = NULL;
	memset(info, 0, sizeof(*info));
	if (mode == STACKS_NATIVE)
		return 0;
	py = xcalloc(1, sizeof(*py));
	py->pid = pid;
	py->mem = (struct python_memory){python_memory_live, &py->pid, python_memory_live_v};
	err = stacks_python_find(fs, pid, st, u, &py->target);
	stacks_python_info(&py->target, err, info);
	if (err != 0) {
		free(py);
		return mode != STACKS_AUTO || err == -ESRCH ? err : 0;
	}
	*out = py;
	return 0;
}

/* One process whose stacks are taken again and again: what is costly to
 * find (the unwinder's opened files and symbol tables, the interpreter) is
 * found once. */
struct stacks_watch {
	const struct procfs *fs;
	int pid;
	double maps_read_at;      /* monotonic seconds */
	struct unwinder *u;       /* NULL: Python frames alone, no stop */
	struct stacks_python *py; /* NULL: not a Python process, or unreadable */
	struct python_info python;
};

/* A watch for mode: with STACKS_PYTHON no unwinder (u stays NULL), and its
 * takes read Python frames alone without a stop. */
static int
stacks_watch_open(const struct procfs *fs, int pid, enum stacks_mode mode,
                  struct stacks_watch **out)
{
	struct stacks_watch *w = xcalloc(1, sizeof(*w));
	struct procfs_stat st;
	int err;

	*out = NULL;
	w->fs = fs;
	w->pid = pid;
	/* The unwinder first: the interpreter search opens files through it. */
	if ((err = stacks_read_process(fs, pid, &st)) != 0 ||
	    (mode != STACKS_PYTHON && (err = unwinder_new(fs, pid, &w->u)) != 0) ||
	    (err = stacks_python_new(fs, pid, &st, mode, w->u, &w->py, &w->python)) != 0) {
		stacks_watch_free(w);
		return procfs_is_gone(err) ? -ESRCH : err;
	}
	w->maps_read_at = clock_monotonic_s();
	*out = w;
	return 0;
}

int
stacks_watch_new(const struct procfs *fs, int pid, struct stacks_watch **out)
{
	return stacks_watch_open(fs, pid, STACKS_AUTO, out);
}

void
stacks_watch_free(struct stacks_watch *w)
{
	if (w == NULL)
		return;
	unwinder_free(w->u);
	free(w->py);
	free(w);
}

int
stacks_watch_pid(const struct stacks_watch *w)
{
	return w->pid;
}

const struct python_target *
stacks_watch_python(const struct stacks_watch *w)
{
	return w->py != NULL ? &w->py->target : NULL;
}

/* True when the process runs a JVM: its executable is java, or it maps
 * HotSpot's libjvm.so (a launcher of another name). */
static bool
stacks_is_jvm(struct unwinder *u)
{
	const struct procfs_map *maps;
	size_t n = unwinder_maps(u, &maps);

	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(maps[i].path, '/');

		base = base != NULL ? base + 1 : maps[i].path;
		if (strcmp(base, "libjvm.so") == 0 || (i == 0 && strcmp(base, "java") == 0))
			return true;
	}
	return false;
}

/* A JVM's compiled Java frames have no names without its JIT symbol map,
 * which HotSpot writes only when asked (JDK 17+; or -XX:+DumpPerfMapAtExit
 * at exit, too late). */
static void
stacks_jit_hint(struct unwinder *u, struct dump_report *d)
{
	if (u == NULL || !stacks_is_jvm(u) || unwinder_perfmap(u) != -ENOENT)
		return;
	snprintf(d->hint, sizeof(d->hint),
	         "a JVM without a JIT symbol map (/tmp/perf-PID.map): compiled Java frames "
	         "show as ??; run `jcmd %d Compiler.perfmap` (JDK 17+) and dump again",
	         d->pid);
}

int
stacks_watch_take_hooked(struct stacks_watch *w, const int *tids, size_t n,
                         const struct stacks_hook *hook, struct dump_report **out)
{
	struct procfs_stat st;
	bool changed;
	int err;

	*out = NULL;
	if ((err = stacks_read_process(w->fs, w->pid, &st)) != 0)
		return err;
	/* A library loaded since, or an exec: the maps are read again, but not
	 * on every take: a process with thousands of threads has thousands of
	 * stack mappings, and its maps cost milliseconds to read. */
	if (w->u != NULL && clock_monotonic_s() - w->maps_read_at >= STACKS_WATCH_MAPS_S) {
		if ((err = unwinder_refresh(w->u, &changed)) != 0)
			return procfs_is_gone(err) ? -ESRCH : err;
		w->maps_read_at = clock_monotonic_s();
	}
	err = stacks_take_tids(w->fs, w->pid, st.comm, tids, n, w->u, w->py, hook, out);
	if (err == 0) {
		(*out)->python = w->python;
		stacks_jit_hint(w->u, *out);
	}
	return err;
}

int
stacks_watch_take(struct stacks_watch *w, const int *tids, size_t n, struct dump_report **out)
{
	return stacks_watch_take_hooked(w, tids, n, NULL, out);
}

int
stacks_dump(const struct procfs *fs, int pid, enum stacks_mode mode, struct dump_report **out)
{
	struct stacks_watch *w;
	char path[64];
	int *tids = NULL;
	ssize_t n;
	int err = stacks_watch_open(fs, pid, mode, &w);

	*out = NULL;
	if (err != 0)
		return err;
	snprintf(path, sizeof(path), "%d/task", pid);
	n = procfs_list_ids(fs, path, &tids);
	err = n < 0 ? (procfs_is_gone((int)n) ? -ESRCH : (int)n)
	            : stacks_watch_take(w, tids, (size_t)n, out);
	free(tids);
	stacks_watch_free(w);
	return err;
}

int
stacks_take(const struct procfs *fs, int pid, const int *tids, size_t n, struct dump_report **out)
{
	struct stacks_watch *w;
	int err = stacks_watch_new(fs, pid, &w);

	*out = NULL;
	if (err == 0)
		err = stacks_watch_take(w, tids, n, out);
	stacks_watch_free(w);
	return err;
}
