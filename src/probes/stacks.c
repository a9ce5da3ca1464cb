#include "stacks.h"

#include "../clock.h"
#include "../xmalloc.h"
#include "procfs_parse.h"
#include "ptrace.h"
#include "python_locals.h"
#include "python_merge.h"
#include "python_namer.h"
#include "python_stack.h"
#include "target.h"
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

/* The Python side of one snapshot: the frames as followed (while the
 * threads were stopped, or not at all stopped), read from target t. */
struct stacks_python {
	struct target *t;
	struct python_raw raw;
	int err;
	bool want_locals;
	/* With want_locals: each thread's frames' variables (only the locals
	 * fields of these rows are used), read with the frames. Owned. */
	struct frame_row **locals;
};

/* Reads the variables of every frame of every thread of py->raw: while the
 * threads are stopped, so that each value is the one its frame held when
 * its stack was taken (a running thread replaces them as it goes). */
static void
stacks_python_read_locals(struct stacks_python *py)
{
	const struct python_layout *l = &target_python(py->t)->layout;
	const struct python_memory *mem = target_memory(py->t);

	py->locals = xcalloc(py->raw.nthreads ? py->raw.nthreads : 1, sizeof(*py->locals));
	for (size_t k = 0; k < py->raw.nthreads; k++) {
		const struct python_raw_thread *rt = &py->raw.threads[k];

		py->locals[k] = xcalloc(rt->nframes ? rt->nframes : 1, sizeof(**py->locals));
		for (size_t i = 0; i < rt->nframes; i++)
			(void)python_locals_read(l, mem, &rt->frames[i], &py->locals[k][i]);
	}
}

static void
stacks_python_locals_free(struct stacks_python *py)
{
	for (size_t k = 0; py->locals != NULL && k < py->raw.nthreads; k++)
		frame_rows_free(py->locals[k], py->raw.threads[k].nframes);
	free(py->locals);
	py->locals = NULL;
}

static void
stacks_python_read(void *arg)
{
	struct stacks_python *py = arg;

	py->err = python_stack_read(target_python(py->t), target_memory(py->t), &py->raw);
	if (py->err == 0 && py->want_locals)
		stacks_python_read_locals(py);
}

/* Reads the Python frames without stopping the target: each thread's walk
 * checked, torn ones made again, a few times, then dropped. */
static void
stacks_python_read_running(struct stacks_python *py)
{
	py->err = python_stack_read_running(target_python(py->t), target_memory(py->t),
	                                    STACKS_PYTHON_TRIES, NULL, &py->raw);
	if (py->err == 0 && py->want_locals)
		stacks_python_read_locals(py);
}

/* The Python frames of thread t, named, with their variables when they
 * were read (locals: rt->nframes rows, moved from), and whether they line
 * up with its native frames (then merged into them). */
static void
stacks_python_thread(struct python_namer *namer, const struct python_raw_thread *rt,
                     struct frame_row *locals, struct thread_stack *t, bool merge)
{
	struct frame_row *py = python_namer_thread(namer, rt), *merged;
	size_t nmerged;

	for (size_t i = 0; locals != NULL && i < rt->nframes; i++) {
		py[i].has_locals = locals[i].has_locals;
		py[i].locals = locals[i].locals;
		py[i].nlocals = locals[i].nlocals;
		py[i].locals_omitted = locals[i].locals_omitted;
		locals[i].locals = NULL;
		locals[i].nlocals = 0;
	}

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

/* Puts the Python frames into the threads of d. */
static void
stacks_python_apply(struct stacks_python *py, struct dump_report *d, bool merge)
{
	struct python_namer *namer = target_namer(py->t);

	target_name_threads(py->t, &py->raw);
	for (size_t i = 0; i < d->nthreads; i++)
		d->threads[i].holds_gil = -1;
	for (size_t k = 0; k < py->raw.nthreads; k++) {
		const struct python_raw_thread *rt = &py->raw.threads[k];

		if (rt->holds_gil && rt->tid > 0)
			d->gil_holder = rt->tid;
		for (size_t i = 0; i < d->nthreads; i++) {
			if (d->threads[i].tid != rt->tid || d->threads[i].python)
				continue;
			stacks_python_thread(namer, rt, py->locals != NULL ? py->locals[k] : NULL,
			                     &d->threads[i], merge);
			if (rt->name != NULL)
				d->threads[i].python_name = xstrdup(rt->name);
		}
	}
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

/* The stacks of threads tids of t's process (comm from its stat), unwound
 * by its unwinder (none: Python frames alone, without a stop), with its
 * Python frames when it is a Python process, merged or alone; hook, when
 * not NULL, is called while the threads are stopped (with Python frames
 * alone: after they are read). */
static int
stacks_take_tids(struct target *t, const char *comm, const int *tids, size_t n,
                 const struct stacks_hook *hook, bool locals, struct dump_report **out)
{
	const struct procfs *fs = target_procfs(t);
	int pid = target_pid(t);
	struct unwinder *u = target_unwinder(t);
	struct stacks_python python = {t, {0}, 0, locals, NULL};
	struct stacks_python *py = target_python(t) != NULL ? &python : NULL;
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
		stacks_python_apply(py, d, !python_only);
	if (py != NULL) {
		stacks_python_locals_free(py);
		python_stack_raw_free(&py->raw);
	}
	if (err == 0 && py != NULL && py->err != 0)
		err = py->err == -ESRCH ? -ESRCH : -EFAULT;
	if (err != 0) {
		dump_report_free(d);
		return err;
	}
	*out = d;
	return 0;
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

/* stacks_snapshot, and with locals each Python frame's variables. */
static int
stacks_snapshot_with(struct target *t, const int *tids, size_t n, const struct stacks_hook *hook,
                     bool locals, struct dump_report **out)
{
	struct procfs_stat st;
	int err;

	*out = NULL;
	if ((err = target_alive(t, &st)) != 0 || (err = target_refresh_due(t)) != 0)
		return err;
	err = stacks_take_tids(t, st.comm, tids, n, hook, locals, out);
	if (err == 0) {
		(*out)->python = *target_python_info(t);
		stacks_jit_hint(target_unwinder(t), *out);
	}
	return err;
}

int
stacks_snapshot(struct target *t, const int *tids, size_t n, const struct stacks_hook *hook,
                struct dump_report **out)
{
	return stacks_snapshot_with(t, tids, n, hook, false, out);
}

int
stacks_dump(const struct procfs *fs, int pid, enum target_frames frames, bool locals,
            struct dump_report **out)
{
	struct target *t;
	int *tids = NULL;
	ssize_t n;
	int err = target_open(fs, pid, frames, frames != TARGET_PYTHON, &t);

	*out = NULL;
	if (err != 0)
		return err;
	n = target_threads(t, &tids);
	err = n < 0 ? (int)n : stacks_snapshot_with(t, tids, (size_t)n, NULL, locals, out);
	free(tids);
	target_close(t);
	return err;
}

int
stacks_take(const struct procfs *fs, int pid, const int *tids, size_t n, struct dump_report **out)
{
	struct target *t;
	int err = target_open(fs, pid, TARGET_AUTO, true, &t);

	*out = NULL;
	if (err == 0)
		err = stacks_snapshot(t, tids, n, NULL, out);
	target_close(t);
	return err;
}
