#include "python_tasks.h"

#include "../addr_index.h"
#include "../xmalloc.h"
#include "python_asyncio.h"
#include "python_locals.h"
#include "python_namer.h"
#include "python_string.h"
#include "target.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How far up a class's bases a task class is looked for (a subclass of a
 * subclass of asyncio.Task). */
#define TASKS_BASE_DEPTH 8

struct tasks_loop {
	uint64_t loop, ident;
};

/* What kind of task class a type is. */
enum tasks_class {
	TASKS_NOT_TASK,
	TASKS_C_TASK,  /* _asyncio.Task, or a subclass of it */
	TASKS_PY_TASK, /* asyncio.tasks.Task in pure Python, or a subclass */
};

/* What the census's visitor keeps of each stop (an attempt made again
 * starts over). */
struct tasks_stop {
	const struct python_asyncio_layout *al;
	/* The stopped target's, borrowed from the census's start to its
	 * finish: */
	const struct python_target *target;
	const struct python_memory *mem; /* through the census's copy */
	struct python_namer *namer;      /* over mem */
	/* Type addresses seen, and the kind of each. */
	struct addr_index seen;
	enum tasks_class *seen_class;
	size_t nseen;
	uint64_t *task_types, *py_task_types;
	size_t ntask_types, npy_task_types;
	uint64_t *found; /* task objects */
	size_t nfound;
	struct python_task *tasks;
	size_t ntasks;
	/* The event loops of the tasks, and the ident of the thread running
	 * each (0: not running). */
	struct tasks_loop *loops;
	size_t nloops;
	/* With locals: per task, its frames' variables (frame_rows of which
	 * only the locals are filled), read while stopped. */
	bool locals;
	struct frame_row **frame_locals;
};

/* Frees s's frames' variables (those not moved into the report). */
static void
tasks_locals_free(struct tasks_stop *s)
{
	for (size_t i = 0; s->frame_locals != NULL && i < s->ntasks; i++) {
		for (size_t k = 0; s->frame_locals[i] != NULL && k < s->tasks[i].nframes; k++)
			frame_row_clear(&s->frame_locals[i][k]);
		free(s->frame_locals[i]);
	}
	free(s->frame_locals);
	s->frame_locals = NULL;
}

/* Whether type is asyncio's pure-Python Task: the class Task of the module
 * asyncio.tasks (the one asyncio uses when the C _asyncio module is
 * missing; defined, and unused, beside the C one otherwise), named as the
 * census names a class, module-qualified. The cheap test of its short
 * name first: most types are not named Task. */
static bool
tasks_is_py_task(struct python_namer *namer, uint64_t type)
{
	const struct python_target *t = python_namer_target(namer);
	const struct python_memory *mem = python_namer_memory(namer);
	char *name;
	bool is;

	if (!python_string_type_named(&t->layout, mem, type, "Task"))
		return false;
	name = python_types_name_of(t, mem, namer, type, true);
	is = strcmp(name, "asyncio.tasks.Task") == 0;
	free(name);
	return is;
}

/* What kind of task class type is, by it or a base of it. */
static enum tasks_class
tasks_class_of(struct python_namer *namer, uint64_t type)
{
	const struct python_layout *l = &python_namer_target(namer)->layout;
	const struct python_memory *mem = python_namer_memory(namer);

	for (int depth = 0; type != 0 && depth < TASKS_BASE_DEPTH; depth++) {
		if (python_string_type_named(l, mem, type, "_asyncio.Task"))
			return TASKS_C_TASK;
		if (tasks_is_py_task(namer, type))
			return TASKS_PY_TASK;
		if (l->type.tp_base < 0 ||
		    python_memory_u64(mem, type + (uint64_t)l->type.tp_base, &type) != 0)
			return TASKS_NOT_TASK;
	}
	return TASKS_NOT_TASK;
}

