/* One process examined from outside: what dump, report --stacks, the live
 * view's pane, locks, record and mem --python-types each need of it, found
 * once and kept for the handle's life (libdwfl's one Dwfl per process and
 * austin's py_proc are the models):
 *
 *   - whether it is still there, by one rule (target_read_process);
 *   - its unwinder, with the files it opened and their symbol tables;
 *   - its CPython: the interpreter, a reader of its memory and a namer of
 *     its code objects, and what the commands say of its version;
 *   - the map of its threads' ids inside its own PID namespace.
 *
 * The process is reached through a backend (struct target_backend): the
 * live one reads /proc and the process's memory. A core file or a recorded
 * snapshot would be another, without touching the unwinder or the Python
 * decoder. Stacks are taken from a target by stacks_snapshot (probes/stacks). */
#ifndef STACKTOP_TARGET_H
#define STACKTOP_TARGET_H

#include "../model.h"
#include "procfs.h"
#include "procfs_parse.h"
#include "python_stack.h"

#include <stdbool.h>
#include <stddef.h>

/* Which frames are wanted of the process. */
enum target_frames {
	TARGET_AUTO,   /* merged for a Python process, native otherwise */
	TARGET_NATIVE, /* native frames only */
	TARGET_PYTHON, /* Python frames only, read without stopping the target */
	TARGET_MIXED,  /* merged; the process must be Python */
};

/* How a target's process is reached. Each call returns 0 or -errno. */
struct target_backend {
	const char *name; /* "live" */
	/* Its memory: len bytes at addr, and n reads as near one instant as
	 * the backend allows (python_memory's contract). */
	int (*read)(void *arg, uint64_t addr, void *buf, size_t len);
	int (*readv)(void *arg, const struct python_read *reads, size_t n);
	/* Its threads' ids, an owned array in *out; returns how many. */
	ssize_t (*threads)(void *arg, int **out);
	/* Its main thread's stat (name, state, times). */
	int (*stat)(void *arg, struct procfs_stat *st);
};

struct target;

/* Opens pid for frames: the unwinder when unwind (its files serve the
 * interpreter search too; without it only Python frames can be read), the
 * interpreter unless frames is TARGET_NATIVE. Returns 0 and an owned handle
 * (free with target_close), -ESRCH when the process does not exist,
 * -ENOEXEC (TARGET_PYTHON, TARGET_MIXED) when it is not a Python process,
 * -ENOTSUP when its CPython is a version we cannot read, or the unwinder's
 * -errno. A Python process whose interpreter cannot be read is, with
 * TARGET_AUTO, opened native, and target_python_info says why. */
int target_open(const struct procfs *fs, int pid, enum target_frames frames, bool unwind,
                struct target **out);
void target_close(struct target *t);

int target_pid(const struct target *t);
const struct procfs *target_procfs(const struct target *t);
const struct target_backend *target_backend(const struct target *t);

/* The one rule for "is it gone": pid's main thread's stat into *st, and
 * -ESRCH when the process is gone (a zombie main thread with other threads
 * running is a live process); -ENXIO for a kernel thread (no user space to
 * examine). Returns 0, -ESRCH, -ENXIO, or the read's -errno. */
int target_read_process(const struct procfs *fs, int pid, struct procfs_stat *st);

/* target_read_process through the target's backend. */
int target_alive(const struct target *t, struct procfs_stat *st);

/* The process's threads: an owned array of their ids in *out. Returns how
 * many, or -ESRCH when it is gone, or the backend's -errno. */
ssize_t target_threads(const struct target *t, int **out);

/* The unwinder (NULL when opened without one). */
struct unwinder *target_unwinder(const struct target *t);

/* How often target_refresh_due reads the maps again. */
#define TARGET_MAPS_S 5.0

/* Reads the maps again (a library loaded since, an exec) when the last
 * read is TARGET_MAPS_S old: a process with thousands of threads has
 * thousands of stack mappings, and its maps cost milliseconds to read.
 * Returns 0, -ESRCH, or the unwinder's -errno. */
int target_refresh_due(struct target *t);

/* The interpreter (borrowed until target_close), NULL when the process is
 * not Python, cannot be read, or was opened TARGET_NATIVE. */
const struct python_target *target_python(const struct target *t);

/* A reader of the process's memory, through the backend (borrowed). */
const struct python_memory *target_memory(const struct target *t);

/* The namer of the interpreter's code objects and strings, made on first
 * use and kept (its caches serve every snapshot); NULL when not Python. */
struct python_namer *target_namer(struct target *t);

/* What the commands say of the process's CPython: its version and kind, or
 * why its frames are missing (all empty when it is not Python). */
const struct python_info *target_python_info(const struct target *t);

/* Sets the tid of each thread state of raw, read from the target's
 * interpreter, from the process's threads as the backend lists them, ids
 * translated from the process's own PID namespace when it has one. */
void target_map_tids(const struct target *t, struct python_raw *raw);

/* target_map_tids, then each thread state's threading name
 * (python_threads_names, with what the handle learnt of the process at
 * earlier calls). */
void target_name_threads(struct target *t, struct python_raw *raw);

/* The thread states of a Python process, read while it runs, without
 * frames: each one's ids (pthread, and tid as target_map_tids maps it).
 * Returns 0 and fills *raw (free with python_stack_raw_free), -ENOEXEC when
 * t is not a Python process whose interpreter we read, -ESRCH when it is
 * gone, or the read's -errno. */
int target_thread_states(struct target *t, struct python_raw *raw);

/* A thread's name as its program knows it (Python's threading.Thread
 * name), by the thread's id on the host. */
struct tid_name {
	int tid;
	char *name; /* owned, raw: sanitize or escape it before showing it */
};

/* The threading names of the threads of a Python process, read from its
 * memory while it runs (nothing is stopped): its thread states, mapped to
 * TIDs (target_map_tids), and threading._active's Thread names. A thread
 * the process is starting or ending as it is read may be missing, never
 * misnamed: every read is bounded, a name must be a str, and its Thread
 * still listed after it was read. Costs tens of reads per thread, no /proc
 * file but the task list (and NSpid in a PID namespace of its own).
 * Returns 0 and an owned array of *n names in *names (threads without a
 * name left out; free with tid_names_free), -ENOEXEC when t is not a
 * Python process whose interpreter we read, -ESRCH when it is gone, or the
 * read's -errno. */
int target_thread_names(struct target *t, struct tid_name **names, size_t *n);

/* The name of tid in names[0..n), or NULL (borrowed from names). */
const char *tid_names_find(const struct tid_name *names, size_t n, int tid);

/* Frees names[0..n) and the array; NULL is a no-op. */
void tid_names_free(struct tid_name *names, size_t n);

#endif
