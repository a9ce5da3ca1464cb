/* The owner of a threading.RLock that a thread waits for, found from
 * outside the process.
 *
 * CPython 3's RLock (_thread.RLock, in C) is {PyObject_HEAD, rlock_lock,
 * rlock_owner, rlock_count, ...}, and a thread waiting for it sleeps on the
 * futex word at the start of the lock that rlock_lock points to (measured on
 * 3.6 to 3.13: the futex address equals rlock_lock). Nothing points from
 * that lock back to the object, so the object is looked for in the
 * process's writable anonymous memory, where the Python heap lives: a word
 * equal to the futex address, after a type whose tp_name is
 * "_thread.RLock", before the owner's thread ident and a count of at least
 * one. The ident is the owner's pthread_t: the address of glibc's struct
 * pthread, which holds its TID. A build without the names of its lock
 * functions (Debian's python3) shows an RLock wait as a Lock wait: those are
 * looked up too, and one that turns out to be an RLock is one. 2.7's RLock is written in Python and
 * waits on a plain lock: it is not found here. */
#ifndef STACKTOP_LOCKS_RLOCK_H
#define STACKTOP_LOCKS_RLOCK_H

#include "python_memory.h"

#include <stddef.h>
#include <stdint.h>

/* At most this much of a process's memory is scanned for RLocks. */
#define LOCKS_RLOCK_SCAN_MAX (256u << 20)

/* Whether words[0..3] (the type pointer, rlock_lock, rlock_owner and
 * rlock_count) look like a held RLock: a type, an owner and a count of at
 * least one. Pure. */
int locks_rlock_fields_match(const uint64_t words[4]);

/* The TID of the thread whose glibc struct pthread is at ident, read
 * through mem: the one of tids[0..ntids) it holds, or 0. */
int locks_rlock_tid_of_ident(const struct python_memory *mem, uint64_t ident, const int *tids,
                             size_t ntids);

/* Looks, in one pass over pid's anonymous writable mappings (maps: the
 * text of /proc/PID/maps), for the RLocks whose locks are futexes[0..n),
 * and sets owners_at[i] to where the RLock of futexes[i] keeps its owner's
 * thread ident (rlock_owner: its pthread_t, as threading.get_ident() gives
 * it), or 0 when there is none (not an RLock, or not owned when found).
 * The RLock stays where it is for its life: its owner can be read there
 * again, e.g. while the threads are stopped. tp_name_at is where a type
 * object keeps its name (24; 40 in a free-threaded build, whose objects
 * have a larger header). */
void locks_rlock_find(int pid, const char *maps, size_t maps_len, const uint64_t *futexes, size_t n,
                      uint64_t tp_name_at, uint64_t *owners_at);

#endif
