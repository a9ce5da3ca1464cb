/* A process's memory: smaps_rollup totals, the smaps breakdown by kind, and
 * RssAnon samples for the growth fit. */
#ifndef STACKTOP_MEM_H
#define STACKTOP_MEM_H

#include "../model.h"
#include "procfs.h"

/* Fills out's comm, rollup and breakdown for pid. smaps is read in full, so
 * this is on-demand work, never per refresh. Returns 0 or -errno (gone, or
 * EACCES without ptrace-read permission on the target). */
int mem_read_usage(const struct procfs *fs, int pid, struct mem_report *out);

/* Reads pid's RssAnon (KiB) from status: cheap enough to sample often.
 * Returns 0 or -errno; -ENODATA when the kernel does not report it. */
int mem_read_anon(const struct procfs *fs, int pid, int64_t *anon_kib);

#endif
