#include "ptrace.h"

#include "../clock.h"
#include "../xmalloc.h"
#include "urgency.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
		struct timespec wait = clock_timespec(left / 1e3);
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

size_t
ptrace_release_pending_within(double max_ms)
{
	/* Polled: a late thread stays stopped at most this long. */
	const struct timespec poll = {0, 200 * 1000};
	double deadline = now_ms() + max_ms;

	ptrace_release_pending();
	while (ptrace_npending > 0 && now_ms() < deadline) {
		nanosleep(&poll, NULL);
		ptrace_release_pending();
	}
	return ptrace_npending;
}

/* Detach releases a thread we interrupted; one that was already in a
 * group-stop (SIGSTOP) stays stopped, as it was. One that has not stopped
 * cannot be detached yet: it waits in the pending list. */
static void
ptrace_let_go(const struct thread_snapshot *s)
{
	if (s->err == -ETIMEDOUT || s->err == -ESRCH ||
	    ptrace(PTRACE_DETACH, s->tid, NULL, (void *)(uintptr_t)s->pending_signal) != 0) {
		ptrace_pending =
		    xreallocarray(ptrace_pending, ptrace_npending + 1, sizeof(*ptrace_pending));
		ptrace_pending[ptrace_npending++] = s->tid;
	}
}

/* Copies the registers of every stopped thread (err 0) and works out the
 * part of its stack to copy: from the stack pointer (less the red zone) up,
 * req->stack_bytes at most, and no further than the stack's end when that
 * is known (else req->other_stack_bytes at most), nor than its thread
 * pointer. Returns the bytes all those stacks need. */
static size_t
ptrace_copy_registers(struct thread_snapshot *out, size_t n, const struct snapshot_request *req)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		struct thread_snapshot *s = &out[i];
		struct iovec io = {&s->regs, sizeof(s->regs)};
		uint64_t mapped;

		if (s->err != 0)
			continue;
		if (ptrace(PTRACE_GETREGSET, s->tid, (void *)NT_PRSTATUS, &io) != 0) {
			s->err = -errno;
			continue;
		}
		s->stack_start = s->regs.rsp > RED_ZONE ? s->regs.rsp - RED_ZONE : 0;
		s->stack_len = req->stack_bytes;
		mapped = req->stack_extent != NULL
		             ? req->stack_extent(req->extent_arg, s->stack_start, s->regs.fs_base)
		             : 0;
		if (mapped > 0 && mapped < s->stack_len)
			s->stack_len = (size_t)mapped;
		if (mapped == 0 && req->other_stack_bytes > 0 &&
		    req->other_stack_bytes < s->stack_len)
			s->stack_len = req->other_stack_bytes;
		/* A thread's own stack ends where its thread pointer starts: on
		 * x86-64 the TLS blocks lie below it and the thread descriptor
		 * (glibc's and musl's struct pthread, 2 KiB and more) above it,
		 * at the top of the same mapping. No frame is there: half the
		 * pages of an idle thread's copy. */
		if (s->regs.fs_base > s->stack_start &&
		    s->regs.fs_base - s->stack_start < s->stack_len)
			s->stack_len = (size_t)(s->regs.fs_base - s->stack_start);
		total += s->stack_len;
	}
	return total;
}

/* Reads the stacks of threads [first, n) that have one to read, in one
 * process_vm_readv of up to PTRACE_IOVECS of them, through the first of
 * them: a stopped thread, whose memory cannot go away while it is stopped
 * (a main thread that ended has none). A read stops at the first byte it
 * cannot read: the stack it stopped in keeps what was read of it, as a read
 * of it alone would have (a stack whose extent was not known runs into the
 * unmapped page past its end). Returns the thread to read from next (n when
 * done), or -errno when the call itself is refused. */
#define PTRACE_IOVECS 512 /* of IOV_MAX's 1024: two arrays on our stack */

