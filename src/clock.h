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

/* s seconds (s >= 0) as a timespec: a time on CLOCK_MONOTONIC, or a
 * duration. */
static inline struct timespec
clock_timespec(double s)
{
	time_t whole = (time_t)s;

	return (struct timespec){whole, (long)((s - (double)whole) * 1e9)};
}

#endif
