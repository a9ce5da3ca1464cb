/* Machine-wide memory and uptime, through libproc2.
 *
 * libproc2 gives the same "used" memory that top and free print. Its CPU
 * counters are not used: procps_stat_get() re-reads /proc/stat at most once a
 * second, too coarse for -d 0.1; the collector reads /proc/stat itself. */
#ifndef STACKTOP_SYSINFO_H
#define STACKTOP_SYSINFO_H

#include "../model.h"

/* Fills the memory, uptime and CPU count of sys; what cannot be read is
 * left -1 (sizes) or NAN. */
void sysinfo_read(struct system_row *sys);

#endif
