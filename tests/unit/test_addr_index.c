/* The address index: keys find the positions they were added with, 0 is a
 * key like any other, growth keeps every key, clear forgets them. */
#include "addr_index.h"
#include "check.h"

#include <stdint.h>

int
main(void)
{
	struct addr_index ix;
	size_t n = 0;
	int kept = 1;

	addr_index_init(&ix);
	/* Keys 64 KiB apart, as block numbers and aligned objects are. */
	for (uint64_t k = 0; k < 5000; k++)
		if (addr_index_find_or_add(&ix, k << 16, n) == n)
			n++;
	CHECK(n == 5000 && ix.used == 5000);
	for (uint64_t k = 0; k < 5000; k++)
		kept &= addr_index_find_or_add(&ix, k << 16, 99999) == k;
	CHECK(kept);
	CHECK(addr_index_find_or_add(&ix, 0, 7) == 0);
	addr_index_clear(&ix);
	CHECK(ix.used == 0 && addr_index_find_or_add(&ix, 0, 7) == 7);
	addr_index_free(&ix);
	addr_index_free(&ix); /* twice: a no-op */
	return check_done("addr_index");
}
