/* Threads created and ending all the time: hundreds per second, each living a
 * millisecond or so, to race the collector's listing against their exits.
 *
 * usage: churn */
#include "target.h"

#include <pthread.h>
#include <time.h>

static void *
short_life(void *arg)
{
	struct timespec ts = {0, 1000 * 1000};

	(void)arg;
	nanosleep(&ts, NULL);
	return NULL;
}

static void *
spawner(void *arg)
{
	struct timespec gap = {0, 2 * 1000 * 1000};

	(void)arg;
	for (;;) {
		pthread_t t[4];

		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, short_life, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		nanosleep(&gap, NULL);
	}
	return NULL;
}

int
main(void)
{
	pthread_t t;

	target_init();
	for (int i = 0; i < 2; i++)
		pthread_create(&t, NULL, spawner, NULL);
	target_ready();
	for (;;)
		pause();
}
