/* A garbage-collector-like sawtooth: memory climbs for most of a second, then
 * all of it is released, over and over. Its peaks rise and fall; its floor
 * does not move, so it is not a leak.
 *
 * usage: sawtooth [PEAK_MIB]   (default 32) */
#include "target.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define STEPS 8

int
main(int argc, char **argv)
{
	size_t peak = (size_t)(argc > 1 ? atof(argv[1]) : 32) * 1024 * 1024;
	size_t step = peak / STEPS;
	struct timespec tick = {0, 100 * 1000 * 1000};
	void *blocks[STEPS];

	target_init();
	target_ready();
	for (;;) {
		/* mmap/munmap, so that the release really lowers RssAnon. */
		for (int i = 0; i < STEPS; i++) {
			blocks[i] = mmap(NULL, step, PROT_READ | PROT_WRITE,
			                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (blocks[i] != MAP_FAILED)
				memset(blocks[i], 0x5a, step);
			nanosleep(&tick, NULL);
		}
		for (int i = 0; i < STEPS; i++)
			if (blocks[i] != MAP_FAILED)
				munmap(blocks[i], step);
		nanosleep(&tick, NULL);
	}
}
