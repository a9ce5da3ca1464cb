/* A profile as pprof's profile.proto, gzipped (stacktop record --format
 * pprof, or -o FILE.pb.gz): what `go tool pprof`, Grafana Pyroscope and
 * Parca read. Each distinct stack is one sample with its count and the CPU
 * (or wall) time the count stands for; its thread (and, of a system-wide
 * profile, its process) are labels. Native frames are locations at their
 * instruction pointer, in a function named by its symbol and module;
 * Python frames are locations at their line, in a function named by its
 * qualified name and source file. */
#ifndef STACKTOP_PROFILE_PPROF_H
#define STACKTOP_PROFILE_PPROF_H

#include "../profile.h"

#include <stdio.h>

/* clock names the time each sample stands for: "cpu" or "wall" (pprof's
 * sample type cpu/nanoseconds or wall/nanoseconds beside samples/count).
 * Returns 0, or -EIO when the compressor failed (out's own errors show
 * when the caller closes it). */
int profile_pprof_write(FILE *out, const struct profile *p, const char *clock);

#endif
