#include "target.h"

#include "../clock.h"
#include "../xmalloc.h"
#include "python_find.h"
#include "python_namer.h"
#include "python_threads.h"
#include "python_tids.h"
#include "unwind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The live backend: /proc and the process's memory, as it runs. */
struct target_live {
	const struct procfs *fs;
	int pid;
};

static int
live_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct target_live *l = arg;

	return python_memory_live(&l->pid, addr, buf, len);
}

static int
live_readv(void *arg, const struct python_read *reads, size_t n)
{
	struct target_live *l = arg;

	return python_memory_live_v(&l->pid, reads, n);
}

static ssize_t
live_threads(void *arg, int **out)
{
	struct target_live *l = arg;
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task", l->pid);
	n = procfs_list_ids(l->fs, path, out);
	return n < 0 && procfs_is_gone((int)n) ? -ESRCH : n;
}

static int
live_stat(void *arg, struct procfs_stat *st)
{
	struct target_live *l = arg;

	return target_read_process(l->fs, l->pid, st);
}

static const struct target_backend target_live_backend = {
    "live", live_read, live_readv, live_threads, live_stat,
};

struct target {
	const struct target_backend *backend;
	struct target_live live; /* the backend's argument */
	double maps_read_at;     /* monotonic seconds */
	struct unwinder *u;      /* NULL: Python frames alone */
	bool python;             /* py holds a readable interpreter */
	struct python_target py;
	struct python_memory mem;
	struct python_namer *namer; /* made on first use */
	struct python_threads_cache names_cache;
	struct python_info info;
};

int
target_read_process(const struct procfs *fs, int pid, struct procfs_stat *st)
{
	int err = procfs_read_task_stat(fs, pid, pid, st);

	if (err == 0 && procfs_parse_stat_gone(st))
		return -ESRCH;
	/* A kernel thread has no user space to stop, copy or read. */
	if (err == 0 && (st->flags & PROCFS_PF_KTHREAD))
		return -ENXIO;
	return err;
}

static struct module *
target_unwinder_file(void *unwinder, const struct procfs_map *map)
{
	return unwinder_file(unwinder, map);
}

/* Looks for the interpreter through the maps and files the unwinder has,
 * which then keeps them for naming frames; without one, python_find on its
 * own. st is the main thread's stat. */
static int
target_find_python(struct target *t, const struct procfs_stat *st)
{
	struct python_files files = {NULL, 0, target_unwinder_file, NULL, t->u};

	if (t->u == NULL)
		return python_find(t->live.fs, t->live.pid, &t->py);
	/* The maps of a process whose main thread ended are a live thread's:
	 * the interpreter is not looked for, as python_find would not. */
	if (st->state != 'Z')
		files.n = unwinder_maps(t->u, &files.maps);
	return python_find_in(t->live.pid, &files, &t->py);
}

/* What the commands say of the CPython found (err: the search's result). */
static void
target_describe_python(struct target *t, int err)
{
	struct python_info *out = &t->info;
	char known[96];

	memset(out, 0, sizeof(*out));
	if (err != 0 && err != -ENOTSUP)
		return;
	snprintf(out->version, sizeof(out->version), "%s", t->py.version);
	out->free_threaded = err == 0 && t->py.layout.free_threaded;
	out->found_by = err == 0 ? t->py.found_by : NULL;
	if (err == -ENOTSUP) /* never a silently native-only stack */
		snprintf(out->unreadable, sizeof(out->unreadable),
		         "CPython %s is a version stacktop cannot read (it reads %s): no Python "
		         "frames",
		         out->version[0] ? out->version : "(version unknown)",
		         python_layout_known(known, sizeof(known)));
}

int
target_open(const struct procfs *fs, int pid, enum target_frames frames, bool unwind,
            struct target **out)
{
	struct target *t = xcalloc(1, sizeof(*t));
	struct procfs_stat st;
	int err;

	*out = NULL;
	t->backend = &target_live_backend;
	t->live = (struct target_live){fs, pid};
	t->mem = (struct python_memory){t->backend->read, &t->live, t->backend->readv};
	/* The unwinder first: the interpreter search opens files through it. */
	if ((err = target_alive(t, &st)) != 0 ||
	    (unwind && (err = unwinder_new(fs, pid, &t->u)) != 0))
		goto fail;
	t->maps_read_at = clock_monotonic_s();
	if (frames != TARGET_NATIVE) {
		err = target_find_python(t, &st);
		target_describe_python(t, err);
		t->python = err == 0;
		/* A Python process we cannot read is shown native, saying why. */
		if (err != 0 && (frames != TARGET_AUTO || err == -ESRCH))
			goto fail;
	}
	*out = t;
	return 0;
fail:
	target_close(t);
	return procfs_is_gone(err) ? -ESRCH : err;
}

