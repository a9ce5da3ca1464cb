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

#include <stdbool.h>
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
	unsigned char *stack; /* its copy, stack_len bytes, in the snapshot's memory */
	size_t stack_len;
	/* The copy is the top of a stack that went on running (a perf sample's):
	 * its outer frames, beyond the copy, are read from the live stack, where
	 * they still are unless the thread returned past them since. A stopped
	 * thread's copy is all there is to trust. */
	bool live_beyond_copy;
};

/* The threads of one process as one stop found them. */
struct snapshot {
	struct thread_snapshot *threads; /* n, in the order of the tids asked for */
	size_t n;
	double stopped_ms;     /* from the first interrupt to the last detach */
	size_t skipped;        /* threads that did not stop in time */
	unsigned char *memory; /* the stacks' copies (memory_len bytes) */
	size_t memory_len;
};

/* What a snapshot copies, and what it does while the threads are stopped. */
struct snapshot_request {
	/* At most this much of each thread's stack, from its stack pointer up
	 * (0: registers only). */
	size_t stack_bytes;
	/* At most this much where stack_extent does not know the stack (0:
	 * stack_bytes). */
	size_t other_stack_bytes;
	/* The bytes from addr (a stack pointer) to the end of the stack that
	 * holds it, when known: to the end of its mapping when that is a
	 * thread's stack (tp: the thread pointer); 0 when not known (a stack
	 * in a heap mapping, as Go's and coroutines' are, or a mapping newer
	 * than the maps as last read). May be NULL. Called while the threads
	 * are stopped: keep it to a lookup. */
	uint64_t (*stack_extent)(void *arg, uint64_t addr, uint64_t tp);
	void *extent_arg;
	/* Called once after the copies, only when at least one thread stopped,
	 * e.g. to read the Python frames so that they match the native stacks.
	 * Keep it short: the target waits for it. May be NULL. */
	void (*while_stopped)(void *arg);
	void *while_stopped_arg;
	/* When > 0 and shorter than the usual waits (100 ms for a thread to
	 * stop, 1 s for one that is runnable, waiting for a CPU): the longest
	 * to wait for the threads to stop, for a caller whose whole stop has a
	 * bound. A thread that has not stopped by then is skipped. */
	double max_wait_ms;
};

/* Stops the n threads tids (of one process), copies each one's registers and
 * up to req->stack_bytes of its stack, and lets them go. Fills *out
 * (threads[i] for tids[i]; free with ptrace_snapshot_free, even on error).
 * Returns 0, or -EPERM when we may not trace the process at all (each
 * thread's own failure is in its err). Signals that would end stacktop
 * (INT, TERM, HUP, QUIT, PIPE) are held until every thread is detached. */
int ptrace_snapshot(const int *tids, size_t n, const struct snapshot_request *req,
                    struct snapshot *out);

/* Frees what a snapshot holds (not *s itself). */
void ptrace_snapshot_free(struct snapshot *s);

/* Detaches the threads of earlier snapshots that had not stopped in time
 * and have stopped since (a thread cannot be detached before it stops), and
 * waits for those that died while ours (a traced thread that dies is its
 * tracer's zombie). Snapshots call it themselves; a long-running caller
 * calls it between them too. */
void ptrace_release_pending(void);

/* ptrace_release_pending, again and again for up to max_ms, so that a
 * thread that stops late (it was given a short wait: it reaches the stop
 * once it gets a CPU) is let go at once rather than held until the next
 * snapshot or stacktop's exit. Returns how many threads are still pending. */
size_t ptrace_release_pending_within(double max_ms);

/* Reads len bytes of pid's memory at addr into buf, without stopping it
 * (process_vm_readv, then /proc/PID/mem). Returns the bytes read or -errno. */
ssize_t ptrace_read_memory(int pid, uint64_t addr, void *buf, size_t len);

#endif
