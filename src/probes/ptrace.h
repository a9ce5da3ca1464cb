/* Stopping a process's threads for as short a time as we can: seize,
 * interrupt, copy registers and a slice of each stack, detach.
 *
 * PTRACE_SEIZE + PTRACE_INTERRUPT, never PTRACE_ATTACH: attach would send a
 * SIGSTOP that outlives us if we die, while a seized tracee is released by the
 * kernel when its tracer exits, even by SIGKILL. A thread already stopped by a
 * signal (group-stop) is left stopped when we detach. Unwinding happens later,
 * on the copies, with the target running again. */
#ifndef STACKTOP_PTRACE_H
#define STACKTOP_PTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* What was copied from one thread while it was stopped. */
struct thread_snapshot {
	int tid;
	int err;            /* 0, -ESRCH (gone), -ETIMEDOUT (did not stop in time), -EPERM */
	int pending_signal; /* a signal it was receiving when it stopped: given back */
	struct user_regs_struct regs;
	uint64_t stack_start; /* target address of stack[0] */
	unsigned char *stack; /* owned copy, stack_len bytes */
	size_t stack_len;
};

struct snapshot_stats {
	double stopped_ms; /* from the first interrupt to the last detach */
	size_t skipped;    /* threads that did not stop in time */
};

/* What to do while the threads are stopped, after the copies: e.g. read the
 * Python frames so that they match the native stacks. Called once, with
 * arg, only when at least one thread stopped. Keep it short: the target
 * waits for it. */
struct snapshot_hook {
	void (*while_stopped)(void *arg);
	void *arg;
};

/* Stops the n threads tids (of one process), copies each one's registers and
 * up to stack_bytes of its stack from the stack pointer up, and lets them go.
 * Fills out[i] for tids[i]. Returns 0, or -EPERM when we may not trace the
 * process at all (each thread's own failure is in out[i].err). Signals that
 * would end stacktop (INT, TERM, HUP, QUIT, PIPE) are held until every
 * thread is detached. hook may be NULL. */
int ptrace_snapshot(const int *tids, size_t n, size_t stack_bytes, struct thread_snapshot *out,
                    struct snapshot_stats *stats, const struct snapshot_hook *hook);

/* Detaches the threads of earlier snapshots that had not stopped in time
 * and have stopped since (a thread cannot be detached before it stops).
 * Snapshots call it themselves; a long-running caller may call it between
 * them. */
void ptrace_release_pending(void);

/* Frees the stack copies of n snapshots (not the array). */
void ptrace_snapshot_release(struct thread_snapshot *snaps, size_t n);

/* Reads len bytes of pid's memory at addr into buf, without stopping it
 * (process_vm_readv, then /proc/PID/mem). Returns the bytes read or -errno. */
ssize_t ptrace_read_memory(int pid, uint64_t addr, void *buf, size_t len);

#endif
