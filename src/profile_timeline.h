/* A profile's samples per thread, in the order they were taken: what the
 * time-ordered formats draw (speedscope's timeline, chrometrace). Pure. */
#ifndef STACKTOP_PROFILE_TIMELINE_H
#define STACKTOP_PROFILE_TIMELINE_H

#include "profile.h"

#include <stddef.h>
#include <stdint.h>

struct timeline_sample {
	size_t stack; /* index into the profile's stacks */
	double t;     /* seconds since the profile was made */
	uint64_t weight;
};

struct timeline_thread {
	const struct profile_stack *first; /* names the thread (and process) */
	struct timeline_sample *samples;   /* owned, in time order */
	size_t n, cap;
	uint64_t total; /* its samples' weights */
};

/* The threads of p, busiest first (ties: by process, then thread id). A
 * count with no event (the timeline was cut, or the profile was built by
 * hand) follows its thread's events, at the time of the last one. Returns
 * how many; *out owned, free with profile_timeline_free. */
size_t profile_timeline(const struct profile *p, struct timeline_thread **out);
void profile_timeline_free(struct timeline_thread *threads, size_t n);

#endif