void
target_close(struct target *t)
{
	if (t == NULL)
		return;
	python_namer_free(t->namer);
	unwinder_free(t->u);
	free(t);
}

int
target_pid(const struct target *t)
{
	return t->live.pid;
}

const struct procfs *
target_procfs(const struct target *t)
{
	return t->live.fs;
}

const struct target_backend *
target_backend(const struct target *t)
{
	return t->backend;
}

int
target_alive(const struct target *t, struct procfs_stat *st)
{
	return t->backend->stat((void *)&t->live, st);
}

ssize_t
target_threads(const struct target *t, int **out)
{
	return t->backend->threads((void *)&t->live, out);
}

struct unwinder *
target_unwinder(const struct target *t)
{
	return t->u;
}

int
target_refresh_due(struct target *t)
{
	bool changed;
	int err;

	if (t->u == NULL || clock_monotonic_s() - t->maps_read_at < TARGET_MAPS_S)
		return 0;
	if ((err = unwinder_refresh(t->u, &changed)) != 0)
		return procfs_is_gone(err) ? -ESRCH : err;
	t->maps_read_at = clock_monotonic_s();
	return 0;
}

const struct python_target *
target_python(const struct target *t)
{
	return t->python ? &t->py : NULL;
}

const struct python_memory *
target_memory(const struct target *t)
{
	return &t->mem;
}

struct python_namer *
target_namer(struct target *t)
{
	if (t->python && t->namer == NULL)
		t->namer = python_namer_new(&t->py, &t->mem);
	return t->namer;
}

const struct python_info *
target_python_info(const struct target *t)
{
	return &t->info;
}

void
target_map_tids(const struct target *t, struct python_raw *raw)
{
	const struct procfs *fs = t->live.fs;
	int pid = t->live.pid, *all = NULL;
	ssize_t n;

	if (!t->python)
		return;
	/* Before 3.11 thread states are matched against every thread of the
	 * process, not only those asked for. */
	if ((n = target_threads(t, &all)) > 0) {
		int *inner = NULL;

		/* Ids differ only in a PID namespace of its own: one status read
		 * tells, rather than one per thread. */
		if (procfs_inner_id(fs, pid, pid) != pid) {
			inner = xcalloc((size_t)n, sizeof(*inner));
			for (ssize_t k = 0; k < n; k++)
				inner[k] = procfs_inner_id(fs, pid, all[k]);
		}
		python_tids_map(&t->py, &t->mem, raw, all, inner, (size_t)n);
		free(inner);
	}
	free(all);
}

void
target_name_threads(struct target *t, struct python_raw *raw)
{
	if (!t->python)
		return;
	target_map_tids(t, raw);
	python_threads_names(target_namer(t), &t->names_cache, raw);
}

/* python_want: no thread's frames, no GIL holder; only the thread states. */
static bool
target_no_frames(void *arg, const struct python_raw_thread *th)
{
	(void)arg;
	(void)th;
	return false;
}

int
target_thread_states(struct target *t, struct python_raw *raw)
{
	struct python_want want = {target_no_frames, NULL, false, NULL};
	struct procfs_stat st;
	int err;

	if (!t->python)
		return -ENOEXEC;
	/* No frames are followed, so there is no walk to check: one try. */
	if ((err = python_stack_read_running(&t->py, &t->mem, 1, &want, raw)) != 0)
		return err == -EFAULT && target_alive(t, &st) == -ESRCH ? -ESRCH : err;
	target_map_tids(t, raw);
	return 0;
}

int
target_thread_names(struct target *t, struct tid_name **names, size_t *n)
{
	struct python_raw raw;
	size_t k = 0;
	int err;

	*names = NULL;
	*n = 0;
	if ((err = target_thread_states(t, &raw)) != 0)
		return err;
	python_threads_names(target_namer(t), &t->names_cache, &raw);
	*names = xcalloc(raw.nthreads + 1, sizeof(**names));
	for (size_t i = 0; i < raw.nthreads; i++) {
		struct python_raw_thread *th = &raw.threads[i];

		if (th->tid <= 0 || th->name == NULL)
			continue;
		(*names)[k++] = (struct tid_name){th->tid, th->name};
		th->name = NULL; /* moved */
	}
	*n = k;
	python_stack_raw_free(&raw);
	return 0;
}

const char *
tid_names_find(const struct tid_name *names, size_t n, int tid)
{
	for (size_t i = 0; i < n; i++)
		if (names[i].tid == tid)
			return names[i].name;
	return NULL;
}

void
tid_names_free(struct tid_name *names, size_t n)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i].name);
	free(names);
}
