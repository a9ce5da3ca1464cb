#include "ptrace.h"

#include "../clock.h"
#include "../xmalloc.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long we wait for all threads to stop: a thread in an uninterruptible
 * sleep (D) cannot stop until it wakes, and we will not hold the others. A
 * thread that is runnable (R) stops as soon as it gets a CPU, and on a box
 * so loaded that it waits its turn longer than that, we wait on for it, up
 * to the longer limit: that box is the one stacktop is run on. */
#define PTRACE_STOP_TIMEOUT_MS     100
#define PTRACE_RUNNABLE_TIMEOUT_MS 1000

/* The x86-64 ABI lets a leaf function use 128 bytes below the stack pointer. */
#define RED_ZONE 128

static double
now_ms(void)
{
	return clock_monotonic_s() * 1e3;
}

ssize_t
ptrace_read_memory(int pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	char path[64];
	int fd;

	if (n >= 0 || (errno != ENOSYS && errno != EPERM))
		return n >= 0 ? n : -errno;
	/* Some sandboxes forbid process_vm_readv but allow /proc/PID/mem. */
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)addr);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* Waits until s->tid reports a stop. Returns 0, -ESRCH when it exited,
 * -ETIMEDOUT after the deadline. A stop for a signal being delivered to it is
 * a stop too; the signal is remembered so that detaching gives it back.
 *
 * Every ptrace stop also sends the tracer SIGCHLD, which the caller keeps
 * blocked: waiting for it with sigtimedwait wakes us the moment a thread
 * stops, where polling with sleeps would add the timer's slack (50 us or
 * more) to the target's stop, once per thread. */
static int
ptrace_wait_stop(struct thread_snapshot *s, double deadline)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		int status;
		pid_t r = waitpid(s->tid, &status, __WALL | WNOHANG);
		double left;

		if (r == s->tid && WIFSTOPPED(status)) {
			/* PTRACE_EVENT_STOP: our interrupt, or a group-stop. */
			if (status >> 16 != PTRACE_EVENT_STOP)
				s->pending_signal = WSTOPSIG(status);
			return 0;
		}
		if (r == s->tid || (r < 0 && errno == ECHILD))
			return -ESRCH; /* exited while we waited */
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct timespec wait = {(time_t)(left / 1e3), (long)(fmod(left, 1e3) * 1e6)};
		(void)sigtimedwait(&chld, NULL, &wait);
	}
}

/* True when thread tid is runnable: waiting for a CPU, it will stop once it
 * gets one. Read from the live /proc (the comm may hold anything: the state
 * follows the last ')'). */
static bool
ptrace_runnable(int tid)
{
	char path[64], buf[512];
	const char *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren != NULL && paren[1] == ' ' && paren[2] == 'R';
}

/* Threads that did not stop in time stay seized: PTRACE_DETACH needs a
 * stopped tracee (on a running one it fails with ESRCH), and an interrupt
 * cannot be taken back, so such a thread stops as soon as it wakes. Until it
 * is released it is ours: each snapshot, and ptrace_release_pending, detach
 * those that have stopped by then (and if stacktop exits first, the kernel
 * releases them). This list is the one piece of state kept between calls:
 * the tracing relation it mirrors is per process in the kernel too. */
static int *ptrace_pending;
static size_t ptrace_npending;

static bool
ptrace_is_pending(int tid)
{
	for (size_t i = 0; i < ptrace_npending; i++)
		if (ptrace_pending[i] == tid)
			return true;
	return false;
}

void
ptrace_release_pending(void)
{
	size_t kept = 0;

	for (size_t i = 0; i < ptrace_npending; i++) {
		int tid = ptrace_pending[i], status;
		pid_t r = waitpid(tid, &status, __WALL | WNOHANG);

		if (r == tid && WIFSTOPPED(status)) {
			/* Give back a signal it stopped to receive. */
			int sig = status >> 16 == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(status);

			(void)ptrace(PTRACE_DETACH, tid, NULL, (void *)(uintptr_t)sig);
		} else if (r == 0) {
			ptrace_pending[kept++] = tid; /* not stopped yet */
		}
		/* otherwise it exited */
	}
	ptrace_npending = kept;
}

