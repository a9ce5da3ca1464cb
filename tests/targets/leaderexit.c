/* A process whose main thread has ended (pthread_exit) while another thread
 * works on: /proc shows the main thread as a zombie, yet the process is
 * alive.
 *
 * usage: leaderexit */
#include "target.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long spin_counter;

/* Says ready from here, so that a stack caught while the line is still
 * being written already runs in orphan_spin. */
__attribute__((noinline)) static void
orphan_spin(void)
{
	target_ready();
	for (;;)
		spin_counter++;
}

/* Waits until the main thread has ended: /proc shows it a zombie. */
static void
wait_main_ended(void)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)getpid());
	for (;;) {
		FILE *f = fopen(path, "r");
		size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		const char *paren;

		if (f != NULL)
			fclose(f);
		buf[n] = '\0';
		if ((paren = strrchr(buf, ')')) != NULL && paren[1] == ' ' && paren[2] == 'Z')
			return;
		usleep(1000);
	}
}

/* Says ready (in orphan_spin) once the main thread has ended and named
 * this one, so that a test sees the process it is about, however loaded
 * the machine. */
static void *
orphan_main(void *arg)
{
	(void)arg;
	wait_main_ended();
	orphan_spin();
	return NULL;
}

int
main(void)
{
	pthread_t t;

	target_init();
	pthread_create(&t, NULL, orphan_main, NULL);
	pthread_setname_np(t, "st-orphan");
	pthread_exit(NULL);
}
