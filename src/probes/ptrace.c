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
 * sleep (D) cannot stop until it wakes, and we will not hold the others. */
#define PTRACE_STOP_TIMEOUT_MS 100

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

static void
ptrace_copy(struct thread_snapshot *s, size_t stack_bytes)
{
	struct iovec io = {&s->regs, sizeof(s->regs)};
	ssize_t n;

	if (ptrace(PTRACE_GETREGSET, s->tid, (void *)NT_PRSTATUS, &io) != 0) {
		s->err = -errno;
		return;
	}
	s->stack_start = s->regs.rsp > RED_ZONE ? s->regs.rsp - RED_ZONE : 0;
	s->stack = xmalloc(stack_bytes);
	/* A single remote range stops at the first unmapped page: what lies
	 * beyond the top of the stack is simply not copied. */
	/* Through the thread itself: a main thread that ended has no memory. */
	n = ptrace_read_memory(s->tid, s->stack_start, s->stack, stack_bytes);
	s->stack_len = n > 0 ? (size_t)n : 0;
}

int
ptrace_snapshot(const int *tids, size_t n, size_t stack_bytes, struct thread_snapshot *out,
                struct snapshot_stats *stats)
{
	sigset_t hold, saved;
	bool *seized = xcalloc(n ? n : 1, sizeof(*seized));
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

	start = now_ms();
	for (size_t i = 0; i < n; i++) {
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
		if (out[i].err == -ETIMEDOUT)
			stats->skipped++;
		if (out[i].err == 0)
			ptrace_copy(&out[i], stack_bytes);
	}
	/* Detach releases a thread we interrupted; one that was already in a
	 * group-stop (SIGSTOP) stays stopped, as it was. A thread that never
	 * stopped is detached too: the kernel cancels the pending interrupt. */
	for (size_t i = 0; i < n; i++)
		if (seized[i])
			(void)ptrace(PTRACE_DETACH, tids[i], NULL,
			             (void *)(uintptr_t)out[i].pending_signal);
	stats->stopped_ms = now_ms() - start;
	sigprocmask(SIG_SETMASK, &saved, NULL);
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
