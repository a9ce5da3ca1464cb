/* libFuzzer harness for the JIT symbol map parser: the bytes are a map, read
 * in two pieces split where the first byte says (as a runtime appending to
 * it is read), then looked up at addresses taken from the input. Nothing may
 * crash, read outside the input, or return a name for an address no entry
 * covers. */
#include "probes/perfmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perfmap m = {0};
	size_t split, used;
	char *copy;

	if (size < 1)
		return 0;
	split = data[0] % size;
	/* Own copies of exactly the bytes given: a read past them is caught. */
	copy = malloc(size);
	memcpy(copy, data, size);
	used = perfmap_parse(&m, copy + 1, split > 0 ? split - 1 : 0);
	used += 1;
	if (used < size)
		(void)perfmap_parse(&m, copy + used, size - used);
	for (size_t i = 0; i + 8 <= size && i < 64 * 8; i += 8) {
		uint64_t addr, off;
		const char *name;

		memcpy(&addr, data + i, 8);
		name = perfmap_lookup(&m, addr, &off);
		if (name != NULL && strlen(name) > PERFMAP_MAX_NAME)
			abort();
		if (name != NULL && off > addr)
			abort();
	}
	perfmap_clear(&m);
	free(copy);
	return 0;
}
