/* An index from 64-bit keys (target addresses, block numbers) to positions
 * in an array the caller keeps: open addressing with linear probing, grown
 * at half full. For the hot loops that count or cache per address, where a
 * sorted array would cost a log factor per lookup. */
#ifndef STACKTOP_ADDR_INDEX_H
#define STACKTOP_ADDR_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct addr_index {
	uint64_t *keys;
	size_t *positions; /* position + 1; 0 marks a free slot */
	size_t cap, used;  /* cap: a power of two */
};

/* An empty index (no allocation until the first key). */
void addr_index_init(struct addr_index *ix);

/* The position of key, or, when key is not there yet, next (the position
 * the caller is about to fill) after recording it. Any key, 0 included. */
size_t addr_index_find_or_add(struct addr_index *ix, uint64_t key, size_t next);

/* The position of key, or SIZE_MAX when it is not there (nothing added). */
size_t addr_index_find(const struct addr_index *ix, uint64_t key);

/* Forgets every key (keeps the memory). */
void addr_index_clear(struct addr_index *ix);

/* Frees what the index holds (not ix itself). */
void addr_index_free(struct addr_index *ix);

#endif