static void
tasks_add_type(uint64_t **types, size_t *n, uint64_t type)
{
	*types = xreallocarray(*types, *n + 1, sizeof(uint64_t));
	(*types)[(*n)++] = type;
}

static void
tasks_visit(void *arg, uint64_t object, uint64_t type)
{
	struct tasks_stop *s = arg;
	size_t at = addr_index_find_or_add(&s->seen, type, s->nseen);

	if (at == s->nseen) {
		enum tasks_class class = tasks_class_of(s->namer, type);

		s->seen_class = xreallocarray(s->seen_class, s->nseen + 1, sizeof(*s->seen_class));
		s->seen_class[s->nseen++] = class;
		if (class == TASKS_C_TASK)
			tasks_add_type(&s->task_types, &s->ntask_types, type);
		else if (class == TASKS_PY_TASK)
			tasks_add_type(&s->py_task_types, &s->npy_task_types, type);
	}
	if (s->seen_class[at] != TASKS_NOT_TASK && s->nfound < TASK_GRAPH_MAX_TASKS) {
		s->found = xreallocarray(s->found, s->nfound + 1, sizeof(uint64_t));
		s->found[s->nfound++] = object;
	}
}

static void
tasks_start(void *arg, const struct python_target *t, const struct python_memory *mem)
{
	struct tasks_stop *s = arg;

	addr_index_clear(&s->seen);
	s->nseen = s->ntask_types = s->npy_task_types = s->nfound = s->nloops = 0;
	tasks_locals_free(s);
	python_asyncio_tasks_free(s->tasks, s->ntasks);
	s->tasks = NULL;
	s->ntasks = 0;
	python_namer_free(s->namer);
	s->target = t;
	s->mem = mem;
	s->namer = python_namer_new(t, mem);
}

/* After the walk, still stopped: the tasks it found are read from the same
 * copy, so the chain of each task's coroutines is of one instant. */
static void
tasks_finish(void *arg)
{
	struct tasks_stop *s = arg;
	struct python_asyncio_types types = {.task_types = s->task_types,
	                                     .ntask_types = s->ntask_types,
	                                     .py_task_types = s->py_task_types,
	                                     .npy_task_types = s->npy_task_types};

	python_asyncio_read(s->target, s->al, s->mem, s->namer, &types, s->found, s->nfound,
	                    &s->tasks);
	s->ntasks = s->nfound;
	if (s->locals) {
		s->frame_locals = xcalloc(s->ntasks ? s->ntasks : 1, sizeof(*s->frame_locals));
		for (size_t i = 0; i < s->ntasks; i++) {
			const struct python_task *t = &s->tasks[i];

			s->frame_locals[i] =
			    xcalloc(t->nframes ? t->nframes : 1, sizeof(*s->frame_locals[i]));
			for (size_t k = 0; k < t->nframes; k++)
				python_locals_read(&s->target->layout, s->mem, &t->frames[k],
				                   &s->frame_locals[i][k]);
		}
	}
	/* Which thread runs each loop, of the same instant: a few loops for
	 * all the tasks (one attribute read each). */
	for (size_t i = 0; i < s->ntasks; i++) {
		uint64_t loop = s->tasks[i].loop;
		size_t k = 0;

		while (k < s->nloops && s->loops[k].loop != loop)
			k++;
		if (k < s->nloops || loop == 0)
			continue;
		s->loops = xreallocarray(s->loops, s->nloops + 1, sizeof(*s->loops));
		s->loops[s->nloops++] =
		    (struct tasks_loop){loop, python_asyncio_loop_thread(s->namer, loop)};
	}
	python_namer_free(s->namer);
	s->namer = NULL;
}

/* Each task's loop_tid: the thread (by its pthread_t, the ident the loop
 * recorded) of a thread state of the process, read with it running, and
 * that thread's threading name. A thread that ended since the stop leaves
 * its tasks' loop_tid 0. */
