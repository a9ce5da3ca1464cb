/* Which threading lock a Python thread waits for, on CPython 3.14+.
 *
 * Up to 3.13 a threading.Lock or RLock waits on a semaphore of its own,
 * whose futex word is inside the lock: the futex address names the lock
 * (probes/locks_rlock finds the RLock around it). 3.14 made both PyMutex
 * based: a waiter parks on a semaphore of the parking lot, which names no
 * lock. What does is the Python frame that called acquire() (or entered a
 * `with` block): the lock object is on its value stack, which 3.14 stores
 * (frame->stackpointer) before every call that may block. An RLock then
 * names its owner (the _PyRecursiveMutex's thread ident); a Lock has none.
 * Reads only through the memory reader given: pure over a fake address
 * space in tests. */
#ifndef STACKTOP_PYTHON_LOCKWAIT_H
#define STACKTOP_PYTHON_LOCKWAIT_H

#include "python_find.h"
#include "python_memory.h"

#include <stdbool.h>
#include <stdint.h>

/* The lock a thread's innermost Python frame is acquiring. */
struct python_lock_wait {
	uint64_t lock;        /* the _thread.lock or _thread.RLock object */
	bool rlock;           /* an RLock */
	uint64_t owner_ident; /* an RLock's owner, as threading.get_ident() gives
	                         it (its pthread_t); 0 free or a Lock */
};

/* Whether t's Python locks are found this way (3.14+), rather than through
 * their futex word. */
bool python_lockwait_applies(const struct python_target *t);

/* Looks for the lock thread state tstate's innermost frame holds on its
 * value stack: the topmost _thread.lock or _thread.RLock object there (the
 * one acquire() was called on). Returns 0 and fills *out; -ENOENT when the
 * frame holds none (a wait for something else), -EFAULT when the frame
 * cannot be read, -ENOTSUP before 3.14. */
int python_lockwait_find(const struct python_target *t, const struct python_memory *mem,
                         uint64_t tstate, struct python_lock_wait *out);

#endif
