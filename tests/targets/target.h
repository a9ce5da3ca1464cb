/* Shared by the test targets: die with the test that started us, and tell it
 * when we are ready to be looked at. */
#ifndef STACKTOP_TARGET_H
#define STACKTOP_TARGET_H

#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

/* A target must never outlive its test, even if the test is killed. */
static inline void
target_init(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
}

/* One line on stdout: the test reads it before it starts measuring. */
static inline void
target_ready(void)
{
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
}

#endif
