/* Every thread's stack of one process: the thread list and names from /proc,
 * one short stop for all threads (probes/ptrace), then unwinding and naming
 * from the copies (probes/unwind) with the target running again. In a
 * CPython process the Python frames are read too (probes/python_*): while
 * the threads are stopped, so that they match the native stacks they are
 * merged into, or without any stop for Python frames alone. */
#ifndef STACKTOP_STACKS_H
#define STACKTOP_STACKS_H

#include "../model.h"
#include "procfs.h"

/* The deepest stack we walk (a deeper one says "depth cap 8192"): before
 * 3.11 each Python call is four or five C calls of the interpreter, so a
 * 1,000-deep Python recursion on 3.6-3.8 is some 5,000 native frames, all
 * needed to merge its Python frames. And how
 * much of each stack we copy at most: from the stack pointer to the top of
 * the thread's stack (unwinder_stack_extent), which for a thread waiting in
 * a shallow stack is a few KiB, and for a 1,000-deep CPython recursion some
 * hundreds. A stack whose end is not known (Go's goroutine stacks in heap
 * arenas of 64 MiB, coroutines, a thread started after the maps were read)
 * gets STACKS_COPY_OTHER_BYTES, as every stack did before: 256 KiB there
 * doubled a stripped Go binary's stop (5 threads: ~2.4 to ~7 ms). */
#define STACKS_MAX_FRAMES       8192
#define STACKS_COPY_BYTES       (8 * 1024 * 1024)
#define STACKS_COPY_OTHER_BYTES (64 * 1024)

enum stacks_mode {
	STACKS_AUTO,   /* merged for a Python process, native otherwise */
	STACKS_NATIVE, /* native frames only */
	STACKS_PYTHON, /* Python frames only, read without stopping the target */
	STACKS_MIXED,  /* merged; the process must be Python */
};

/* Takes the stacks of every thread of pid. Returns 0 and an owned dump (free
 * with dump_report_free), -ESRCH when the process does not exist, -EPERM
 * when we may not trace it, -ENOEXEC when Python frames were asked for and
 * it is not a Python process, -ENOTSUP when its CPython version is not one
 * we can read. */
int stacks_dump(const struct procfs *fs, int pid, enum stacks_mode mode, struct dump_report **out);

/* The same (merged for a Python process) for the n threads tids of pid
 * only (report --stacks, the live view): only they are stopped. A tid that
 * is not a thread of pid gets -ESRCH in its row. */
int stacks_take(const struct procfs *fs, int pid, const int *tids, size_t n,
                struct dump_report **out);

/* Something read at the same instant as the stacks: fn(arg, raw) is called
 * once every thread asked for is stopped and its stack copied, before they
 * are let go. raw is the process's Python threads and frames just read
 * (their tids not yet set; borrowed for the call), NULL when it is not a
 * Python process or they could not be read. Keep it short: the threads
 * wait for it. */
struct python_raw;
struct stacks_hook {
	void (*fn)(void *arg, const struct python_raw *raw);
	void *arg;
};

/* A process whose stacks are taken again and again (the live view's pane,
 * every refresh): its unwinder, with the files it opened and their symbol
 * tables, and its interpreter are found once and kept. Returns 0 and an
 * owned watch (free with stacks_watch_free), or the errors of stacks_take. */
struct stacks_watch;
int stacks_watch_new(const struct procfs *fs, int pid, struct stacks_watch **out);
void stacks_watch_free(struct stacks_watch *w);

/* The process a watch is on. */
int stacks_watch_pid(const struct stacks_watch *w);

/* stacks_watch_take, with hook (NULL: none) called while the threads are
 * stopped. */
int stacks_watch_take_hooked(struct stacks_watch *w, const int *tids, size_t n,
                             const struct stacks_hook *hook, struct dump_report **out);

/* The interpreter of a watch's process (borrowed until stacks_watch_free),
 * NULL when it is not a Python process or cannot be read. */
struct python_target;
const struct python_target *stacks_watch_python(const struct stacks_watch *w);

/* How often a watch reads the process's maps again. */
#define STACKS_WATCH_MAPS_S 5.0

/* stacks_take through a watch: what was already opened is reused, and the
 * maps are read again (a library loaded since, an exec) when the last read
 * is STACKS_WATCH_MAPS_S old. */
int stacks_watch_take(struct stacks_watch *w, const int *tids, size_t n, struct dump_report **out);

/* Reads pid's stat into *st: its name, and whether it is alive (a zombie
 * main thread with other threads running is a live process). Returns 0, or
 * -ESRCH when it is gone. */
struct procfs_stat;
int stacks_read_process(const struct procfs *fs, int pid, struct procfs_stat *st);

/* Looks for the interpreter of pid (st: its main thread's stat, from
 * stacks_read_process) through the maps and files unwinder u has, which
 * then keeps them for naming frames; with u NULL, python_find on its own.
 * Returns what python_find does. */
struct python_target;
struct unwinder;
int stacks_python_find(const struct procfs *fs, int pid, const struct procfs_stat *st,
                       struct unwinder *u, struct python_target *out);

/* What the commands say of the CPython that stacks_python_find (result
 * err) found as t: its version and kind, and when err is -ENOTSUP the
 * sentence why its frames are missing; all empty for another error. */
struct python_info;
void stacks_python_info(const struct python_target *t, int err, struct python_info *out);

/* Sets the tid of each thread state of raw (read from pid's interpreter t
 * through mem) from pid's threads as /proc lists them, ids translated from
 * the process's own PID namespace when it has one. */
struct python_memory;
struct python_raw;
void stacks_python_map_tids(const struct procfs *fs, int pid, const struct python_target *t,
                            const struct python_memory *mem, struct python_raw *raw);

/* Sets t's name and state from thread t->tid's stat ('?' when it cannot be
 * read). */
void stacks_read_thread(const struct procfs *fs, int pid, struct thread_stack *t);

#endif
