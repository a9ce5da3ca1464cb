/* The memory cache, over this process's own memory: a read copies the
 * block; once frozen, what was copied reads as it was then (not as the
 * memory is now) and what was not is -ENODATA, counted, never read live;
 * a kept cache that is full refuses more (-ENOBUFS) and keeps its copies;
 * a block holding two mappings with a hole between them keeps both ends
 * once frozen (the walk read both during the stop). */
#include "check.h"
#include "probes/memory_cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BLOCK ((size_t)1 << 16)

/* One block of 16 pages whose page 5 is unmapped: read below the hole,
 * then above it, then freeze: both read as copied, the hole fails. */
static void
holed_block(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *map =
	    mmap(NULL, 2 * BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *mem = (unsigned char *)(((uintptr_t)map + BLOCK - 1) & ~(BLOCK - 1));
	uint64_t at = (uint64_t)(uintptr_t)mem;
	struct memory_cache *c = memory_cache_new(getpid(), 4 * BLOCK);
	unsigned char got[16];

	CHECK(map != MAP_FAILED && page == 4096);
	memset(mem, 'x', 5 * page);
	memset(mem + 6 * page, 'z', BLOCK - 6 * page);
	CHECK(munmap(mem + 5 * page, page) == 0);
	memory_cache_keep(c);
	CHECK(memory_cache_read(c, at + 8, got, sizeof(got)) == 0 && got[0] == 'x');
	CHECK(memory_cache_read(c, at + 9 * page, got, sizeof(got)) == 0 && got[0] == 'z');
	CHECK(memory_cache_read(c, at + 5 * page, got, sizeof(got)) == -EFAULT);
	/* A read that runs into the hole fails; one that ends before it does not. */
	CHECK(memory_cache_read(c, at + 5 * page - 8, got, sizeof(got)) == -EFAULT);
	CHECK(memory_cache_read(c, at + 5 * page - 16, got, sizeof(got)) == 0);
	memory_cache_freeze(c);
	CHECK(memory_cache_read(c, at + 8, got, sizeof(got)) == 0 && got[0] == 'x');
	CHECK(memory_cache_read(c, at + 9 * page, got, sizeof(got)) == 0 && got[0] == 'z');
	CHECK(memory_cache_read(c, at + 12 * page - 8, got, sizeof(got)) == 0 && got[15] == 'z');
	CHECK(memory_cache_misses(c) == 0);
	CHECK(memory_cache_read(c, at + 5 * page, got, sizeof(got)) == -ENODATA);
	memory_cache_free(c);
	munmap(map, 2 * BLOCK);
}

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
	holed_block();
	return check_done("memory_cache");
}
