/* A process whose names try to attack the terminal and the parsers: comm
 * with ") R 1 (" and an escape, threads named with escapes, BEL, a newline, a
 * C1 control and invalid UTF-8. Its command line is whatever the test passes.
 *
 * usage: hostile [ARGS...] */
#include "target.h"

#include <pthread.h>
#include <string.h>

/* Each at most 15 bytes: the kernel's comm limit. */
static const char *const thread_names[] = {
    "\x1b]0;pwned\x07", /* set the window title */
    "a\nb) S 9 (",      /* a newline and a fake stat field list */
    "\xc2\x9b"
    "31mred",           /* C1 CSI, UTF-8 encoded */
    "bad\xff\xfeutf8",  /* invalid UTF-8 */
    "\x1b[2J\x1b[Hclr", /* clear the screen */
};

static void *
sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int
main(void)
{
	pthread_t t;

	target_init();
	prctl(PR_SET_NAME, "x) R 1 (\x1b[31m", 0, 0, 0);
	for (size_t i = 0; i < sizeof(thread_names) / sizeof(thread_names[0]); i++) {
		pthread_create(&t, NULL, sleeper, NULL);
		pthread_setname_np(t, thread_names[i]);
	}
	target_ready();
	for (;;)
		pause();
}
