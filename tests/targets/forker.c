/* A bounded fork bomb for --tree --max-processes: forks CHILDREN sleeping
 * children as fast as it can, says ready, then keeps forking: every
 * CHURN_MS it kills its oldest child and forks another, so the tree is
 * never the same twice. Bounded so that a bug cannot hurt the machine: at
 * most FORKER_MAX children live at once, each dies with the forker
 * (PR_SET_PDEATHSIG), and the forker dies with its test.
 *
 * usage: forker [CHILDREN [CHURN_MS]]   (default 300 children, 20 ms) */
#include "target.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#define FORKER_MAX 1000

__attribute__((noinline)) static void
forker_child_wait(void)
{
	for (;;)
		pause();
}

/* Forks one child that waits until killed. Returns its PID, or -1. */
static pid_t
forker_fork(pid_t parent)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0); /* the forker died before the prctl */
	forker_child_wait();
	_exit(0);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300;
	long churn_ms = argc > 2 ? atol(argv[2]) : 20;
	pid_t children[FORKER_MAX], self;
	struct timespec pause_ts;
	int oldest = 0;

	target_init();
	if (n < 1 || n > FORKER_MAX || churn_ms < 1) {
		fprintf(stderr, "usage: forker [CHILDREN (1-%d) [CHURN_MS]]\n", FORKER_MAX);
		return 2;
	}
	self = getpid();
	for (int i = 0; i < n; i++)
		if ((children[i] = forker_fork(self)) < 0)
			return 1;
	target_ready();
	pause_ts = (struct timespec){churn_ms / 1000, (churn_ms % 1000) * 1000000};
	for (;;) {
		nanosleep(&pause_ts, NULL);
		kill(children[oldest], SIGKILL);
		waitpid(children[oldest], NULL, 0);
		if ((children[oldest] = forker_fork(self)) < 0)
			return 1;
		oldest = (oldest + 1) % n;
	}
}
