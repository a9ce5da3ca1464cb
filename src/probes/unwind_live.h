/* The live process as the unwinder's target (struct unwinder_target,
 * unwind.h): its maps from /proc/PID/maps, or a live thread's when the main
 * thread has ended; its files through /proc/PID/map_files or its root (with
 * their debug files, looked for in its root too: module_open_mapping), the
 * vDSO from our own; its memory through process_vm_readv; its JIT symbol
 * map from its own /tmp. unwinder_new reads a process through these. */
#ifndef STACKTOP_UNWIND_LIVE_H
#define STACKTOP_UNWIND_LIVE_H

#include "procfs.h"
#include "unwind.h"

struct unwind_live;

/* The callbacks, for unwinder_new_from with an unwind_live as arg. */
extern const struct unwinder_target unwind_live_target;

/* Process pid, read through fs (borrowed: it must outlive the result);
 * nothing is read until a callback is called. Returns an owned handle (free
 * with unwind_live_free, after the unwinder that reads through it). */
struct unwind_live *unwind_live_new(const struct procfs *fs, int pid);
void unwind_live_free(struct unwind_live *l);

#endif
