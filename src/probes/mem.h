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

/* Fills out with pid's smaps_rollup alone (RSS, PSS, USS, swap): the
 * kernel walks the page tables for it, so its cost grows with the
 * resident memory (measured: 0.2 ms for a small process, 1.9 ms for one
 * of 400 MiB; status costs 0.02 ms). Returns 0 or -errno (gone, or
 * EACCES without ptrace-read permission on the target). */
int mem_read_rollup(const struct procfs *fs, int pid, struct mem_rollup *out);

/* Reads pid's RssAnon (KiB) from status: cheap enough to sample often.
 * Returns 0 or -errno; -ENODATA when the kernel does not report it. */
int mem_read_anon(const struct procfs *fs, int pid, int64_t *anon_kib);

#endif
