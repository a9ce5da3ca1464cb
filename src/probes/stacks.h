/* Every thread's stack of one process (a probes/target): the thread list
 * and names from /proc, one short stop for all threads (probes/ptrace), then unwinding and naming
 * from the copies (probes/unwind) with the target running again. In a
 * CPython process the Python frames are read too (probes/python_*): while
 * the threads are stopped, so that they match the native stacks they are
 * merged into, or without any stop for Python frames alone. */
#ifndef STACKTOP_STACKS_H
#define STACKTOP_STACKS_H

#include "../model.h"
#include "procfs.h"
#include "target.h"

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

/* Takes the stacks of every thread of pid, with locals each Python frame's
 * arguments and local variables (probes/python_locals), read in the same
 * stop as the frames (with --python frames alone: without one). Returns 0 and an owned dump (free
 * with dump_report_free), -ESRCH when the process does not exist, -EPERM
 * when we may not trace it, -ENOEXEC when Python frames were asked for and
 * it is not a Python process, -ENOTSUP when its CPython version is not one
 * we can read. */
int stacks_dump(const struct procfs *fs, int pid, enum target_frames frames, bool locals,
                struct dump_report **out);

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

/* The stacks of the n threads tids of t's process, with hook (NULL: none)
 * called while they are stopped: the one snapshot call of a target (dump,
 * report --stacks, the live view's pane every refresh, locks). What the
 * target found (the unwinder's files and symbol tables, the interpreter) is
 * reused, and its maps are read again when due (target_refresh_due).
 * Returns what stacks_take does. */
int stacks_snapshot(struct target *t, const int *tids, size_t n, const struct stacks_hook *hook,
                    struct dump_report **out);

/* Sets t's name and state from thread t->tid's stat ('?' when it cannot be
 * read). */
void stacks_read_thread(const struct procfs *fs, int pid, struct thread_stack *t);

#endif
