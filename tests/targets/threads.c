/* A process with known threads: one hot thread spinning in a known function,
 * idle threads waiting on a condition variable, and one thread blocked in
 * read() on a pipe nobody writes to; optionally one more, st-late, that
 * sleeps LATE_SECONDS and then spins too.
 *
 * usage: threads [IDLE_THREADS [LATE_SECONDS]]   (default 8 idle threads, no
 *        late one; the benchmark uses 5000) */
#include "target.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static volatile unsigned long spin_counter;
static volatile int reader_started;

__attribute__((noinline)) static void
spin_forever(void)
{
	for (;;)
		spin_counter++;
}

static void *
hot_main(void *arg)
{
	(void)arg;
	spin_forever();
	return NULL;
}

static void *
late_main(void *arg)
{
	int seconds = *(int *)arg;

	sleep((unsigned)seconds);
	spin_forever();
	return NULL;
}

static int idle_started; /* under idle_lock */

static void *
idle_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&idle_lock);
	idle_started++;
	for (;;)
		pthread_cond_wait(&idle_cond, &idle_lock);
	return NULL;
}

__attribute__((noinline)) static void
block_in_read(int fd)
{
	char c;

	while (read(fd, &c, 1) != 0)
		;
}

static void *
reader_main(void *arg)
{
	int *fds = arg;

	reader_started = 1;
	block_in_read(fds[0]);
	return NULL;
}

int
main(int argc, char **argv)
{
	int nidle = argc > 1 ? atoi(argv[1]) : 8;
	static int late_seconds;
	static int fds[2];
	pthread_attr_t attr;
	pthread_t t;

	target_init();
	pthread_setname_np(pthread_self(), "st-main");
	if (pipe(fds) != 0)
		return 1;
	/* Small stacks so that thousands of idle threads stay cheap. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < nidle; i++) {
		char name[32];

		if (pthread_create(&t, &attr, idle_main, NULL) != 0)
			return 1;
		snprintf(name, sizeof(name), "st-idle-%d", i % 100000);
		name[15] = '\0'; /* the kernel limit */
		pthread_setname_np(t, name);
	}
	/* Named here, before "ready" (a thread naming itself may not have run
	 * yet when a test reads the names), and "ready" waits until the reader
	 * is on its way to read() and the hot thread spins. */
	pthread_create(&t, &attr, reader_main, fds);
	pthread_setname_np(t, "st-reader");
	pthread_create(&t, &attr, hot_main, NULL);
	pthread_setname_np(t, "st-hot");
	if (argc > 2) {
		late_seconds = atoi(argv[2]);
		pthread_create(&t, &attr, late_main, &late_seconds);
		pthread_setname_np(t, "st-late");
	}
	/* ... and every idle thread is in its wait (a thread not yet run
	 * shows only clone3: on a busy box, for milliseconds). */
	for (int started = 0; !reader_started || spin_counter == 0 || started < nidle;) {
		usleep(1000);
		pthread_mutex_lock(&idle_lock);
		started = idle_started;
		pthread_mutex_unlock(&idle_lock);
	}
	target_ready();
	for (;;)
		pause();
}
