/* What a thread blocked in futex() waits for, decided from what can be read
 * without stopping anyone: the syscall's arguments, the target's memory
 * around the futex word, and the names of the thread's innermost frames.
 *
 * Pure: no syscalls, so the unit test and the fuzzer drive it with made-up
 * memory. Everything it is given comes from the target and is untrusted: an
 * owner it reads is reported only when it is one of the live threads the
 * caller lists.
 *
 * The layouts are glibc's on 64-bit Linux (x86_64, aarch64), from
 * sysdeps/nptl/bits/struct_mutex.h and struct_rwlock.h, 2.25 and later:
 *   pthread_mutex_t:  int __lock (the futex word) at 0, int __owner at 8,
 *                     int __kind at 16;
 *   pthread_rwlock_t: unsigned __readers at 0, __writers at 4,
 *                     __wrphase_futex at 8, __writers_futex at 12,
 *                     int __cur_writer at 24, __shared at 28, __flags at 48. */
#ifndef STACKTOP_LOCKS_DECODE_H
#define STACKTOP_LOCKS_DECODE_H

#include "../model.h"

#include <stddef.h>
#include <stdint.h>

/* What the waiting thread's stack says it is doing. */
enum locks_hint {
	LOCKS_HINT_NONE,
	LOCKS_HINT_MUTEX,
	LOCKS_HINT_LIBC_LOCK,
	LOCKS_HINT_RWLOCK_READ,
	LOCKS_HINT_RWLOCK_WRITE,
	LOCKS_HINT_CONDVAR,
	LOCKS_HINT_SEMAPHORE,
	LOCKS_HINT_GIL,
	LOCKS_HINT_PYTHON_LOCK,
	LOCKS_HINT_PYTHON_RLOCK,
};

/* The hint from a stack's native frames, innermost first (n of them): libc's
 * and CPython's exported or static function names, by any of their aliases
 * (pthread_rwlock_rdlock, __pthread_rwlock_rdlock, ___pthread_rwlock_rdlock).
 * A CPython function above the libc wait says which Python lock it is (the
 * GIL is taken through a condition variable, a threading.Lock through a
 * semaphore). Frames without a name are passed over, so a stripped program
 * is classified by libc's names alone. python_major is the CPython of the
 * process (2 or 3; 0 when not Python): 2.7 takes its GIL through the same
 * call as a Lock, 3.x never does, so there the call names a Lock even in a
 * stripped build whose static functions between it and the eval loop are
 * nameless. */
enum locks_hint locks_decode_hint_from_stack(const struct frame_row *frames, size_t n,
                                             int python_major);

/* The syscall a thread seen in restart_syscall was in, from its stack's
 * innermost named frame (frames[0..n), innermost first): "poll" when it is
 * libc's poll(). Of the waits on fds, poll alone resumes after a stop
 * through restart_syscall (fs/select.c: do_restart_poll), with its
 * arguments still in the registers; the others are made again as they
 * were. NULL when the stack does not say. */
const char *locks_decode_restarted_syscall(const struct frame_row *frames, size_t n);

/* How much memory around the futex word the decoder looks at: an rwlock
 * waiter's word is up to 12 bytes into the lock, whose fields reach 52
 * bytes past its start. */
#define LOCKS_WINDOW_BEFORE 16
#define LOCKS_WINDOW_AFTER  64

/* Bytes [start, start + len) of the target (borrowed). Bytes that could not
 * be read are simply outside it. */
struct locks_window {
	uint64_t start;
	const unsigned char *bytes;
	size_t len;
};

/* One futex wait: futex(addr, op, val, …) from the syscall's arguments. */
struct locks_futex_wait {
	uint64_t addr;
	uint64_t op;
	uint64_t val;
	enum locks_hint hint;
	int gil_holder; /* the TID holding the GIL, 0 unknown (see dump_report) */
};

/* The Linux futex operations (include/uapi/linux/futex.h) we tell apart. */
enum {
	LOCKS_FUTEX_WAIT = 0,
	LOCKS_FUTEX_LOCK_PI = 6,
	LOCKS_FUTEX_TRYLOCK_PI = 8,
	LOCKS_FUTEX_WAIT_BITSET = 9,
	LOCKS_FUTEX_WAIT_REQUEUE_PI = 11,
	LOCKS_FUTEX_LOCK_PI2 = 13,
};

/* The operation without FUTEX_PRIVATE_FLAG (128) and FUTEX_CLOCK_REALTIME
 * (256). */
static inline unsigned
locks_futex_cmd(uint64_t op)
{
	return (unsigned)(op & 127);
}

/* Fills out's kind, detail, address, futex, owner, claimed_owner and readers
 * (the rest is left as it is; out->tid must be set: a thread is never its
 * own GIL holder). live[0..nlive) are the process's threads,
 * sorted ascending: an owner outside them is only a claimed_owner. */
void locks_decode_futex(const struct locks_futex_wait *w, const struct locks_window *win,
                        const int *live, size_t nlive, struct lock_wait *out);

/* Sorts live[0..nlive) (a process's TIDs) for locks_decode_is_live. */
void locks_decode_sort_live(int *live, size_t nlive);

/* True when tid is in live[0..nlive), sorted by locks_decode_sort_live. */
bool locks_decode_is_live(const int *live, size_t nlive, int tid);

#endif
