/* The start-up cost of linking libproc2: built twice, with and without
 * WITH_LIBPROC2, each reads the uptime once and exits; scripts/bench
 * collector times many runs of each. */
#ifdef WITH_LIBPROC2
#include <libproc2/misc.h>
#else
#include <stdio.h>
#endif

int
main(void)
{
	double up = 0;
#ifdef WITH_LIBPROC2
	double idle;

	return procps_uptime(&up, &idle) < 0;
#else
	FILE *f = fopen("/proc/uptime", "r");
	int ok = f != NULL && fscanf(f, "%lf", &up) == 1;

	if (f != NULL)
		fclose(f);
	return !ok;
#endif
}
