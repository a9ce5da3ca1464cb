/* The lock decoder on made-up memory (glibc's layouts, as a live target
 * would hold them), the stack hints, the wait-for graph's cycles, the
 * RLock owner's fields and TID, and the fds of poll, select and epoll
 * waits (pollfd arrays, fd_sets, a captured fdinfo). */
#include "check.h"
#include "probes/locks_decode.h"
#include "probes/locks_fds.h"
#include "probes/locks_graph.h"
#include "probes/locks_rlock.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const int live[] = {100, 101, 102, 103};
#define NLIVE (sizeof(live) / sizeof(live[0]))

/* A window of 80 bytes starting 16 before the futex word at 0x1000. */
struct fake {
	unsigned char bytes[LOCKS_WINDOW_BEFORE + LOCKS_WINDOW_AFTER];
	struct locks_window win;
};

static void
fake_init(struct fake *f)
{
	memset(f->bytes, 0, sizeof(f->bytes));
	f->win = (struct locks_window){0x1000 - LOCKS_WINDOW_BEFORE, f->bytes, sizeof(f->bytes)};
}

static void
fake_u32(struct fake *f, uint64_t addr, uint32_t v)
{
	memcpy(f->bytes + (addr - f->win.start), &v, sizeof(v));
}

static struct lock_wait
decode(const struct fake *f, uint64_t op, uint64_t val, enum locks_hint hint)
{
	struct locks_futex_wait w = {0x1000, op, val, hint, 0};
	struct lock_wait out = {.tid = 100};

	locks_decode_futex(&w, &f->win, live, NLIVE, &out);
	return out;
}

static void
test_mutex(void)
{
	struct fake f;
	struct lock_wait w;

	fake_init(&f);
	fake_u32(&f, 0x1000, 2);   /* __lock: locked, waiters */
	fake_u32(&f, 0x1008, 101); /* __owner */
	w = decode(&f, 128, 2, LOCKS_HINT_MUTEX);
	CHECK(w.kind == LOCK_MUTEX && w.detail == LOCK_DETAIL_MUTEX);
	CHECK(w.address == 0x1000 && w.futex == 0x1000 && w.owner == 101);
	/* The same without a name on the stack: lll_lock's value 2 says so. */
	w = decode(&f, 128, 2, LOCKS_HINT_NONE);
	CHECK(w.kind == LOCK_MUTEX && w.owner == 101);
	/* An owner that is no thread of the process is only claimed. */
	fake_u32(&f, 0x1008, 4242);
	w = decode(&f, 128, 2, LOCKS_HINT_MUTEX);
	CHECK(w.owner == 0 && w.claimed_owner == 4242);
	fake_u32(&f, 0x1008, 0xffffffffu);
	w = decode(&f, 128, 2, LOCKS_HINT_MUTEX);
	CHECK(w.owner == 0 && w.claimed_owner == 0);
}

static void
test_pi_robust(void)
{
	struct fake f;
	struct lock_wait w;

	fake_init(&f);
	fake_u32(&f, 0x1000, 0x80000000u | 102); /* FUTEX_WAITERS | owner */
	w = decode(&f, 128 | LOCKS_FUTEX_LOCK_PI, 0, LOCKS_HINT_MUTEX);
	CHECK(w.detail == LOCK_DETAIL_PI_MUTEX && w.owner == 102);
	w = decode(&f, LOCKS_FUTEX_LOCK_PI2, 0, LOCKS_HINT_NONE);
	CHECK(w.detail == LOCK_DETAIL_PI_MUTEX && w.owner == 102);
	fake_u32(&f, 0x1010, 16); /* __kind: robust */
	w = decode(&f, 128, 0x80000000u | 102, LOCKS_HINT_MUTEX);
	CHECK(w.detail == LOCK_DETAIL_ROBUST_MUTEX && w.owner == 102);
}

