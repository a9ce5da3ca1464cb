/* A thread pool as busy services run one: each worker computes ~0.1 ms in
 * work_encode, ~0.02 ms in work_query, then sleeps 2 ms, in a loop. Most of
 * the time every worker sleeps; on a saturated machine a worker that wakes
 * waits for a CPU, runnable but not running: a CPU profile must not count
 * that wait where it slept.
 *
 * usage: pool [WORKERS]   (default 8)
 * Each SIGUSR1 prints "ops N": the loops all workers completed so far (the
 * benchmark's throughput). */
#include "target.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;
static uint64_t ops;
/* Iterations of the inner loop in 0.1 ms of CPU, measured at start. */
static uint64_t per_100us;

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void
work_spin(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		sink = sink * 6364136223846793005u + i;
}

/* The worker's main cost (as a service's encoder), its code inline. */
__attribute__((noinline)) static void
work_encode(void)
{
	for (uint64_t i = 0; i < per_100us; i++)
		sink = sink * 6364136223846793005u + i;
}

/* A fifth of that. */
__attribute__((noinline)) static void
work_query(void)
{
	for (uint64_t i = 0; i < per_100us / 5; i++)
		sink = sink * 6364136223846793005u + i;
}

static void *
worker_main(void *arg)
{
	struct timespec nap = {0, 2000000};

	(void)arg;
	for (;;) {
		work_encode();
		work_query();
		__atomic_add_fetch(&ops, 1, __ATOMIC_RELAXED);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

/* Iterations in 0.1 ms of this thread's CPU time (the best of a few
 * tries, so that a loaded machine does not change it). */
static uint64_t
calibrate(void)
{
	uint64_t n = 1u << 16, best = UINT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = cpu_ns();

		work_spin(n);
		if (cpu_ns() - t0 < best)
			best = cpu_ns() - t0;
	}
	return best ? n * 100000u / best : n;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8;
	sigset_t usr1;
	int sig;

	target_init();
	per_100us = calibrate();
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* inherited by the workers */
	for (int i = 0; i < n; i++) {
		pthread_t t;
		char name[16];

		if (pthread_create(&t, NULL, worker_main, NULL) != 0)
			return 1;
		snprintf(name, sizeof(name), "pool-%d", i);
		pthread_setname_np(t, name);
	}
	target_ready();
	for (;;) {
		if (sigwait(&usr1, &sig) == 0) {
			printf("ops %llu\n",
			       (unsigned long long)__atomic_load_n(&ops, __ATOMIC_RELAXED));
			fflush(stdout);
		}
	}
}