static ssize_t
ptrace_read_stacks(struct thread_snapshot *out, size_t first, size_t n)
{
	struct iovec local[PTRACE_IOVECS], remote[PTRACE_IOVECS];
	size_t which[PTRACE_IOVECS], k = 0, done;
	ssize_t got;

	for (size_t i = first; i < n && k < PTRACE_IOVECS; i++) {
		if (out[i].err != 0 || out[i].stack_len == 0)
			continue;
		local[k] = (struct iovec){out[i].stack, out[i].stack_len};
		remote[k] = (struct iovec){(void *)(uintptr_t)out[i].stack_start, out[i].stack_len};
		which[k++] = i;
	}
	if (k == 0)
		return (ssize_t)n;
	got = process_vm_readv(out[which[0]].tid, local, k, remote, k, 0);
	if (got < 0 && (errno == ENOSYS || errno == EPERM))
		return -errno;
	done = got > 0 ? (size_t)got : 0;
	for (size_t j = 0; j < k; j++) {
		if (done < local[j].iov_len) {
			out[which[j]].stack_len = done;
			return (ssize_t)which[j] + 1;
		}
		done -= local[j].iov_len;
	}
	return (ssize_t)which[k - 1] + 1;
}

/* Copies every stopped thread's registers and stack. The stacks go into one
 * mapping whose pages are populated before the first byte lands: fresh
 * pages would fault in one by one, each fault lengthening the stop (about
 * 10 us each on a paravirtualised machine, against under 1 us per page
 * populated at once), and unwinding reads them in place, with the target
 * running. Each thread's stack points into it. Returns the mapping (*len
 * bytes; NULL when there are no stacks to copy or no memory for them). */
