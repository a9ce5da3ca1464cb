/* Where an address is among many sorted ones (the objects a census walked,
 * in address order): a directory of the 64 KiB blocks they fall in, then a
 * binary search among the block's few hundred. For lookups by the million
 * (each reference of each object) where most addresses looked up are not
 * there (a str, an int): a hash of a million keys misses the processor's
 * caches on almost every probe, while the directory is small enough to stay
 * in them and a block's addresses share a few cache lines. */
#ifndef STACKTOP_ADDR_ORDER_H
#define STACKTOP_ADDR_ORDER_H

#include "addr_index.h"

#include <stddef.h>
#include <stdint.h>

struct addr_order {
	const uint64_t *addrs; /* borrowed, sorted ascending */
	size_t n;
	struct addr_index blocks; /* block number -> k: its addresses are at
	                             [first[k], first[k + 1]) */
	size_t *first;
};

/* Sorts addrs[0..n) ascending, payload[i] moving with addrs[i] (a radix
 * sort: linear in n, whatever order the addresses came in). */
void addr_order_sort(uint64_t *addrs, uint32_t *payload, size_t n);

/* Indexes the n sorted addresses at addrs (borrowed until addr_order_free). */
void addr_order_init(struct addr_order *o, const uint64_t *addrs, size_t n);

/* The position of addr in the sorted addresses, or SIZE_MAX when it is not
 * one of them. */
size_t addr_order_find(const struct addr_order *o, uint64_t addr);

/* Frees what o holds (not the addresses, not o itself). */
void addr_order_free(struct addr_order *o);

#endif