static void
test_rwlock(void)
{
	struct fake f;
	struct lock_wait w;

	/* A writer behind a writer: futex at lock + 12, expecting 1|USED; the
	 * lock starts 12 bytes before; __cur_writer at +24. */
	fake_init(&f);
	fake_u32(&f, 0x1000 - 12, 1 | 2); /* __readers: write phase, locked */
	fake_u32(&f, 0x1000 - 12 + 24, 103);
	w = decode(&f, 137, 3, LOCKS_HINT_RWLOCK_WRITE);
	CHECK(w.kind == LOCK_RWLOCK_WRITE && w.address == 0x1000 - 12 && w.owner == 103);
	CHECK(w.readers == -1);

	/* The primary writer behind two readers: __wrphase_futex (+8),
	 * expecting USED; read phase, R = 2. */
	fake_init(&f);
	fake_u32(&f, 0x1000 - 8, 2u << 3 | 2);
	w = decode(&f, 137, 2, LOCKS_HINT_RWLOCK_WRITE);
	CHECK(w.kind == LOCK_RWLOCK_WRITE && w.address == 0x1000 - 8);
	CHECK(w.owner == 0 && w.readers == 2);

	/* A reader behind a writer: __wrphase_futex (+8), expecting 1|USED. */
	fake_init(&f);
	fake_u32(&f, 0x1000 - 8, 1u << 3 | 3);
	fake_u32(&f, 0x1000 - 8 + 24, 101);
	w = decode(&f, 137, 3, LOCKS_HINT_RWLOCK_READ);
	CHECK(w.kind == LOCK_RWLOCK_READ && w.address == 0x1000 - 8 && w.owner == 101);
	CHECK(w.readers == -1);

	/* A reader while writers are preferred: on __readers itself. */
	fake_init(&f);
	fake_u32(&f, 0x1000, 1u << 3 | 4 | 2);
	w = decode(&f, 137, 1u << 3 | 4 | 2, LOCKS_HINT_RWLOCK_READ);
	CHECK(w.kind == LOCK_RWLOCK_READ && w.address == 0x1000 && w.readers == 1);
}

static void
test_ownerless(void)
{
	struct fake f;
	struct lock_wait w;
	struct locks_futex_wait gil = {0x1000, 137, 0, LOCKS_HINT_GIL, 102};

	fake_init(&f);
	w = decode(&f, 137, 0, LOCKS_HINT_CONDVAR);
	CHECK(w.kind == LOCK_OTHER && w.detail == LOCK_DETAIL_CONDVAR && w.owner == 0);
	w = decode(&f, 137, 0, LOCKS_HINT_NONE);
	CHECK(w.kind == LOCK_OTHER && w.detail == LOCK_DETAIL_FUTEX);
	w = decode(&f, 137, 0, LOCKS_HINT_PYTHON_LOCK);
	CHECK(w.kind == LOCK_MUTEX && w.detail == LOCK_DETAIL_PYTHON_LOCK && w.owner == 0);
	w = (struct lock_wait){.tid = 100};
	locks_decode_futex(&gil, &f.win, live, NLIVE, &w);
	CHECK(w.detail == LOCK_DETAIL_GIL && w.owner == 102);
	/* A thread is never its own GIL holder. */
	w = (struct lock_wait){.tid = 102};
	locks_decode_futex(&gil, &f.win, live, NLIVE, &w);
	CHECK(w.owner == 0);
}

static void
test_window_bounds(void)
{
	struct fake f;
	struct lock_wait w;

	/* Nothing readable: a mutex with no owner, no crash. */
	fake_init(&f);
	f.win.len = 0;
	w = decode(&f, 128, 2, LOCKS_HINT_MUTEX);
	CHECK(w.kind == LOCK_MUTEX && w.owner == 0 && w.claimed_owner == 0);
	/* An address below the window's start, near zero and near the top. */
	f.win.len = sizeof(f.bytes);
	for (uint64_t addr = 0; addr < 32; addr++) {
		struct locks_futex_wait fw = {addr, 137, 3, LOCKS_HINT_RWLOCK_WRITE, 0};

		locks_decode_futex(&fw, &f.win, live, NLIVE, &w);
		fw.addr = UINT64_MAX - addr;
		locks_decode_futex(&fw, &f.win, live, NLIVE, &w);
		CHECK(w.owner == 0);
	}
}