static unsigned char *
ptrace_copy_all(struct thread_snapshot *out, size_t n, const struct snapshot_request *req,
                size_t *len)
{
	unsigned char *memory;
	size_t off = 0;
	ssize_t next = 0;

	*len = ptrace_copy_registers(out, n, req);
	if (*len == 0)
		return NULL;
	memory = mmap(NULL, *len, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (memory == MAP_FAILED) {
		for (size_t i = 0; i < n; i++)
			out[i].stack_len = 0;
		*len = 0;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (out[i].err == 0) {
			out[i].stack = memory + off;
			off += out[i].stack_len;
		}
	}
	while (next >= 0 && (size_t)next < n)
		next = ptrace_read_stacks(out, (size_t)next, n);
	/* Some sandboxes forbid process_vm_readv: one by one through
	 * /proc/PID/mem. */
	for (size_t i = 0; next < 0 && i < n; i++) {
		if (out[i].err == 0 && out[i].stack_len > 0) {
			ssize_t r = ptrace_read_memory(out[i].tid, out[i].stack_start, out[i].stack,
			                               out[i].stack_len);

			out[i].stack_len = r > 0 ? (size_t)r : 0;
		}
	}
	return memory;
}

/* Copies one stopped thread's registers and stack, its stack into a
 * mapping of its own, populated first (see ptrace_copy_all). */
static void
ptrace_copy_one(struct thread_snapshot *s, const struct snapshot_request *req)
{
	void *stack;

	if (ptrace_copy_registers(s, 1, req) == 0 || s->err != 0)
		return;
	stack = mmap(NULL, s->stack_len, PROT_READ | PROT_WRITE,
	             MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (stack == MAP_FAILED) {
		s->stack_len = 0;
		return;
	}
	s->stack = stack;
	s->stack_mapped = s->stack_len;
	if (ptrace_read_stacks(s, 0, 1) < 0) {
		ssize_t r = ptrace_read_memory(s->tid, s->stack_start, s->stack, s->stack_len);

		s->stack_len = r > 0 ? (size_t)r : 0;
	}
}

/* each_alone: waits for the seized threads to stop, whichever first, and
 * copies and lets go each at once. Returns the longest a thread was held. */
static double
ptrace_each_alone(struct thread_snapshot *out, const bool *seized, size_t n,
                  const struct snapshot_request *req, double start, double wait_ms,
                  double runnable_ms, size_t *skipped)
{
	bool *done = xcalloc(n ? n : 1, sizeof(*done));
	size_t left = 0;
	double held = 0, deadline = start + wait_ms;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (size_t i = 0; i < n; i++) {
		done[i] = !seized[i] || out[i].err != 0;
		left += !done[i];
	}
	while (left > 0) {
		for (size_t i = 0; i < n; i++) {
			int err;

			if (done[i])
				continue;
			/* Already past the deadline: one look, no wait. */
			err = ptrace_wait_stop(&out[i], 0);
			if (err == -ETIMEDOUT && now_ms() < deadline)
				continue;
			if (err == -ETIMEDOUT && ptrace_runnable(out[i].tid) &&
			    now_ms() < start + runnable_ms)
				continue; /* waiting for a CPU to stop in: wait on */
			out[i].err = err;
			done[i] = true;
			left--;
			if (err == 0) {
				double seen = now_ms(), took;

				ptrace_copy_one(&out[i], req);
				ptrace_let_go(&out[i]);
				took = now_ms() - seen;
				held = took > held ? took : held;
			} else {
				if (err == -ETIMEDOUT)
					(*skipped)++;
				ptrace_let_go(&out[i]);
			}
		}
		if (left > 0) {
			struct timespec nap = clock_timespec(0.0002);

			(void)sigtimedwait(&chld, NULL, &nap);
		}
	}
	free(done);
	return held;
}

int
ptrace_snapshot(const int *tids, size_t n, const struct snapshot_request *req,
                struct snapshot *snap)
{
	struct thread_snapshot *out = xcalloc(n ? n : 1, sizeof(*out));
	bool *seized = xcalloc(n ? n : 1, sizeof(*seized));
	struct urgency urgency;
	sigset_t hold, saved;
	size_t nseized = 0;
	double start, deadline, wait_ms = PTRACE_STOP_TIMEOUT_MS,
	                        runnable_ms = PTRACE_RUNNABLE_TIMEOUT_MS;
	int ret = 0;

	*snap = (struct snapshot){.threads = out, .n = n};
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
	ptrace_release_pending();

	/* Seizing does not stop a thread: every one is seized before the first
	 * interrupt, so that the stop does not include the seizing. */
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
	}
	/* No permission for any thread is no permission for the process; a
	 * single thread refused is one that is exiting (a zombie main thread
	 * cannot be seized either). */
	for (size_t i = 0; i < n && nseized == 0; i++)
		if (out[i].err == -EPERM)
			ret = -EPERM;

	/* From the first interrupt to the last thread let go, our time is the
	 * target's stall. */
	urgency_raise(&urgency);
	start = now_ms();
	for (size_t i = 0; i < n; i++)
		if (seized[i] && ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL) != 0)
			out[i].err = -errno;
	if (req->max_wait_ms > 0 && req->max_wait_ms < wait_ms)
		wait_ms = req->max_wait_ms;
	if (req->max_wait_ms > 0 && req->max_wait_ms < runnable_ms)
		runnable_ms = req->max_wait_ms;
	if (req->each_alone) {
		snap->stacks_owned = true;
		snap->stopped_ms = ptrace_each_alone(out, seized, n, req, start, wait_ms,
		                                     runnable_ms, &snap->skipped);
		urgency_restore(&urgency);
		ptrace_release_pending();
		sigprocmask(SIG_SETMASK, &saved, NULL);
		free(seized);
		return ret;
	}
	deadline = now_ms() + wait_ms;
	for (size_t i = 0; i < n; i++) {
		if (!seized[i] || out[i].err != 0)
			continue;
		out[i].err = ptrace_wait_stop(&out[i], deadline);
		if (out[i].err == -ETIMEDOUT && ptrace_runnable(out[i].tid))
			out[i].err = ptrace_wait_stop(&out[i], start + runnable_ms);
		if (out[i].err == -ETIMEDOUT)
			snap->skipped++;
	}
	/* Every thread that will stop has: the snapshot is of this instant. */
	snap->memory = ptrace_copy_all(out, n, req, &snap->memory_len);
	for (size_t i = 0; req->while_stopped != NULL && i < n; i++) {
		if (out[i].err == 0) {
			req->while_stopped(req->while_stopped_arg);
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (seized[i])
			ptrace_let_go(&out[i]);
	snap->stopped_ms = now_ms() - start;
	urgency_restore(&urgency);
	ptrace_release_pending(); /* those that stopped meanwhile */
	sigprocmask(SIG_SETMASK, &saved, NULL);
	free(seized);
	return ret;
}

void
ptrace_snapshot_free(struct snapshot *s)
{
	if (s->memory != NULL)
		munmap(s->memory, s->memory_len);
	for (size_t i = 0; s->stacks_owned && i < s->n; i++)
		if (s->threads[i].stack_mapped > 0)
			munmap(s->threads[i].stack, s->threads[i].stack_mapped);
	free(s->threads);
	*s = (struct snapshot){0};
}
