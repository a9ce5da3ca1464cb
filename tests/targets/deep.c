/* Stacks that test how far a walk goes: a thread deep in direct
 * self-recursion (the same return address again and again, which is no
 * loop), and a thread blocked inside a signal handler (the walk goes on
 * through the kernel's signal frame to the code the signal interrupted).
 *
 * usage: deep [DEPTH]   (default 60: dp-recurse is DEPTH frames of
 *        recurse_deep deep, then blocked in pause()) */
#include "target.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile int signalled;
static volatile int spinning;
static volatile int never; /* the recursion could end: GCC sees it can */

/* noipa and the volatile local keep GCC from turning the recursion into a
 * loop or a tail call: every level is a real frame. */
__attribute__((noinline, noipa)) static void
recurse_deep(int n)
{
	volatile int keep = n;

	if (n <= 1) {
		while (!never)
			pause();
		return;
	}
	recurse_deep(n - 1);
	keep++;
}

static void *
recurse_main(void *arg)
{
	recurse_deep(*(int *)arg);
	return NULL;
}

__attribute__((noinline, noipa)) static void
wait_in_handler(void)
{
	for (;;)
		pause();
}

/* Not a tail call: the handler keeps a frame of its own. */
__attribute__((noinline, noipa)) static void
on_usr1(int sig)
{
	signalled = 1;
	wait_in_handler();
	signalled = sig;
}

/* Spins (a leaf, interrupted anywhere in its loop) until the signal comes. */
__attribute__((noinline, noipa)) static void
spin_until_signal(void)
{
	while (!signalled)
		;
}

static void *
signal_main(void *arg)
{
	(void)arg;
	spinning = 1;
	spin_until_signal();
	return NULL;
}

int
main(int argc, char **argv)
{
	static int depth;
	struct sigaction sa;
	pthread_t recurse, sig;

	target_init();
	depth = argc > 1 ? atoi(argv[1]) : 60;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	/* Deep enough stacks for any depth asked for. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64u << 20);
	pthread_create(&recurse, &attr, recurse_main, &depth);
	pthread_setname_np(recurse, "dp-recurse");
	pthread_create(&sig, NULL, signal_main, NULL);
	pthread_setname_np(sig, "dp-signal");
	pthread_setname_np(pthread_self(), "dp-main");
	/* Interrupt the spinning loop, not the thread's start. */
	while (!spinning)
		usleep(1000);
	usleep(10000);
	pthread_kill(sig, SIGUSR1);
	while (!signalled)
		usleep(1000);
	target_ready();
	for (;;)
		pause();
}
