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
 * The numbers live in STATS_FILE, mapped shared (struct stallprobe_stats, in
 * native byte order), so that the benchmark reads them without waking any
 * thread of ours: a sampler that stops only the threads that ran would
 * otherwise find a reporting thread running. The benchmark starts a window
 * by writing a new number to `window`; the probe then starts a new maximum
 * and acknowledges it in `window_ack`.
 *
 * With --no-probe there is no probe thread: a sampler then finds only the
 * worker running.
 *
 * usage: stallprobe IDLE_THREADS STATS_FILE [--no-probe] */
#include "target.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PROBE_PERIOD_NS 200000

/* The layout scripts/bench reads: eight-byte fields, written with relaxed
 * atomics, each by one side only. */
struct stallprobe_stats {
	uint64_t worker_tid;   /* for the worker's CPU time in /proc */
	uint64_t iterations;   /* the worker's loop count */
	uint64_t probe_rounds; /* completed probe sleeps */
	uint64_t max_stall_ns; /* the largest oversleep in window `window_ack` */
	uint64_t window;       /* written by the benchmark */
	uint64_t window_ack;
};

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void
count_forever(struct stallprobe_stats *st)
{
	for (;;)
		__atomic_store_n(&st->iterations,
		                 __atomic_load_n(&st->iterations, __ATOMIC_RELAXED) + 1,
		                 __ATOMIC_RELAXED);
}

static void *
worker_main(void *arg)
{
	struct stallprobe_stats *st = arg;

	pthread_setname_np(pthread_self(), "sp-worker");
	__atomic_store_n(&st->worker_tid, (uint64_t)gettid(), __ATOMIC_RELAXED);
	count_forever(st);
	return NULL;
}

__attribute__((noinline)) static void
probe_forever(struct stallprobe_stats *st)
{
	const struct timespec period = {0, PROBE_PERIOD_NS};

	for (;;) {
		uint64_t start = now_ns(), slept, gap, window;

		clock_nanosleep(CLOCK_MONOTONIC, 0, &period, NULL);
		slept = now_ns() - start;
		gap = slept > PROBE_PERIOD_NS ? slept - PROBE_PERIOD_NS : 0;
		window = __atomic_load_n(&st->window, __ATOMIC_RELAXED);
		if (window != __atomic_load_n(&st->window_ack, __ATOMIC_RELAXED)) {
			/* A new window: this sleep began before it, so it does
			 * not count. */
			__atomic_store_n(&st->max_stall_ns, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&st->window_ack, window, __ATOMIC_RELEASE);
		} else if (gap > __atomic_load_n(&st->max_stall_ns, __ATOMIC_RELAXED)) {
			__atomic_store_n(&st->max_stall_ns, gap, __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&st->probe_rounds, 1, __ATOMIC_RELEASE);
	}
}

static void *
probe_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sp-probe");
	/* The default 50 µs timer slack would be a quarter of the period. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	/* Woken ahead of every normal thread, so that the oversleep is the
	 * freeze rather than the wait for a CPU. EPERM: stay SCHED_OTHER. */
	pthread_setschedparam(pthread_self(), SCHED_FIFO,
	                      &(struct sched_param){.sched_priority = 1});
	probe_forever(arg);
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

/* The shared page; NULL on failure (after a message). */
static struct stallprobe_stats *
stats_map(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	void *p;

	if (fd < 0 || ftruncate(fd, 4096) != 0) {
		perror(path);
		return NULL;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	return p;
}

int
main(int argc, char **argv)
{
	struct stallprobe_stats *st;
	pthread_attr_t attr;
	pthread_t t;
	int nidle;

	target_init();
	if (argc < 3 || (argc > 3 && strcmp(argv[3], "--no-probe") != 0)) {
		fprintf(stderr, "usage: stallprobe IDLE_THREADS STATS_FILE [--no-probe]\n");
		return 2;
	}
	nidle = atoi(argv[1]);
	st = stats_map(argv[2]);
	if (st == NULL)
		return 1;
	pthread_setname_np(pthread_self(), "sp-main");
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
	if (pthread_create(&t, &attr, worker_main, st) != 0 ||
	    (argc == 3 && pthread_create(&t, &attr, probe_main, st) != 0))
		return 1;
	/* The benchmark looks for the worker's TID once we are ready. */
	while (__atomic_load_n(&st->worker_tid, __ATOMIC_RELAXED) == 0)
		sched_yield();
	target_ready();
	for (;;)
		pause();
}
