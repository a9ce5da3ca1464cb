/* Which threading.Lock objects a Python thread holds, from its `with`
 * blocks.
 *
 * A plain Lock keeps no owner: what says who holds it is the code of the
 * thread that took it. `with lock:` leaves the lock's __exit__ (a method
 * bound to the lock; on 3.14+ the lock itself beside its unbound __exit__)
 * on the frame's value stack for as long as the block runs, and the frame
 * records how deep its value stack was when the block began:
 *   - 2.7-3.10: SETUP_WITH pushes a block (f_blockstack[f_iblock - 1]) whose
 *     b_level is the depth with __exit__ on top (ceval.c: PyFrame_BlockSetup
 *     after the call of __enter__);
 *   - 3.11+: the code's exception table (co_exceptiontable, see CPython's
 *     Objects/exception_handling_notes.txt) maps each instruction of the
 *     block's body to its handler with that depth.
 * Everything on the value stack below that depth belongs to blocks that
 * have begun; a thread still in __enter__ (waiting for the lock) has its
 * __exit__ above it, and so does not hold the lock. A lock taken with
 * acquire() leaves nothing there: its holder stays unknown. 2.7's RLock,
 * a Python class (_RLock), is held the same way, through its bound
 * __exit__ (an instancemethod). */
#ifndef STACKTOP_PYTHON_WITHLOCK_H
#define STACKTOP_PYTHON_WITHLOCK_H

#include "python_find.h"
#include "python_stack.h"

#include <stddef.h>
#include <stdint.h>

/* The deepest value stack a with block is believed to protect: more slots
 * than this are not read. */
#define PYTHON_WITHLOCK_MAX_DEPTH 256

/* Pure. The depth of the handler that covers code unit `unit` in exception
 * table table[0..len) (3.11+: entries of start, length, target and
 * depth << 1 | lasti, each a big-endian varint of 6-bit groups with 64 as
 * the continuation bit, the first byte of an entry marked with 128; start
 * and length in code units). Returns 0 and sets *depth, -ENOENT when no
 * entry covers it, -EINVAL when the table is cut short or a value does not
 * fit in 32 bits. */
int python_withlock_exctable_depth(const unsigned char *table, size_t len, uint64_t unit,
                                   uint32_t *depth);

/* Pure. The deepest b_level among the first iblock blocks of a block stack
 * (blocks[0..len): tryblock_size bytes each, b_level an int at b_level_at);
 * iblock is bounded by the bytes given. 0 when no block is set up. */
uint32_t python_withlock_block_depth(const unsigned char *blocks, size_t len, int iblock,
                                     size_t tryblock_size, size_t b_level_at);

/* What python_withlock_held has read that does not change: code objects'
 * exception tables and value-stack starts, and types. One per process,
 * kept across the threads of a read (the many frames of one code object
 * cost one read); free with python_withlock_cache_free (NULL: a no-op). */
struct python_withlock_cache;
struct python_withlock_cache *python_withlock_cache_new(void);
void python_withlock_cache_free(struct python_withlock_cache *c);

/* The _thread.lock objects (2.7: thread.lock) that thread th's frames
 * (python_stack_read's, of target t) hold in with blocks: up to max of them
 * into locks. Reads through mem (up to 3.10 every frame's block stack in
 * one readv), bounded; a frame that cannot be read holds nothing. Returns
 * how many were found. */
size_t python_withlock_held(const struct python_target *t, const struct python_memory *mem,
                            struct python_withlock_cache *cache, const struct python_raw_thread *th,
                            uint64_t *locks, size_t max);

/* 2.7: the threading.RLock (an _RLock, written in Python) thread th waits
 * for, when its innermost frame is one of the RLock's methods (acquire,
 * _acquire_restore), which blocks in its inner lock's acquire(): the
 * frame's first local, self. 0 otherwise, or on 3.x. The RLock's holder is
 * then the thread with a with block on it, as for a Lock. */
uint64_t python_withlock_rlock27(const struct python_target *t, const struct python_memory *mem,
                                 struct python_withlock_cache *cache,
                                 const struct python_raw_thread *th);

/* Whether lock object obj (as python_withlock_held gives it) is the lock a
 * wait's futex word belongs to (3.13 and before): the semaphore whose
 * address the lock keeps right after its object header (up to 3.13.0), or
 * the parking-lot semaphore of a waiter on the PyMutex there (later 3.13
 * and 3.13t). Reads through mem. */
bool python_withlock_is_futex(const struct python_target *t, const struct python_memory *mem,
                              uint64_t obj, uint64_t futex);

#endif
