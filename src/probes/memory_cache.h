/* A copy of a target's memory in 64 KiB blocks, read on first use, for walks
 * that follow many pointers through a stopped target: one object per
 * process_vm_readv would cost a system call each (about 1.5 us: 1.5 s per
 * million objects), while the objects of a list sit mostly side by side in
 * the allocator's arenas, so one block read serves hundreds of them.
 *
 * It serves as a struct python_memory reader. Reads outside any mapping fail
 * as they would on the target. The copies are only as fresh as the moment
 * each block was read: use it while the target is stopped, then free it. */
#ifndef STACKTOP_MEMORY_CACHE_H
#define STACKTOP_MEMORY_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct memory_cache;

/* A cache of pid's memory that keeps at most max_bytes of copies (beyond
 * that it drops them all and starts again: slower, still right). Owned: free
 * with memory_cache_free. */
struct memory_cache *memory_cache_new(int pid, size_t max_bytes);
void memory_cache_free(struct memory_cache *c);

/* Sets aside bytes (at most the cache's max_bytes) of buffers for copies now,
 * their pages already faulted in: call it before stopping the target, so
 * that the stop does not also pay for our own page faults (about half of the
 * copying time otherwise). Copies beyond it are allocated as they come. */
void memory_cache_reserve(struct memory_cache *c, size_t bytes);

/* Reads len bytes at addr into buf, from the copies or by copying the blocks
 * that hold them. arg is the struct memory_cache *. Returns 0, or -errno
 * (-EFAULT when part of the range is not mapped, -ESRCH when the process is
 * gone): the python_memory read contract. */
int memory_cache_read(void *arg, uint64_t addr, void *buf, size_t len);

/* Keeps the copies for reading after the stop: from now on a full cache
 * refuses to copy more (-ENOBUFS) rather than dropping its copies and
 * starting again. */
void memory_cache_keep(struct memory_cache *c);

/* Reads nothing more from the target (call it as the target is let go): a
 * read of what was not copied fails with -ENODATA, never reads the live
 * process, whose memory has moved on since the copies were taken. */
void memory_cache_freeze(struct memory_cache *c);

/* The reads refused since memory_cache_freeze (of bytes not copied). */
uint64_t memory_cache_misses(const struct memory_cache *c);

/* The bytes copied from the target so far, for the caller's statistics. */
uint64_t memory_cache_copied(const struct memory_cache *c);

#endif