static struct frame_row
frame(const char *function)
{
	return (struct frame_row){.function = (char *)function};
}

static void
test_hints(void)
{
	struct frame_row mutex[] = {frame("__lll_lock_wait"), frame("___pthread_mutex_lock"),
	                            frame(NULL), frame("start_thread")};
	struct frame_row cond_relock[] = {frame("__lll_lock_wait"),
	                                  frame("__pthread_mutex_cond_lock"),
	                                  frame("___pthread_cond_wait")};
	struct frame_row rd[] = {frame("__futex_abstimed_wait_common"),
	                         frame("___pthread_rwlock_rdlock"), frame("main")};
	struct frame_row gil3[] = {frame("__futex_abstimed_wait_common"),
	                           frame("___pthread_cond_timedwait64"), frame("take_gil"),
	                           frame("PyEval_RestoreThread")};
	struct frame_row gil3_stripped[] = {frame("__futex_abstimed_wait_common"),
	                                    frame("___pthread_cond_timedwait64"), frame(NULL),
	                                    frame("_PyEval_EvalFrameDefault")};
	struct frame_row lock3[] = {frame("do_futex_wait"), frame("__new_sem_wait_slow64"),
	                            frame("PyThread_acquire_lock_timed"), frame("acquire_timed"),
	                            frame("lock_PyThread_acquire_lock")};
	struct frame_row gil27[] = {frame("do_futex_wait"), frame("sem_wait"),
	                            frame("PyThread_acquire_lock"), frame("PyEval_EvalFrameEx")};
	struct frame_row lock27[] = {frame("sem_wait"), frame("PyThread_acquire_lock"),
	                             frame("lock_PyThread_acquire_lock"),
	                             frame("PyEval_EvalFrameEx")};
	struct frame_row ext_cond[] = {frame("___pthread_cond_wait"), frame("my_queue_pop"),
	                               frame("_PyEval_EvalFrameDefault")};
	/* Merged stacks: the Python frame stands where the eval loop was;
	 * compilers' copies carry suffixes. */
	struct frame_row gil27_merged[] = {frame("__futex_abstimed_wait_common"),
	                                   frame("__new_sem_wait_slow64.constprop.0"),
	                                   frame("PyThread_acquire_lock"),
	                                   {.python = true, .function = (char *)"spin"}};

#define HINT(frames) locks_decode_hint_from_stack(frames, sizeof(frames) / sizeof(frames[0]), 2)
	CHECK(HINT(mutex) == LOCKS_HINT_MUTEX);
	CHECK(HINT(cond_relock) == LOCKS_HINT_MUTEX);
	CHECK(HINT(rd) == LOCKS_HINT_RWLOCK_READ);
	CHECK(HINT(gil3) == LOCKS_HINT_GIL);
	CHECK(HINT(gil3_stripped) == LOCKS_HINT_GIL);
	CHECK(HINT(lock3) == LOCKS_HINT_PYTHON_LOCK);
	CHECK(HINT(gil27) == LOCKS_HINT_GIL);
	CHECK(HINT(lock27) == LOCKS_HINT_PYTHON_LOCK);
	/* A C extension's own condvar under the eval loop is not the GIL. */
	CHECK(HINT(ext_cond) == LOCKS_HINT_CONDVAR);
	CHECK(HINT(gil27_merged) == LOCKS_HINT_GIL);
	/* Debian's stripped 3.x: the exported lock call with no name between
	 * it and the Python frame is a Lock there (3.x's GIL is a condvar). */
	struct frame_row lock3_stripped[] = {frame("__futex_abstimed_wait_common"),
	                                     frame("sem_clockwait"),
	                                     frame("PyThread_acquire_lock_timed"),
	                                     {.function = NULL},
	                                     {.python = true, .function = (char *)"wait"}};
	struct frame_row lock314_stripped[] = {frame("__futex_abstimed_wait_common"),
	                                       frame("_PySemaphore_Wait"),
	                                       {.function = NULL},
	                                       {.python = true, .function = (char *)"wait"}};

	CHECK(HINT(lock3_stripped) == LOCKS_HINT_GIL); /* as 2.7 would */
	CHECK(locks_decode_hint_from_stack(lock3_stripped, 5, 3) == LOCKS_HINT_PYTHON_LOCK);
	CHECK(locks_decode_hint_from_stack(lock314_stripped, 4, 3) == LOCKS_HINT_PYTHON_LOCK);
	/* Debian's 3.14: the GIL taken back in the eval breaker. */
	struct frame_row gil314_stripped[] = {frame("__futex_abstimed_wait_common"),
	                                      frame("pthread_cond_timedwait"),
	                                      {.function = NULL},
	                                      frame("_Py_HandlePending"),
	                                      {.python = true, .function = (char *)"spin"}};
	CHECK(locks_decode_hint_from_stack(gil314_stripped, 5, 3) == LOCKS_HINT_GIL);
	CHECK(locks_decode_hint_from_stack(gil3_stripped,
	                                   sizeof(gil3_stripped) / sizeof(gil3_stripped[0]),
	                                   3) == LOCKS_HINT_GIL);
#undef HINT
	CHECK(locks_decode_hint_from_stack(NULL, 0, 0) == LOCKS_HINT_NONE);
}

