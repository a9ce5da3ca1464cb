#include "addr_index.h"

#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define ADDR_INDEX_FIRST_CAP 1024

void
addr_index_init(struct addr_index *ix)
{
	memset(ix, 0, sizeof(*ix));
}

/* Fibonacci hashing: the high bits of key times 2^64 / phi, so that keys
 * that differ only in their high bits (64 KiB blocks, aligned type
 * objects) still spread. */
static size_t
addr_index_slot(const struct addr_index *ix, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (ix->cap - 1);

	while (ix->positions[i] != 0 && ix->keys[i] != key)
		i = (i + 1) & (ix->cap - 1);
	return i;
}

static void
addr_index_grow(struct addr_index *ix)
{
	struct addr_index old = *ix;

	ix->cap = old.cap ? old.cap * 2 : ADDR_INDEX_FIRST_CAP;
	ix->keys = xcalloc(ix->cap, sizeof(*ix->keys));
	ix->positions = xcalloc(ix->cap, sizeof(*ix->positions));
	for (size_t i = 0; i < old.cap; i++) {
		if (old.positions[i] != 0) {
			size_t s = addr_index_slot(ix, old.keys[i]);

			ix->keys[s] = old.keys[i];
			ix->positions[s] = old.positions[i];
		}
	}
	free(old.keys);
	free(old.positions);
}

size_t
addr_index_find_or_add(struct addr_index *ix, uint64_t key, size_t next)
{
	size_t s;

	if (ix->cap > 0) {
		s = addr_index_slot(ix, key);
		if (ix->positions[s] != 0)
			return ix->positions[s] - 1;
	}
	if (2 * (ix->used + 1) > ix->cap)
		addr_index_grow(ix);
	s = addr_index_slot(ix, key);
	ix->keys[s] = key;
	ix->positions[s] = next + 1;
	ix->used++;
	return next;
}

size_t
addr_index_find(const struct addr_index *ix, uint64_t key)
{
	size_t s;

	if (ix->cap == 0)
		return SIZE_MAX;
	s = addr_index_slot(ix, key);
	return ix->positions[s] != 0 ? ix->positions[s] - 1 : SIZE_MAX;
}

void
addr_index_clear(struct addr_index *ix)
{
	if (ix->cap > 0)
		memset(ix->positions, 0, ix->cap * sizeof(*ix->positions));
	ix->used = 0;
}

void
addr_index_free(struct addr_index *ix)
{
	free(ix->keys);
	free(ix->positions);
	addr_index_init(ix);
}
