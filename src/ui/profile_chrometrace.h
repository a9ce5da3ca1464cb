/* A profile as a trace: Trace Event Format JSON (chrome://tracing, the
 * Perfetto UI, speedscope). Each thread's samples, in the order taken,
 * become spans: a frame shared with the previous sample stays open, the
 * others close and open at the sample's time; a gap longer than two
 * periods (the thread was not sampled: off CPU in a CPU profile) closes
 * everything where its last sample ended. Per thread its name, its
 * process's name and its rank (busiest first) as metadata events;
 * timestamps in microseconds from the profile's start. */
#ifndef STACKTOP_PROFILE_CHROMETRACE_H
#define STACKTOP_PROFILE_CHROMETRACE_H

#include "../profile.h"

#include <stdio.h>

/* Writes p to out (borrowed). Valid JSON whatever the names hold; every
 * thread's B and E events balanced and nested. */
void profile_chrometrace_write(FILE *out, const struct profile *p);

#endif