static void
test_cycles(void)
{
	/* 1 -> 2 -> 3 -> 1, 4 -> 1 (waits into the cycle), 5 -> 5 (itself),
	 * 6 -> 7 (a running owner), 8 -> 0. */
	const int tids[] = {3, 1, 2, 4, 5, 6, 8};
	const int owners[] = {1, 2, 3, 1, 5, 7, 0};
	struct lock_cycle *c;
	size_t n = locks_graph_cycles(tids, owners, 7, &c);

	CHECK(n == 2);
	if (n == 2) {
		CHECK(c[0].n == 3 && c[0].tids[0] == 1 && c[0].tids[1] == 2 && c[0].tids[2] == 3);
		CHECK(c[1].n == 1 && c[1].tids[0] == 5);
	}
	for (size_t k = 0; k < n; k++)
		free(c[k].tids);
	free(c);

	/* A TID listed twice keeps its first edge. */
	{
		const int dup_tids[] = {1, 2, 1};
		const int dup_owners[] = {2, 1, 9};

		n = locks_graph_cycles(dup_tids, dup_owners, 3, &c);
		CHECK(n == 1 && c[0].n == 2);
		for (size_t k = 0; k < n; k++)
			free(c[k].tids);
		free(c);
	}
	CHECK(locks_graph_cycles(NULL, NULL, 0, &c) == 0 && c == NULL);
}

/* A fake struct pthread for the RLock owner: the TID among its ints. */
static unsigned char fake_pthread[2048];

static int
fake_pthread_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (addr != 0x7f0000000000u || len > sizeof(fake_pthread))
		return -EFAULT;
	memcpy(buf, fake_pthread, len);
	return 0;
}

static void
test_rlock(void)
{
	const uint64_t held[4] = {0x55550000u, 0x55551000u, 0x7f0000000000u, 2};
	const uint64_t free_lock[4] = {0x55550000u, 0x55551000u, 0, 0};
	struct python_memory mem = {fake_pthread_read, NULL, NULL};
	const int tids[] = {100, 4242, 4243};
	int tid = 4242;

	CHECK(locks_rlock_fields_match(held));
	CHECK(!locks_rlock_fields_match(free_lock)); /* no owner: not held */
	memset(fake_pthread, 0, sizeof(fake_pthread));
	memcpy(fake_pthread + 720, &tid, sizeof(tid)); /* glibc 2.36's offset, say */
	CHECK(locks_rlock_tid_of_ident(&mem, 0x7f0000000000u, tids, 3) == 4242);
	CHECK(locks_rlock_tid_of_ident(&mem, 0x7f0000001000u, tids, 3) == 0); /* unreadable */
	/* Two different live TIDs in it: no way to tell, so no owner. */
	tid = 4243;
	memcpy(fake_pthread + 1000, &tid, sizeof(tid));
	CHECK(locks_rlock_tid_of_ident(&mem, 0x7f0000000000u, tids, 3) == 0);
}

