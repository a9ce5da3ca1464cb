/* Every thread's native stack of one process: the thread list and names from
 * /proc, one short stop for all threads (probes/ptrace), then unwinding and
 * naming from the copies (probes/unwind) with the target running again. */
#ifndef STACKTOP_STACKS_H
#define STACKTOP_STACKS_H

#include "../model.h"
#include "procfs.h"

/* The deepest stack we walk, and how much of each stack we copy. */
#define STACKS_MAX_FRAMES 256
#define STACKS_COPY_BYTES (64 * 1024)

/* Takes the stacks of every thread of pid. Returns 0 and an owned dump (free
 * with dump_report_free), -ESRCH when the process does not exist, or -EPERM
 * when we may not trace it. */
int stacks_dump(const struct procfs *fs, int pid, struct dump_report **out);

/* The same for the n threads tids of pid only (report --stacks, the live
 * view): only they are stopped. A tid that is not a thread of pid gets
 * -ESRCH in its row. */
int stacks_take(const struct procfs *fs, int pid, const int *tids, size_t n,
                struct dump_report **out);

#endif
