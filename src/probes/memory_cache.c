#include "memory_cache.h"

#include "../addr_index.h"
#include "../xmalloc.h"
#include "ptrace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BLOCK_SHIFT  16
#define BLOCK_SIZE   ((size_t)1 << BLOCK_SHIFT)
#define PAGE_SHIFT   12
#define PAGE_SIZE_4K ((uint64_t)1 << PAGE_SHIFT)
#define HUGE_PAGE    ((size_t)2 << 20)

#define BLOCK_PAGES (BLOCK_SIZE / PAGE_SIZE_4K)

/* One block: the target's 64 KiB at number << BLOCK_SHIFT, of which the 4 KiB
 * pages whose bits are set in pages are copied into data. A block can hold
 * the ends of two mappings with a hole between them (an arena freed, a guard
 * page): each is copied as it is read, and both are kept, for the reads
 * after the stop find what the reads during it found. */
struct block {
	uint64_t number; /* address >> BLOCK_SHIFT */
	unsigned char *data;
	uint16_t pages;
};

struct memory_cache {
	int pid;
	struct block *blocks; /* max_blocks of them, nblocks used */
	size_t nblocks, max_blocks;
	struct addr_index index; /* block number -> position in blocks */
	struct block *last;      /* the block of the previous read: most reads hit it */
	uint64_t copied;
	unsigned char *pool; /* reserved buffers, pool_blocks of them, in */
	size_t pool_blocks, pool_used;
	void *pool_map; /* the mapping pool is in (aligned within it) */
	size_t pool_map_bytes;
	bool keep;       /* full: refuse, not drop (memory_cache_keep) */
	bool frozen;     /* no more reads of the target (memory_cache_freeze) */
	uint64_t misses; /* reads refused since frozen */
};

struct memory_cache *
memory_cache_new(int pid, size_t max_bytes)
{
	struct memory_cache *c = xcalloc(1, sizeof(*c));

	c->pid = pid;
	c->max_blocks = max_bytes / BLOCK_SIZE > 0 ? max_bytes / BLOCK_SIZE : 1;
	addr_index_init(&c->index);
	return c;
}

static bool
memory_cache_pooled(const struct memory_cache *c, const unsigned char *data)
{
	return c->pool != NULL && data >= c->pool && data < c->pool + c->pool_blocks * BLOCK_SIZE;
}

static void
memory_cache_drop(struct memory_cache *c)
{
	for (size_t i = 0; i < c->nblocks; i++)
		if (!memory_cache_pooled(c, c->blocks[i].data))
			free(c->blocks[i].data);
	c->nblocks = 0;
	c->pool_used = 0;
	c->last = NULL;
	addr_index_clear(&c->index);
}

/* Touches every page of the reserve through its user address, once as the
 * kernel writes it (read(2) of /dev/zero: what process_vm_readv's copy does)
 * and once from user mode (what the walk's reads do). On a guest whose
 * hypervisor shadows page tables, kernel-mode and user-mode accesses have
 * shadow tables of their own, filled page by page on first use: measured on
 * a PVM guest (Firecracker, kernel 6.18), 180 MiB copied into pages only
 * MAP_POPULATE had faulted cost ~330 ms of CPU in the copy and ~300 ms in
 * the walk's first reads, against ~45 ms and ~9 ms once touched both ways.
 * Done before the stop, it takes that out of the stop; elsewhere it costs
 * a clear of memory already faulted in. Best effort: no /dev/zero, no harm. */
static void
memory_cache_touch(unsigned char *pool, size_t bytes)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		for (size_t at = 0; at < bytes;) {
			ssize_t n = read(fd, pool + at, bytes - at);

			if (n <= 0)
				break;
			at += (size_t)n;
		}
		close(fd);
	}
	for (size_t at = 0; at < bytes; at += PAGE_SIZE_4K)
		((volatile unsigned char *)pool)[at] = 0;
}

