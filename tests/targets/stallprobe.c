/* A target that measures what a tool costs it: idle threads, one busy worker
 * that counts loop iterations (throughput), and a probe thread that measures
 * the longest time it could not run (the freeze a tool caused).
 *
 * The probe sleeps PROBE_PERIOD_NS at a time and keeps the largest oversleep.
 * It sleeps rather than spins: on a 2-CPU box a spinning probe and the worker
 * would leave no CPU to the tool under test, and the probe would then
 * measure ordinary preemption. While a tool holds the threads stopped the
 * probe cannot wake, so its oversleep is the freeze, plus the usual wake-up
 * latency, which the benchmark measures with no tool attached. To keep that
 * latency small on a busy box, the probe asks for SCHED_FIFO (it runs a few
 * microseconds per period); without the privilege it stays a normal thread.
 *
 * On SIGUSR1 the main thread prints one line on stdout,
 *   "stats MAX_STALL_US ITERATIONS MONOTONIC_NS WORKER_CPU_NS"
 * and starts a new maximum. The worker's CPU time tells a tool's cost from
 * other work on the machine taking the CPU away. The benchmark reads that line before and after
 * running a tool; nothing on stacktop's side helps.
 *
 * usage: stallprobe [IDLE_THREADS]   (default 100) */
#include "target.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define PROBE_PERIOD_NS 200000

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;

/* Written by one thread each, read by the main thread: relaxed atomics. */
static uint64_t iterations;    /* the worker's loop count */
static uint64_t max_stall_ns;  /* the probe's largest oversleep since the last report */
static uint64_t probe_rounds;  /* completed probe sleeps */
static clockid_t worker_clock; /* set before the main thread reports */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void
count_forever(void)
{
	for (;;)
		__atomic_store_n(&iterations, __atomic_load_n(&iterations, __ATOMIC_RELAXED) + 1,
		                 __ATOMIC_RELAXED);
}

static void *
worker_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "sp-worker");
	count_forever();
	return NULL;
}

static void
probe_record(uint64_t gap)
{
	uint64_t cur = __atomic_load_n(&max_stall_ns, __ATOMIC_RELAXED);

	/* A compare-and-swap, not a store: the main thread may reset the maximum
	 * to 0 between our load and our store. */
	while (gap > cur && !__atomic_compare_exchange_n(&max_stall_ns, &cur, gap, 0,
	                                                 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

__attribute__((noinline)) static void
probe_forever(void)
{
	const struct timespec period = {0, PROBE_PERIOD_NS};

	for (;;) {
		uint64_t start = now_ns(), slept;

		clock_nanosleep(CLOCK_MONOTONIC, 0, &period, NULL);
		slept = now_ns() - start;
		probe_record(slept > PROBE_PERIOD_NS ? slept - PROBE_PERIOD_NS : 0);
		__atomic_add_fetch(&probe_rounds, 1, __ATOMIC_RELAXED);
	}
}

static void *
probe_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "sp-probe");
	/* The default 50 µs timer slack would be a quarter of the period. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	/* Woken ahead of every normal thread, so that the oversleep is the
	 * freeze rather than the wait for a CPU. EPERM: stay SCHED_OTHER. */
	pthread_setschedparam(pthread_self(), SCHED_FIFO,
	                      &(struct sched_param){.sched_priority = 1});
	probe_forever();
	return NULL;
}

static void *
idle_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_lock);
	for (;;)
		pthread_cond_wait(&idle_cond, &idle_lock);
	return NULL;
}

/* Wait until the probe has finished two sleeps that began after now: a freeze
 * that ended just before the report was asked for is then in the maximum
 * (the main thread and the probe resume in no particular order). Bounded, in
 * case the probe cannot run at all. */
static void
wait_for_probe(void)
{
	const struct timespec tick = {0, 100000};
	uint64_t target = __atomic_load_n(&probe_rounds, __ATOMIC_RELAXED) + 2;

	for (int i = 0; i < 1000; i++) {
		if (__atomic_load_n(&probe_rounds, __ATOMIC_RELAXED) >= target)
			return;
		nanosleep(&tick, NULL);
	}
}

static void
report_loop(const sigset_t *usr1)
{
	for (;;) {
		struct timespec cpu = {0, 0};
		int sig;

		if (sigwait(usr1, &sig) != 0)
			continue;
		wait_for_probe();
		clock_gettime(worker_clock, &cpu);
		printf("stats %llu %llu %llu %llu\n",
		       (unsigned long long)__atomic_exchange_n(&max_stall_ns, 0, __ATOMIC_RELAXED) /
		           1000,
		       (unsigned long long)__atomic_load_n(&iterations, __ATOMIC_RELAXED),
		       (unsigned long long)now_ns(),
		       (unsigned long long)cpu.tv_sec * 1000000000u +
		           (unsigned long long)cpu.tv_nsec);
		fflush(stdout);
	}
}

int
main(int argc, char **argv)
{
	int nidle = argc > 1 ? atoi(argv[1]) : 100;
	pthread_attr_t attr;
	sigset_t usr1;
	pthread_t t;

	target_init();
	pthread_setname_np(pthread_self(), "sp-main");
	/* Blocked before any thread starts, so every thread inherits the mask and
	 * only the main thread's sigwait takes SIGUSR1. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < nidle; i++) {
		char name[32];

		if (pthread_create(&t, &attr, idle_main, NULL) != 0)
			return 1;
		snprintf(name, sizeof(name), "sp-idle-%d", i % 1000000);
		name[15] = '\0'; /* the kernel limit */
		pthread_setname_np(t, name);
	}
	if (pthread_create(&t, &attr, worker_main, NULL) != 0 ||
	    pthread_getcpuclockid(t, &worker_clock) != 0 ||
	    pthread_create(&t, &attr, probe_main, NULL) != 0)
		return 1;
	target_ready();
	report_loop(&usr1);
}
