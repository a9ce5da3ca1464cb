#include "addr_order.h"

#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define ADDR_ORDER_BLOCK_SHIFT 16
#define ADDR_ORDER_RADIX_BITS  8
#define ADDR_ORDER_RADIX       (1u << ADDR_ORDER_RADIX_BITS)

void
addr_order_sort(uint64_t *addrs, uint32_t *payload, size_t n)
{
	uint64_t *a = addrs, *ta = xmalloc((n ? n : 1) * sizeof(*ta));
	uint32_t *p = payload, *tp = xmalloc((n ? n : 1) * sizeof(*tp));

	/* Least significant byte first; a byte every address shares (the low
	 * bits of aligned objects, the high ones of user space) is a pass that
	 * would move nothing, and is skipped. */
	for (unsigned shift = 0; shift < 64; shift += ADDR_ORDER_RADIX_BITS) {
		size_t count[ADDR_ORDER_RADIX] = {0}, at = 0;
		uint64_t *sa;
		uint32_t *sp;

		for (size_t i = 0; i < n; i++)
			count[(a[i] >> shift) & (ADDR_ORDER_RADIX - 1)]++;
		if (n == 0 || count[(a[0] >> shift) & (ADDR_ORDER_RADIX - 1)] == n)
			continue;
		for (unsigned d = 0; d < ADDR_ORDER_RADIX; d++) {
			size_t c = count[d];

			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = count[(a[i] >> shift) & (ADDR_ORDER_RADIX - 1)]++;

			ta[to] = a[i];
			tp[to] = p[i];
		}
		sa = a, a = ta, ta = sa;
		sp = p, p = tp, tp = sp;
	}
	if (a != addrs) {
		memcpy(addrs, a, n * sizeof(*addrs));
		memcpy(payload, p, n * sizeof(*payload));
		ta = a, tp = p;
	}
	free(ta);
	free(tp);
}

void
addr_order_init(struct addr_order *o, const uint64_t *addrs, size_t n)
{
	size_t nblocks = 0, cap = 0;

	memset(o, 0, sizeof(*o));
	o->addrs = addrs;
	o->n = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t block = addrs[i] >> ADDR_ORDER_BLOCK_SHIFT;

		if (i > 0 && block == addrs[i - 1] >> ADDR_ORDER_BLOCK_SHIFT)
			continue;
		if (nblocks + 2 > cap) {
			cap = cap ? 2 * cap : 256;
			o->first = xreallocarray(o->first, cap, sizeof(*o->first));
		}
		addr_index_find_or_add(&o->blocks, block, nblocks);
		o->first[nblocks++] = i;
	}
	if (o->first == NULL)
		o->first = xmalloc(sizeof(*o->first));
	o->first[nblocks] = n;
}

size_t
addr_order_find(const struct addr_order *o, uint64_t addr)
{
	size_t k = addr_index_find(&o->blocks, addr >> ADDR_ORDER_BLOCK_SHIFT), lo, hi;

	if (k == SIZE_MAX)
		return SIZE_MAX;
	lo = o->first[k], hi = o->first[k + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (o->addrs[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < o->first[k + 1] && o->addrs[lo] == addr ? lo : SIZE_MAX;
}

void
addr_order_free(struct addr_order *o)
{
	addr_index_free(&o->blocks);
	free(o->first);
	memset(o, 0, sizeof(*o));
}
