/* Heap memory that grows at a known rate and is never freed. It grows the
 * brk heap itself, so the rate and the [heap] mapping are exact whatever
 * allocator the target was built with (a sanitizer's malloc does not use brk).
 *
 * usage: leak MIB_PER_MINUTE [BASE_MIB]
 * BASE_MIB: resident anonymous memory held from the start (a large process
 * whose leak is small against its size). */
#include "target.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
	double rate = argc > 1 ? atof(argv[1]) : 60;
	/* Ten allocations a second, each touched so that it is resident. */
	size_t chunk = (size_t)(rate * 1024 * 1024 / 600);
	struct timespec tick = {0, 100 * 1000 * 1000};
	struct timespec next;

	size_t base = (size_t)(argc > 2 ? atof(argv[2]) : 0) * 1024 * 1024;

	target_init();
	if (base > 0) {
		char *held = malloc(base);

		if (held != NULL)
			memset(held, 0x5a, base);
	}
	target_ready();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		char *p = sbrk((intptr_t)chunk);

		if (p != (void *)-1)
			memset(p, 0xa5, chunk);
		next.tv_nsec += tick.tv_nsec;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
}
