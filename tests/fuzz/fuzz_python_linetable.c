/* libFuzzer harness for the CPython line-table decoders. Input: one byte
 * choosing the format, the first line and an instruction offset (4 bytes
 * each, little-endian), then the table. Every decoder must stay inside the
 * table and finish, whatever the bytes; besides the offset given, a few
 * others (before, inside and past the table) are asked too. scripts/test
 * seeds the corpus with the real tables of tests/fixtures/python
 * (tests/fuzz/python_linetable_seeds). */
#include "probes/python_linetable.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int32_t
le32(const uint8_t *p)
{
	uint32_t v =
	    (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	int32_t s;

	memcpy(&s, &v, sizeof(s));
	return s;
}

static void
ask(enum python_linetable_format format, const uint8_t *table, size_t len, int first,
    int64_t offset)
{
	int line = 0x7eadbeef;
	int err = python_linetable_line(format, table, len, first, offset, &line);

	/* The contract: 0 with a line, or one of the documented errors with the
	 * line untouched. */
	if (err != 0 && err != -ENOENT && err != -EINVAL && err != -ERANGE)
		abort();
	if (err != 0 && line != 0x7eadbeef)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum python_linetable_format format;
	const uint8_t *table;
	size_t len;
	int first;
	int32_t offset;

	if (size < 9)
		return 0;
	/* Formats 0 and 5+ are invalid and must be refused. */
	format = (enum python_linetable_format)(data[0] % 6);
	first = le32(data + 1);
	offset = le32(data + 5);
	table = data + 9;
	len = size - 9;

	ask(format, table, len, first, offset);
	ask(format, table, len, first, -1);
	ask(format, table, len, first, INT64_MIN);
	ask(format, table, len, first, INT64_MAX);
	for (int64_t k = 0; k < 8; k++)
		ask(format, table, len, first, (int64_t)len * k / 2);
	return 0;
}
