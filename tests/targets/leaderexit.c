/* A process whose main thread has ended (pthread_exit) while another thread
 * works on: /proc shows the main thread as a zombie, yet the process is
 * alive.
 *
 * usage: leaderexit */
#include "target.h"

#include <pthread.h>

static volatile unsigned long spin_counter;

__attribute__((noinline)) static void
orphan_spin(void)
{
	for (;;)
		spin_counter++;
}

static void *
orphan_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "st-orphan");
	orphan_spin();
	return NULL;
}

int
main(void)
{
	pthread_t t;

	target_init();
	pthread_create(&t, NULL, orphan_main, NULL);
	target_ready();
	pthread_exit(NULL);
}
