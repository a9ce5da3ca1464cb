/* What every blocked thread of a process waits for, and the deadlocks among
 * them (stacktop locks, the live view's lock pane).
 *
 * Without stopping anything: each thread's /proc/PID/task/TID/syscall (the
 * futex word and operation, or the fd), and the target's memory around the
 * futex word (the owner). Then one short stop of the blocked threads only
 * (they are not running anyway) for their stacks, whose libc and CPython
 * function names say which kind of lock it is (probes/locks_decode); the
 * target's own symbols are not needed. Each thread's syscall is read again
 * after the stop, and only the waits that held across it are reported (a
 * passing one's stack would show something else). Owners give the
 * wait-for graph and its cycles (probes/locks_graph). */
#ifndef STACKTOP_LOCKS_H
#define STACKTOP_LOCKS_H

#include "../model.h"
#include "procfs.h"

/* Examines pid. Returns 0 and an owned report (free with locks_report_free),
 * -ESRCH when the process does not exist or exits meanwhile, -EACCES or
 * -EPERM when we may not read its threads' syscalls. When only the stacks
 * cannot be taken (e.g. ptrace is denied), the report says so in
 * stacks_err and the waits are classified from /proc and memory alone. */
int locks_take(const struct procfs *fs, int pid, struct locks_report **out);

#endif
