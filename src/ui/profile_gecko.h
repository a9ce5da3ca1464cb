/* A profile as a Gecko profile: the JSON the Firefox Profiler
 * (https://profiler.firefox.com) loads as it loads Firefox's own, and what
 * CPython 3.15's sampler writes with --gecko. One thread entry per thread
 * (name, tid, pid, its process's name), busiest first; its samples in the
 * order taken with their times in milliseconds; per thread a stack, frame
 * and string table; frames in the categories Python, Native, Kernel and
 * Other (stacktop's notes). Already symbolicated: the profiler looks
 * nothing up. */
#ifndef STACKTOP_PROFILE_GECKO_H
#define STACKTOP_PROFILE_GECKO_H

#include "../profile.h"

#include <stdio.h>

/* The format's version this writer follows (meta.version): the profiler
 * upgrades older versions as it loads them, and refuses newer ones than it
 * knows. 32 is the first with the frame table of today (no optimizations
 * column, version 27) and the location strings' current grammar; the
 * profiler of 2024 and later loads it. */
#define PROFILE_GECKO_VERSION 32

/* Writes p to out (borrowed). Valid JSON whatever the names hold. */
void profile_gecko_write(FILE *out, const struct profile *p);

#endif
