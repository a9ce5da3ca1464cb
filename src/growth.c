#include "growth.h"

#include "xmalloc.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The smallest windows we cut: more would only add noise to the fit. */
#define GROWTH_MAX_WINDOWS 64
/* A change smaller than this over the whole span is page-level noise (a few
 * pages of a stack or a buffer), whatever the fit says. */
#define GROWTH_MIN_CHANGE_KIB 64.0

/* Student's t at 99% one-sided, by degrees of freedom (index 1 …): how many
 * standard errors a slope must be from zero before we call it a trend. */
static const double growth_t99[] = {0,     31.82, 6.965, 4.541, 3.747, 3.365, 3.143,
                                    2.998, 2.896, 2.821, 2.764, 2.718, 2.681};

static double
growth_t_critical(size_t dof)
{
	size_t n = sizeof(growth_t99) / sizeof(growth_t99[0]);

	return dof < n ? growth_t99[dof] : 2.6;
}

const char *
growth_verdict_name(enum growth_verdict v)
{
	switch (v) {
	case GROWTH_STEADY:
		return "steady";
	case GROWTH_GROWING:
		return "growing";
	case GROWTH_SHRINKING:
		return "shrinking";
	case GROWTH_UNKNOWN:
		break;
	}
	return "unknown";
}

void
growth_fit(const double *t_s, const int64_t *kib, size_t n, size_t windows, struct growth *out)
{
	double min_t[GROWTH_MAX_WINDOWS], min_v[GROWTH_MAX_WINDOWS];
	bool used[GROWTH_MAX_WINDOWS] = {false};
	double sx = 0, sy = 0, sxx = 0, sxy = 0, slope, intercept, change, ssr = 0, se2, sdev, tc;
	size_t k = 0, ups = 0, downs = 0;
	bool trend;

	*out = (struct growth){.kib_per_min = NAN, .verdict = GROWTH_UNKNOWN};
	if (n < 2 || windows < 1)
		return;
	if (windows > GROWTH_MAX_WINDOWS)
		windows = GROWTH_MAX_WINDOWS;
	out->span_s = t_s[n - 1] - t_s[0];
	out->window_s = out->span_s / (double)windows;
	if (!(out->span_s > 0))
		return;
	for (size_t i = 0; i < n; i++) {
		double at = (t_s[i] - t_s[0]) / out->window_s;
		/* The last sample closes the last window; out-of-order times are
		 * clamped rather than trusted. */
		size_t w = at <= 0 ? 0 : at >= (double)windows ? windows - 1 : (size_t)at;
		if (!used[w] || (double)kib[i] < min_v[w]) {
			min_v[w] = (double)kib[i];
			min_t[w] = t_s[i];
			used[w] = true;
		}
	}
	/* Compact the windows that held samples. */
	for (size_t w = 0; w < windows; w++) {
		if (!used[w])
			continue;
		min_t[k] = min_t[w];
		min_v[k] = min_v[w];
		k++;
	}
	out->windows = k;
	if (k < 3)
		return;
	for (size_t i = 0; i < k; i++) {
		sx += min_t[i];
		sy += min_v[i];
		sxx += min_t[i] * min_t[i];
		sxy += min_t[i] * min_v[i];
		if (i > 0 && min_v[i] > min_v[i - 1])
			ups++;
		if (i > 0 && min_v[i] < min_v[i - 1])
			downs++;
	}
	if (k * sxx - sx * sx <= 0)
		return;
	slope = ((double)k * sxy - sx * sy) / ((double)k * sxx - sx * sx);
	intercept = (sy - slope * sx) / (double)k;
	out->kib_per_min = slope * 60.0;
	change = slope * out->span_s;
	/* The slope's standard error from the minima's scatter about the line:
	 * a trend is a slope that stands clear of it, which a slow leak in a
	 * large process does within seconds (its minima climb a straight
	 * line) and a sawtooth caught mid-ramp in one window does not. A fixed
	 * share of the level would call a 1%-a-minute leak of 200 MB steady
	 * for the first 30 s. */
	for (size_t i = 0; i < k; i++) {
		double r = min_v[i] - (intercept + slope * min_t[i]);

		ssr += r * r;
	}
	sdev = (double)k * sxx - sx * sx;               /* k times the spread of the times */
	se2 = ssr / (double)(k - 2) * (double)k / sdev; /* squared: no libm */
	tc = growth_t_critical(k - 2);
	trend = slope * slope > tc * tc * se2 && fabs(change) >= GROWTH_MIN_CHANGE_KIB;
	if (trend && slope > 0 && (double)ups >= 0.6 * (double)(k - 1))
		out->verdict = GROWTH_GROWING;
	else if (trend && slope < 0 && (double)downs >= 0.6 * (double)(k - 1))
		out->verdict = GROWTH_SHRINKING;
	else
		out->verdict = GROWTH_STEADY;
}

void
growth_series_add(struct growth_series *s, double now_s, int64_t kib)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->t_s = xreallocarray(s->t_s, s->cap, sizeof(*s->t_s));
		s->kib = xreallocarray(s->kib, s->cap, sizeof(*s->kib));
	}
	if (s->n == 0)
		s->start = now_s;
	s->t_s[s->n] = now_s - s->start;
	s->kib[s->n++] = kib;
}

void
growth_series_clear(struct growth_series *s)
{
	free(s->t_s);
	free(s->kib);
	memset(s, 0, sizeof(*s));
}
