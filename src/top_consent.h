/* The processes the user agreed to stop for a walk of the collector's
 * lists (the memory page's census, the asyncio page's tasks): a page asks
 * the first time for a process, saying how long the stop will be, and not
 * again while the live view runs. */
#ifndef STACKTOP_TOP_CONSENT_H
#define STACKTOP_TOP_CONSENT_H

#include "probes/python_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The processes remembered; past them the oldest is forgotten first. */
#define TOP_CONSENT_PIDS 32

struct top_consent {
	int pids[TOP_CONSENT_PIDS];
	size_t n; /* given so far (pids holds the last TOP_CONSENT_PIDS) */
};

/* Whether the user agreed to stop pid. */
bool top_consent_given(const struct top_consent *c, int pid);

/* The user agreed to stop pid (again: nothing changes). */
void top_consent_give(struct top_consent *c, int pid);

/* The question a page asks before the first stop of pid: walk (what
 * stops it: "a census"), then how long the stop is expected to take and
 * its bound, then press (the key to agree: "Press t to take it."). */
void top_consent_ask(FILE *out, const char *walk, int pid, const struct python_types_expect *e,
                     const char *press);

#endif
