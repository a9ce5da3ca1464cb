/* Is a process's memory growing? A slope fitted on per-window minima.
 *
 * A garbage-collected or pooling process saws up and down; its peaks say
 * nothing, but if the bottom of each sawtooth keeps rising, memory is being
 * retained. So the samples are cut into equal windows, the minimum of each is
 * kept, and a least-squares line through those minima gives the rate. A
 * window longer than the sawtooth's period is what makes this work; a one-off
 * allocation shows as a single step, which the consistency rule below rejects. */
#ifndef STACKTOP_GROWTH_H
#define STACKTOP_GROWTH_H

#include <stddef.h>
#include <stdint.h>

enum growth_verdict {
	GROWTH_UNKNOWN,
	GROWTH_STEADY,
	GROWTH_GROWING,
	GROWTH_SHRINKING,
};

/* "unknown", "steady", "growing", "shrinking" (the JSON contract's words). */
const char *growth_verdict_name(enum growth_verdict v);

struct growth {
	double span_s;      /* from the first sample to the last */
	double window_s;    /* the length of one window */
	size_t windows;     /* windows that held samples */
	double kib_per_min; /* the fitted slope; NAN when unknown */
	enum growth_verdict verdict;
};

/* Fits samples (t_s[i] seconds, kib[i]) taken in time order, cut into
 * `windows` windows. The verdict is growing (shrinking) when the fitted slope
 * stands clear of its own uncertainty (99% one-sided, from the minima's
 * scatter about the line), the change over the span is at least 64 KiB, and
 * at least 60% of the steps between successive window minima go up (down);
 * steady otherwise; unknown with fewer than 3 windows holding samples. Pure. */
void growth_fit(const double *t_s, const int64_t *kib, size_t n, size_t windows,
                struct growth *out);

/* Samples (time, KiB) collected one at a time, for growth_fit. */
struct growth_series {
	double start; /* the first sample's time, on the caller's clock */
	double *t_s;  /* owned: seconds since the first sample */
	int64_t *kib; /* owned */
	size_t n, cap;
};

/* Appends a sample taken at now_s (seconds, any clock as long as it is
 * always the same one). */
void growth_series_add(struct growth_series *s, double now_s, int64_t kib);

/* Frees the samples and empties s. */
void growth_series_clear(struct growth_series *s);

#endif