static void
ptrace_copy(struct thread_snapshot *s, size_t stack_bytes, unsigned char *scratch)
{
	struct iovec io = {&s->regs, sizeof(s->regs)};
	ssize_t n;

	if (ptrace(PTRACE_GETREGSET, s->tid, (void *)NT_PRSTATUS, &io) != 0) {
		s->err = -errno;
		return;
	}
	s->stack_start = s->regs.rsp > RED_ZONE ? s->regs.rsp - RED_ZONE : 0;
	/* A single remote range stops at the first unmapped page: what lies
	 * beyond the top of the stack is simply not copied. Through the thread
	 * itself: a main thread that ended has no memory. Into scratch, whose
	 * pages are already there, then a copy of just what was read: fresh
	 * pages for the whole 64 KiB would cost the target their faults. */
	n = ptrace_read_memory(s->tid, s->stack_start, scratch, stack_bytes);
	s->stack_len = n > 0 ? (size_t)n : 0;
	s->stack = xmalloc(s->stack_len ? s->stack_len : 1);
	memcpy(s->stack, scratch, s->stack_len);
}

int
ptrace_snapshot(const int *tids, size_t n, size_t stack_bytes, struct thread_snapshot *out,
                struct snapshot_stats *stats, const struct snapshot_hook *hook)
{
	sigset_t hold, saved;
	bool *seized = xcalloc(n ? n : 1, sizeof(*seized));
	unsigned char *scratch = xmalloc(stack_bytes ? stack_bytes : 1);
	size_t nseized = 0;
	double start, deadline;
	int ret = 0;

	memset(stats, 0, sizeof(*stats));
	for (size_t i = 0; i < n; i++)
		out[i] = (struct thread_snapshot){.tid = tids[i]};
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGQUIT);
	sigaddset(&hold, SIGPIPE);
	sigaddset(&hold, SIGCHLD); /* see ptrace_wait_stop */
	sigprocmask(SIG_BLOCK, &hold, &saved);
	memset(scratch, 0, stack_bytes); /* its pages, before the stop */
	ptrace_release_pending();

	start = now_ms();
	for (size_t i = 0; i < n; i++) {
		if (ptrace_is_pending(tids[i])) {
			out[i].err = -ETIMEDOUT; /* still has not stopped since last time */
			continue;
		}
		if (ptrace(PTRACE_SEIZE, tids[i], NULL, NULL) != 0) {
			out[i].err = -errno;
			continue;
		}
		seized[i] = true;
		nseized++;
		if (ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL) != 0)
			out[i].err = -errno;
	}
	/* No permission for any thread is no permission for the process; a
	 * single thread refused is one that is exiting (a zombie main thread
	 * cannot be seized either). */
	for (size_t i = 0; i < n && nseized == 0; i++)
		if (out[i].err == -EPERM)
			ret = -EPERM;
	deadline = now_ms() + PTRACE_STOP_TIMEOUT_MS;
	for (size_t i = 0; i < n; i++) {
		if (!seized[i] || out[i].err != 0)
			continue;
		out[i].err = ptrace_wait_stop(&out[i], deadline);
		if (out[i].err == -ETIMEDOUT && ptrace_runnable(out[i].tid))
			out[i].err = ptrace_wait_stop(&out[i], start + PTRACE_RUNNABLE_TIMEOUT_MS);
		if (out[i].err == -ETIMEDOUT)
			stats->skipped++;
		if (out[i].err == 0)
			ptrace_copy(&out[i], stack_bytes, scratch);
	}
	for (size_t i = 0; hook != NULL && i < n; i++) {
		if (seized[i] && out[i].err == 0) {
			hook->while_stopped(hook->arg);
			break;
		}
	}
	/* Detach releases a thread we interrupted; one that was already in a
	 * group-stop (SIGSTOP) stays stopped, as it was. One that has not
	 * stopped cannot be detached yet: it waits in the pending list. */
	for (size_t i = 0; i < n; i++) {
		if (!seized[i])
			continue;
		if (out[i].err == -ETIMEDOUT || out[i].err == -ESRCH ||
		    ptrace(PTRACE_DETACH, tids[i], NULL,
		           (void *)(uintptr_t)out[i].pending_signal) != 0) {
			ptrace_pending = xreallocarray(ptrace_pending, ptrace_npending + 1,
			                               sizeof(*ptrace_pending));
			ptrace_pending[ptrace_npending++] = tids[i];
		}
	}
	stats->stopped_ms = now_ms() - start;
	ptrace_release_pending(); /* those that stopped meanwhile */
	sigprocmask(SIG_SETMASK, &saved, NULL);
	free(scratch);
	free(seized);
	return ret;
}

void
ptrace_snapshot_release(struct thread_snapshot *snaps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(snaps[i].stack);
		snaps[i].stack = NULL;
	}
}
