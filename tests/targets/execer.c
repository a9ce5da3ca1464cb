/* A process that changes program under a profiler: it spins in before_exec
 * for a while, then execs itself to spin in after_exec until killed.
 *
 * usage: execer [SECONDS_BEFORE_EXEC]   (default 1) */
#include "target.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long spin_counter;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void
before_exec(double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end)
		spin_counter++;
}

__attribute__((noinline)) static void
after_exec(void)
{
	for (;;)
		spin_counter++;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "after") == 0) {
		after_exec();
		return 0;
	}
	target_init();
	target_ready();
	before_exec(argc > 1 ? atof(argv[1]) : 1.0);
	execl("/proc/self/exe", "execer", "after", (char *)NULL);
	return 1;
}
