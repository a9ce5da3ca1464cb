/* libFuzzer harness for the _Py_DebugOffsets reader: arbitrary bytes as the
 * start of a target's _PyRuntime. Random bytes rarely start with the cookie
 * and a known version, so half of the inputs get both written over their
 * first 16 bytes, which sends them through the field checks. The corpus
 * holds the real bytes of libpython3.13, 3.14 and 3.15 (tests/fixtures/python). */
#include "probes/python_layout.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct python_layout l;
	uint8_t *buf;
	int err;

	err = python_layout_from_debug_offsets(data, size, &l);
	if (err != 0 && err != -EINVAL && err != -ENOTSUP)
		abort();
	if (size < 17 || (data[16] & 1) == 0)
		return 0;

	/* A copy of exactly size bytes, so that ASan sees any read past it. */
	buf = malloc(size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	/* Every minor version whose _Py_DebugOffsets we know, by bits 1-2. */
	static const uint64_t versions[] = {0x030d00f0, 0x030d12f0, 0x030e0af0, 0x030f02f0};
	uint64_t version = versions[(data[16] >> 1) & 3];
	memcpy(buf, "xdebugpy", 8);
	memcpy(buf + 8, &version, sizeof(version));
	err = python_layout_from_debug_offsets(buf, size, &l);
	if (err != 0 && err != -EINVAL && err != -ENOTSUP)
		abort();
	/* A success yields offsets a reader can use: none negative but the
	 * absent marker. */
	if (err == 0) {
		for (size_t i = 0; i < python_layout_field_count; i++)
			if (python_layout_get(&l, &python_layout_fields[i]) < PYTHON_LAYOUT_ABSENT)
				abort();
	}
	free(buf);
	return 0;
}
