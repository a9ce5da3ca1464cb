/* The sorted addresses: the radix sort orders any input and carries each
 * payload with its address; a lookup finds every address at its place and
 * none that is not there (between two, in a block with none, beyond the
 * last), across blocks of many addresses and of one. */
#include "addr_order.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

#define N 20000

int
main(void)
{
	uint64_t *addrs = malloc(N * sizeof(*addrs));
	uint32_t *payload = malloc(N * sizeof(*payload));
	struct addr_order o;
	int sorted = 1, carried = 1, found = 1, missed = 1;
	uint64_t x = 88172645463325252ull;

	/* 16-byte aligned addresses in a 48-bit space, from a xorshift: blocks
	 * of one address and blocks of many, in no order. */
	for (uint32_t i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		addrs[i] = (i % 2 ? 0x7f0000000000ull + (x % 0x400000) : x % 0x7fffffffffffull) &
		           ~(uint64_t)15;
		payload[i] = (uint32_t)(addrs[i] >> 4);
	}
	addr_order_sort(addrs, payload, N);
	for (size_t i = 0; i < N; i++) {
		sorted &= i == 0 || addrs[i - 1] <= addrs[i];
		carried &= payload[i] == (uint32_t)(addrs[i] >> 4);
	}
	CHECK(sorted);
	CHECK(carried);
	addr_order_init(&o, addrs, N);
	for (size_t i = 0; i < N; i++) {
		size_t at = addr_order_find(&o, addrs[i]);

		found &= at != SIZE_MAX && addrs[at] == addrs[i];
		if (i + 1 < N && addrs[i] + 8 < addrs[i + 1])
			missed &= addr_order_find(&o, addrs[i] + 8) == SIZE_MAX;
	}
	CHECK(found);
	CHECK(missed);
	CHECK(addr_order_find(&o, addrs[N - 1] + 16) == SIZE_MAX);
	CHECK(addr_order_find(&o, 0xffffffffffff0000ull) == SIZE_MAX);
	addr_order_free(&o);
	/* Nothing to sort or find. */
	addr_order_sort(addrs, payload, 0);
	addr_order_init(&o, addrs, 0);
	CHECK(addr_order_find(&o, addrs[0]) == SIZE_MAX);
	addr_order_free(&o);
	free(addrs);
	free(payload);
	return check_done("addr_order");
}