static void
tasks_loop_threads(struct target *handle, const struct tasks_stop *s, struct tasks_report *r)
{
	struct python_raw raw;
	struct tid_name *names;
	size_t nnames;

	if (s->nloops == 0 || target_thread_states(handle, &raw) != 0)
		return;
	for (size_t i = 0; i < r->ntasks; i++) {
		struct task_row *t = &r->tasks[i];
		uint64_t ident = 0;

		for (size_t k = 0; k < s->nloops; k++)
			if (s->loops[k].loop == t->loop)
				ident = s->loops[k].ident;
		for (size_t k = 0; ident != 0 && k < raw.nthreads; k++)
			if (raw.threads[k].pthread == ident && raw.threads[k].tid > 0)
				t->loop_tid = raw.threads[k].tid;
	}
	python_stack_raw_free(&raw);
	if (target_thread_names(handle, &names, &nnames) != 0)
		return;
	for (size_t i = 0; i < r->ntasks; i++) {
		const char *name = tid_names_find(names, nnames, r->tasks[i].loop_tid);

		if (r->tasks[i].loop_tid > 0 && name != NULL)
			r->tasks[i].loop_thread_name = xstrdup(name);
	}
	tid_names_free(names, nnames);
}

/* Names one task's frames and its name, with the target running; the
 * variables of its frames read in the stop (locals, or NULL) are moved in. */
static void
tasks_name(struct python_namer *namer, const struct python_task *t, struct frame_row *locals,
           struct task_row *row)
{
	row->addr = t->addr;
	row->name = t->name_obj != 0 ? python_namer_string(namer, t->name_obj) : NULL;
	if (row->name == NULL && t->name_obj != 0) {
		/* 3.12+ name a task by a number until its name is asked for
		 * (get_name makes the str "Task-N"). */
		int64_t number;

		if (python_asyncio_small_int(&python_namer_target(namer)->layout,
		                             python_namer_memory(namer), t->name_obj,
		                             &number) == 0) {
			row->name = xmalloc(32);
			snprintf(row->name, 32, "Task-%" PRId64, number);
		}
	}
	row->state = python_task_state_name(t->state);
	row->awaits = python_task_awaits_name(t->awaits);
	row->awaits_object = t->awaits_object;
	row->loop = t->loop;
	row->coro = t->coro;
	row->name_obj = t->name_obj;
	row->type = t->type;
	row->pure = t->pure;
	/* Outermost last: the task's own coroutine. */
	row->coro_frame = t->nframes > 0 ? t->frames[t->nframes - 1].addr : 0;
	row->frames = xcalloc(t->nframes ? t->nframes : 1, sizeof(*row->frames));
	row->nframes = t->nframes;
	for (size_t i = 0; i < t->nframes; i++) {
		struct frame_row *f = &row->frames[i];

		python_namer_frame(namer, &t->frames[i], f);
		if (locals != NULL) {
			f->has_locals = locals[i].has_locals;
			f->locals = locals[i].locals;
			f->nlocals = locals[i].nlocals;
			f->locals_omitted = locals[i].locals_omitted;
			locals[i].locals = NULL; /* moved */
			locals[i].nlocals = 0;
		}
	}
	row->frames_truncated = t->truncated;
	if (t->nawaits_tasks > 0) {
		row->awaits_addrs = xcalloc(t->nawaits_tasks, sizeof(uint64_t));
		memcpy(row->awaits_addrs, t->awaits_tasks, t->nawaits_tasks * sizeof(uint64_t));
		row->nawaits_addrs = t->nawaits_tasks;
	}
}

int
python_tasks_expect(const struct procfs *fs, int pid, struct python_types_expect *out)
{
	struct python_types_limits lim = {.max_stop_s = PYTHON_TASKS_MAX_STOP_S};
	struct target *handle;
	bool readable;
	int err;

	*out = (struct python_types_expect){0};
	if ((err = target_open(fs, pid, TARGET_PYTHON, false, &handle)) != 0)
		return err;
	readable = python_tasks_layout(target_python(handle)) != NULL;
	target_close(handle);
	return readable ? python_types_expect(fs, pid, &lim, out) : -ENOTSUP;
}

