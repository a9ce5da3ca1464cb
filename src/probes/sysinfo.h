/* Machine-wide memory, uptime and CPU count, from the procfs root.
 *
 * "Used" memory is MemTotal - MemAvailable, as top and free of procps-ng 4
 * print it. (libproc2 did this before; its dependencies, libsystemd and
 * libgcrypt among them, cost every stacktop command about 4 ms of start-up,
 * more than the two files it read for us.) */
#ifndef STACKTOP_SYSINFO_H
#define STACKTOP_SYSINFO_H

#include "../model.h"
#include "procfs.h"

/* Fills the memory, uptime and CPU count of sys; what cannot be read is
 * left -1 (sizes) or NAN. */
void sysinfo_read(const struct procfs *fs, struct system_row *sys);

#endif
