/* The memory cache, over this process's own memory: a read copies the
 * block; once frozen, what was copied reads as it was then (not as the
 * memory is now) and what was not is -ENODATA, counted, never read live;
 * a kept cache that is full refuses more (-ENOBUFS) and keeps its copies. */
#include "check.h"
#include "probes/memory_cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK ((size_t)1 << 16)

int
main(void)
{
	/* Three blocks' worth, aligned, so that a and b are in blocks apart. */
	unsigned char *mem = aligned_alloc(BLOCK, 3 * BLOCK);
	uint64_t a = (uint64_t)(uintptr_t)mem, b = a + 2 * BLOCK;
	struct memory_cache *c = memory_cache_new(getpid(), 2 * BLOCK);
	unsigned char got[16];

	memset(mem, 'x', 3 * BLOCK);
	memory_cache_keep(c);
	CHECK(memory_cache_read(c, a, got, sizeof(got)) == 0 && got[0] == 'x');
	memory_cache_freeze(c);
	mem[0] = 'y'; /* after the copy: the copy still says x */
	CHECK(memory_cache_read(c, a, got, sizeof(got)) == 0 && got[0] == 'x');
	CHECK(memory_cache_read(c, b, got, sizeof(got)) == -ENODATA);
	CHECK(memory_cache_misses(c) == 1);
	memory_cache_free(c);

	/* Room for one block, kept: the second is refused, the first stays. */
	c = memory_cache_new(getpid(), BLOCK);
	memory_cache_keep(c);
	CHECK(memory_cache_read(c, a, got, sizeof(got)) == 0);
	CHECK(memory_cache_read(c, b, got, sizeof(got)) == -ENOBUFS);
	CHECK(memory_cache_read(c, a, got, sizeof(got)) == 0 && got[0] == 'y');
	memory_cache_free(c);
	free(mem);
	return check_done("memory_cache");
}