static void
test_fds(void)
{
	/* struct pollfd {int fd; short events, revents;}: 3, an ignored -1, 7. */
	const int32_t pollfds[] = {3, 1, -1, 1, 7, 1};
	/* Captured from /proc/PID/fdinfo/61 of deadlock fds (kernel 6.x). */
	static const char fdinfo[] =
	    "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1057\n"
	    "tfd:        9 events:       19 data:                9  pos:0 ino:17ca9e sdev:e\n"
	    "tfd:       12 events:       19 data:                c  pos:0 ino:419 sdev:f\n"
	    "tfd:       13 events:       19 data:                d  pos:0 ino:17ca9f sdev:8\n"
	    "tfd: 99999999999 events: 19\ntfd:\n";
	unsigned char rd[16] = {0}, wr[16] = {0};
	const unsigned char *sets[3] = {rd, wr, NULL};
	int fds[LOCKS_FDS_MAX + 4];
	size_t total, n;

	n = locks_fds_poll((const unsigned char *)pollfds, sizeof(pollfds), 3, fds, 8, &total);
	CHECK(n == 2 && total == 2 && fds[0] == 3 && fds[1] == 7);
	/* nfds beyond the bytes read; room for one. */
	n = locks_fds_poll((const unsigned char *)pollfds, sizeof(pollfds), 1000, fds, 1, &total);
	CHECK(n == 1 && total == 2 && fds[0] == 3);
	CHECK(locks_fds_poll(NULL, 0, 5, fds, 8, &total) == 0 && total == 0);

	/* Read fds 3 and 70, write fd 5, and fd 100 beyond nfds. */
	rd[0] = 1 << 3;
	rd[8] = 1 << 6;
	wr[0] = 1 << 5;
	rd[12] = 1 << 4;
	n = locks_fds_select(sets, sizeof(rd), 71, fds, 8, &total);
	CHECK(n == 3 && total == 3 && fds[0] == 3 && fds[1] == 5 && fds[2] == 70);
	n = locks_fds_select(sets, sizeof(rd), 1u << 30, fds, 8, &total);
	CHECK(n == 4 && total == 4 && fds[3] == 100);
	/* Bitmaps shorter than nfds says. */
	n = locks_fds_select(sets, 1, 71, fds, 8, &total);
	CHECK(n == 2 && total == 2);

	n = locks_fds_epoll(fdinfo, sizeof(fdinfo) - 1, fds, 8, &total);
	CHECK(n == 3 && total == 3 && fds[0] == 9 && fds[1] == 12 && fds[2] == 13);
	n = locks_fds_epoll(fdinfo, sizeof(fdinfo) - 1, fds, 2, &total);
	CHECK(n == 2 && total == 3);
	/* Cut inside "tfd:", and inside the first tfd line after its fd. */
	n = locks_fds_epoll(fdinfo, 40, fds, 8, &total);
	CHECK(n == 0 && total == 0);
	n = locks_fds_epoll(fdinfo, 60, fds, 8, &total);
	CHECK(n == 1 && total == 1 && fds[0] == 9);
}

static void
test_restarted(void)
{
	struct frame_row poll[] = {frame("poll"), frame("poller_main")};
	struct frame_row gi[] = {frame(NULL), frame("__GI___poll"), frame("main")};
	struct frame_row nap[] = {frame("__GI___clock_nanosleep"), frame("poll")};
	struct frame_row pollx[] = {frame("pollx")};

	CHECK_STR(locks_decode_restarted_syscall(poll, 2), "poll");
	CHECK_STR(locks_decode_restarted_syscall(gi, 3), "poll");
	CHECK(locks_decode_restarted_syscall(nap, 2) == NULL);
	CHECK(locks_decode_restarted_syscall(pollx, 1) == NULL);
	CHECK(locks_decode_restarted_syscall(NULL, 0) == NULL);
}

int
main(void)
{
	test_mutex();
	test_pi_robust();
	test_rwlock();
	test_ownerless();
	test_window_bounds();
	test_hints();
	test_cycles();
	test_rlock();
	test_fds();
	test_restarted();
	printf("locks: %d checks, %d failed\n", check_count, check_failures);
	return check_failures != 0;
}
