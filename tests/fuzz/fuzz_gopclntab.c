/* libFuzzer harness for the Go function table decoder: the bytes are a
 * .gopclntab (its magic forced to one of the layouts read, by the first
 * byte), looked up at addresses taken from the input. Nothing may crash,
 * read outside the table, or return a name that does not end inside it. */
#include "probes/gopclntab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t magics[] = {GOPCLNTAB_MAGIC_116, GOPCLNTAB_MAGIC_118,
	                                  GOPCLNTAB_MAGIC_120};
	struct gopclntab t;
	uint8_t *copy;

	if (size < 9)
		return 0;
	/* An exact-size copy: a read past the table is caught. */
	copy = malloc(size - 1);
	memcpy(copy, data + 1, size - 1);
	if (size - 1 >= 8) {
		memcpy(copy, &magics[data[0] % 3], 4);
		copy[6] = 1;
		copy[7] = 8;
	}
	if (gopclntab_parse(copy, size - 1, 0x1000, &t) == 0) {
		for (size_t i = 0; i + 8 <= size && i < 64 * 8; i += 8) {
			uint64_t pc, off;
			const char *name;

			memcpy(&pc, data + i, 8);
			name = gopclntab_lookup(&t, pc % 0x100000, &off);
			if (name != NULL && (name < (const char *)copy ||
			                     name + strlen(name) >= (const char *)copy + size - 1))
				abort();
			(void)gopclntab_lookup(&t, pc, &off);
		}
	}
	free(copy);
	return 0;
}