int
python_tasks_take(const struct procfs *fs, int pid, bool locals, struct tasks_report **out)
{
	struct target *handle;
	int err;

	*out = NULL;
	if ((err = target_open(fs, pid, TARGET_PYTHON, false, &handle)) != 0)
		return err;
	err = python_tasks_take_in(fs, handle, pid, locals, out);
	/* A ring of tasks awaiting each other is reported only when a second
	 * look finds it again, as locks does with threads: one read can catch
	 * tasks between steps. */
	if (err == 0 && (*out)->ncycles > 0) {
		struct tasks_report *again = NULL;

		if (python_tasks_take_in(fs, handle, pid, false, &again) == 0)
			(*out)->stopped_ms += again->stopped_ms;
		task_graph_confirm(*out, again);
		tasks_report_free(again);
	}
	target_close(handle);
	return err;
}

const struct python_asyncio_layout *
python_tasks_layout(const struct python_target *pt)
{
	if (pt == NULL || pt->layout.free_threaded)
		return NULL;
	return python_asyncio_layout_for(pt->layout.major, pt->layout.minor);
}

int
python_tasks_take_in(const struct procfs *fs, struct target *handle, int pid, bool locals,
                     struct tasks_report **out)
{
	struct tasks_stop s = {.locals = locals};
	/* The census's stop and walk (its retries, bounds and copy), with
	 * the tasks picked out on the way and read before it lets go. */
	struct python_types_visitor visitor = {.start = tasks_start,
	                                       .object = tasks_visit,
	                                       .finish = tasks_finish,
	                                       .arg = &s,
	                                       .no_histogram = true};
	struct python_types_limits lim = {.max_objects = PYTHON_TYPES_MAX_OBJECTS,
	                                  .max_stop_s = PYTHON_TASKS_MAX_STOP_S,
	                                  .max_copy_bytes = PYTHON_TYPES_MAX_COPY_BYTES,
	                                  .visitor = &visitor};
	struct python_types *census = NULL;
	struct tasks_report *r;
	struct procfs_stat st;
	const struct python_target *pt;
	int err;

	*out = NULL;
	if ((pt = target_python(handle)) == NULL)
		return -ENOEXEC;
	if ((s.al = python_tasks_layout(pt)) == NULL)
		return -ENOTSUP;
	r = xcalloc(1, sizeof(*r));
	r->pid = pid;
	r->python = *target_python_info(handle);
	if (target_alive(handle, &st) == 0)
		snprintf(r->comm, sizeof(r->comm), "%s", st.comm);
	err = python_types_take_in(fs, handle, pid, &lim, &census);
	if (err == 0) {
		struct python_namer *namer = target_namer(handle);

		r->stopped_ms = census->stopped_ms;
		if (census->partial)
			snprintf(r->partial, sizeof(r->partial), "%s", census->partial_reason);
		r->tasks = xcalloc(s.ntasks ? s.ntasks : 1, sizeof(*r->tasks));
		r->ntasks = s.ntasks;
		for (size_t i = 0; i < s.ntasks; i++)
			tasks_name(namer, &s.tasks[i],
			           s.frame_locals != NULL ? s.frame_locals[i] : NULL, &r->tasks[i]);
		tasks_loop_threads(handle, &s, r);
		task_graph_build(r);
	}
	python_types_free(census);
	tasks_locals_free(&s);
	python_namer_free(s.namer);
	python_asyncio_tasks_free(s.tasks, s.ntasks);
	addr_index_free(&s.seen);
	free(s.seen_class);
	free(s.task_types);
	free(s.py_task_types);
	free(s.found);
	free(s.loops);
	if (err != 0) {
		tasks_report_free(r);
		return err;
	}
	*out = r;
	return 0;
}
