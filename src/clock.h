/* The one clock we measure intervals with: monotonic, never set back. */
#ifndef STACKTOP_CLOCK_H
#define STACKTOP_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin: only differences mean
 * anything). */
static inline double
clock_monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