void
memory_cache_reserve(struct memory_cache *c, size_t bytes)
{
	size_t blocks = bytes / BLOCK_SIZE, len;
	unsigned char *map, *pool;

	if (blocks > c->max_blocks)
		blocks = c->max_blocks;
	if (c->pool != NULL || blocks == 0)
		return;
	len = blocks * BLOCK_SIZE;
	map =
	    mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return; /* no reserve: copies allocate as they come */
	pool = (unsigned char *)(((uintptr_t)map + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	/* Transparent huge pages: one fault, and one shadow entry on a guest
	 * whose hypervisor shadows page tables, per 2 MiB rather than per 4 KiB.
	 * Measured on the PVM guest below, 180 MiB faulted in and touched both
	 * ways: ~800 ms of CPU in 4 KiB pages, 40-60 ms in huge pages (once in
	 * six, ~550 ms: the kernel compacting memory to find them). Where they
	 * are not allowed (THP "never"), pages are faulted in at once instead,
	 * several times faster than one fault per page as the copies first
	 * touch them. */
	if (madvise(pool, len, MADV_HUGEPAGE) != 0)
		(void)madvise(pool, len, MADV_POPULATE_WRITE);
	memory_cache_touch(pool, len);
	c->pool_map = map;
	c->pool_map_bytes = len + HUGE_PAGE;
	c->pool = pool;
	c->pool_blocks = blocks;
}

void
memory_cache_free(struct memory_cache *c)
{
	if (c == NULL)
		return;
	memory_cache_drop(c);
	if (c->pool_map != NULL)
		munmap(c->pool_map, c->pool_map_bytes);
	addr_index_free(&c->index);
	free(c->blocks);
	free(c);
}

void
memory_cache_keep(struct memory_cache *c)
{
	c->keep = true;
}

void
memory_cache_freeze(struct memory_cache *c)
{
	c->frozen = true;
}

uint64_t
memory_cache_misses(const struct memory_cache *c)
{
	return c->misses;
}

uint64_t
memory_cache_copied(const struct memory_cache *c)
{
	return c->copied;
}

/* A buffer for one block: from the reserve while it lasts. */
static unsigned char *
memory_cache_buffer(struct memory_cache *c)
{
	if (c->pool_used < c->pool_blocks)
		return c->pool + BLOCK_SIZE * c->pool_used++;
	return xmalloc(BLOCK_SIZE);
}

static bool
block_has(const struct block *b, uint32_t off)
{
	return (b->pages >> (off >> PAGE_SHIFT)) & 1;
}

/* The bytes copied in b from off on, without a gap. */
static size_t
block_run(const struct block *b, uint32_t off)
{
	uint32_t page = off >> PAGE_SHIFT;

	while (page < BLOCK_PAGES && ((b->pages >> page) & 1))
		page++;
	return ((size_t)page << PAGE_SHIFT) - off;
}

/* Copies [from, end of block) of b's target memory, as much of it as is
 * mapped: a process_vm_readv range stops at the first unmapped page.
 * Returns 0 or -errno. */
static int
block_copy(struct memory_cache *c, struct block *b, uint32_t from)
{
	ssize_t n = ptrace_read_memory(c->pid, (b->number << BLOCK_SHIFT) + from, b->data + from,
	                               BLOCK_SIZE - from);
	uint16_t before = b->pages;

	for (size_t page = from >> PAGE_SHIFT; n >= (ssize_t)PAGE_SIZE_4K; n -= PAGE_SIZE_4K)
		b->pages |= (uint16_t)(1u << page++);
	c->copied += PAGE_SIZE_4K * (uint64_t)__builtin_popcount(b->pages & ~before);
	return n < 0 ? (int)n : 0;
}

/* Copies the block of addr: the whole block at first, then from addr's page
 * on when that page was not in what was mapped from the block's start (a
 * mapping that begins inside the block). Returns 0 or -errno (-EFAULT:
 * addr's page is not mapped). */
static int
memory_cache_fill(struct memory_cache *c, struct block *b, uint64_t addr)
{
	uint32_t off = (uint32_t)(addr & (BLOCK_SIZE - 1));
	int err = 0;

	if (b->pages == 0)
		err = block_copy(c, b, 0);
	if (!block_has(b, off))
		err = block_copy(c, b, off & ~(uint32_t)(PAGE_SIZE_4K - 1));
	if (block_has(b, off))
		return 0;
	return err != 0 ? err : -EFAULT;
}

/* The block holding addr, copied if it was not. Returns NULL with *err set
 * when addr cannot be read. */
static struct block *
memory_cache_block(struct memory_cache *c, uint64_t addr, int *err)
{
	uint64_t number = addr >> BLOCK_SHIFT;
	uint32_t off = (uint32_t)(addr & (BLOCK_SIZE - 1));
	struct block *b;
	size_t at;

	if (c->last != NULL && c->last->number == number && block_has(c->last, off))
		return c->last;
	if (c->blocks == NULL)
		c->blocks = xcalloc(c->max_blocks, sizeof(*c->blocks));
	if (c->frozen) {
		at = addr_index_find(&c->index, number);
		if (at == SIZE_MAX || !block_has(&c->blocks[at], off)) {
			c->misses++;
			*err = -ENODATA;
			return NULL;
		}
		c->last = &c->blocks[at];
		return c->last;
	}
	/* Full: start again rather than choose what to evict; a walk over more
	 * than max_bytes of objects pays for reading some blocks twice. Kept
	 * copies are refused instead: what was copied is read after the stop. */
	if (c->nblocks == c->max_blocks && addr_index_find(&c->index, number) == SIZE_MAX) {
		if (c->keep) {
			*err = -ENOBUFS;
			return NULL;
		}
		memory_cache_drop(c);
	}
	at = addr_index_find_or_add(&c->index, number, c->nblocks);
	b = &c->blocks[at];
	if (at == c->nblocks) {
		c->nblocks++;
		*b = (struct block){.number = number, .data = memory_cache_buffer(c)};
	}
	if (!block_has(b, off)) {
		*err = memory_cache_fill(c, b, addr);
		if (*err != 0)
			return NULL;
	}
	c->last = b;
	return b;
}

int
memory_cache_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct memory_cache *c = arg;
	unsigned char *out = buf;
	int err = 0;

	if (addr + len < addr)
		return -EFAULT; /* wraps around the address space */
	while (len > 0) {
		struct block *b = memory_cache_block(c, addr, &err);
		uint32_t off = (uint32_t)(addr & (BLOCK_SIZE - 1));
		size_t n;

		if (b == NULL)
			return err;
		n = block_run(b, off);
		if (n > len)
			n = len;
		memcpy(out, b->data + off, n);
		out += n;
		addr += n;
		len -= n;
	}
	return 0;
}
