/* The growth fit on synthetic series: a leak, a sawtooth, a one-off step. */
#include "check.h"
#include "growth.h"

#include <math.h>

#define N 101 /* ten seconds at ten samples a second */

static void
series(double *t, int64_t *v, double (*f)(double))
{
	for (int i = 0; i < N; i++) {
		t[i] = i * 0.1;
		v[i] = (int64_t)f(t[i]);
	}
}

static double
leak(double t) /* 60 MiB/min over 100 MiB */
{
	return 102400 + t * 1024;
}

static double
sawtooth(double t) /* 0..32 MiB every second over a 50 MiB floor */
{
	return 51200 + fmod(t, 1.0) * 32768;
}

static double
leaky_sawtooth(double t)
{
	return sawtooth(t) + t * 512;
}

static double
step(double t) /* one 4 MiB allocation at t = 5 s */
{
	return 51200 + (t >= 5.0 ? 4096 : 0);
}

static double
shrink(double t)
{
	return 409600 - t * 2048;
}

/* -d 3 at ten samples a second, on a 200 MB process. */
#define N3  31
#define BIG 204800.0

/* A little noise that repeats: -12 … +12 KiB, as stacks and buffers move. */
static double
jitter(int i)
{
	return (double)((i * 7919) % 7 - 3) * 4.0;
}

/* The cases at -d 3: a leak of 1% of RSS a minute must already be
 * "growing"; a sawtooth (phase shifted) and a noisy steady process must not.
 * A share of the level as threshold (0.5%: 1 MB) called the leak steady. */
static void
short_windows(void)
{
	double t[N3];
	int64_t v[N3];
	struct growth g;

	for (int i = 0; i < N3; i++) {
		t[i] = i * 0.1;
		v[i] = (int64_t)(BIG + t[i] * BIG * 0.01 / 60.0 + jitter(i));
	}
	growth_fit(t, v, N3, 5, &g);
	CHECK(g.verdict == GROWTH_GROWING);
	CHECK(fabs(g.kib_per_min - 2048) < 2048 * 0.3);

	for (double phase = 0; phase < 1.0; phase += 0.25) {
		for (int i = 0; i < N3; i++) {
			t[i] = i * 0.1;
			v[i] = (int64_t)(BIG + fmod(t[i] + phase, 1.0) * 32768 + jitter(i));
		}
		growth_fit(t, v, N3, 5, &g);
		CHECK(g.verdict == GROWTH_STEADY);
	}
	for (int i = 0; i < N3; i++) {
		t[i] = i * 0.1;
		v[i] = (int64_t)(BIG + 4 * jitter(i));
	}
	growth_fit(t, v, N3, 5, &g);
	CHECK(g.verdict == GROWTH_STEADY);
}

int
main(void)
{
	double t[N];
	int64_t v[N];
	struct growth g;

	series(t, v, leak);
	growth_fit(t, v, N, 5, &g);
	CHECK(g.verdict == GROWTH_GROWING);
	CHECK(fabs(g.kib_per_min - 61440) < 61440 * 0.05);
	CHECK(g.windows == 5 && fabs(g.span_s - 10) < 1e-9);

	series(t, v, sawtooth);
	growth_fit(t, v, N, 5, &g);
	CHECK(g.verdict == GROWTH_STEADY);

	series(t, v, leaky_sawtooth);
	growth_fit(t, v, N, 5, &g);
	CHECK(g.verdict == GROWTH_GROWING);
	CHECK(fabs(g.kib_per_min - 30720) < 30720 * 0.2);

	series(t, v, step);
	growth_fit(t, v, N, 5, &g);
	CHECK(g.verdict == GROWTH_STEADY);

	series(t, v, shrink);
	growth_fit(t, v, N, 5, &g);
	CHECK(g.verdict == GROWTH_SHRINKING);

	/* Too little data is unknown, not steady. */
	growth_fit(t, v, 2, 5, &g);
	CHECK(g.verdict == GROWTH_UNKNOWN && isnan(g.kib_per_min));
	growth_fit(t, v, 0, 5, &g);
	CHECK(g.verdict == GROWTH_UNKNOWN);
	CHECK_STR(growth_verdict_name(GROWTH_GROWING), "growing");
	short_windows();
	return check_done("growth");
}
