/* Unwinding copied stacks with libunwind, from our side.
 *
 * libunwind's own ptrace accessors read the target one word per syscall and
 * parse unwind tables out of its memory. Ours answer from the copy taken while
 * the thread was stopped (registers and stack), and from the target's ELF
 * files opened and mapped locally (.eh_frame_hdr and .eh_frame), so the
 * target runs again before the unwinding starts. Files are opened and parsed
 * once for the life of the unwinder; its view of the target's mappings is
 * renewed with unwinder_refresh, for a process sampled over time. */
#ifndef STACKTOP_UNWIND_H
#define STACKTOP_UNWIND_H

#include "../model.h"
#include "procfs.h"
#include "ptrace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct unwinder;

/* Reads pid's maps through fs. Returns 0 and an owned unwinder (free with
 * unwinder_free), or -errno. */
int unwinder_new(const struct procfs *fs, int pid, struct unwinder **out);
void unwinder_free(struct unwinder *u);

/* Reads pid's maps again; when they changed (a library loaded or unloaded,
 * an exec), the unwinder forgets what it knew per address and sets
 * *changed. Files already opened stay cached. Returns 0 or -errno (-ENOENT,
 * -ESRCH: the process is gone). */
int unwinder_refresh(struct unwinder *u, bool *changed);

/* Unwinds a snapshot into at most max instruction pointers, innermost first.
 * Returns how many. */
size_t unwinder_unwind(struct unwinder *u, const struct thread_snapshot *s, uint64_t *ips,
                       size_t max);

/* Names ip. A return address (every frame but the innermost) is looked up
 * one byte earlier, inside the call that the function made. The strings in
 * out are owned by the caller. */
void unwinder_symbolize(struct unwinder *u, uint64_t ip, bool return_address,
                        struct frame_row *out);

#endif
