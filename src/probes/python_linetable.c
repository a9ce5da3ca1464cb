/* Line-number decoders for CPython code objects. The formats are described
 * in CPython's Objects/lnotab_notes.txt (2.7–3.10) and
 * InternalDocs/code_objects.md / Objects/locations.md (3.11+); the walk of
 * each function below mirrors what that version's PyCode_Addr2Line does, so
 * the answers agree with the interpreter's own (tests/unit checks this
 * against tables and answers dumped from every installed interpreter). */
#include "python_linetable.h"

#include <errno.h>
#include <limits.h>

/* Line arithmetic runs in int64_t and saturates here: a hostile table can
 * hold millions of deltas, and the sum must neither overflow nor pass for a
 * line. Anything beyond int's range at the end is -ERANGE. */
#define LINE_LIMIT ((int64_t)1 << 40)

static int64_t
line_add(int64_t line, int64_t delta)
{
	line += delta;
	if (line > LINE_LIMIT)
		return LINE_LIMIT;
	if (line < -LINE_LIMIT)
		return -LINE_LIMIT;
	return line;
}

static int
line_out(int64_t line, int *out)
{
	if (line > INT_MAX || line < INT_MIN)
		return -ERANGE;
	*out = (int)line;
	return 0;
}

int
python_linetable_lnotab(const uint8_t *table, size_t len, int firstlineno, int64_t offset,
                        int signed_deltas, int *line)
{
	int64_t cur = firstlineno;
	int64_t addr = 0;

	/* Each pair says: the instructions from addr on, up to the next pair's
	 * address, belong to line + delta. A trailing odd byte is ignored, as
	 * CPython's size / 2 does. */
	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += table[i];
		if (addr > offset)
			break;
		if (signed_deltas)
			cur = line_add(cur, (int8_t)table[i + 1]);
		else
			cur = line_add(cur, table[i + 1]);
	}
	return line_out(cur, line);
}

int
python_linetable_310(const uint8_t *table, size_t len, int firstlineno, int64_t offset, int *line)
{
	int64_t computed = firstlineno;
	int64_t start = 0;

	if (offset < 0)
		return line_out(firstlineno, line);
	/* Each pair is a range of table[i] bytes and a line delta; -128 means
	 * the range has no line and leaves the running line as it was. Empty
	 * ranges only move the line (CPython skips them when searching). */
	for (size_t i = 0; i + 1 < len; i += 2) {
		int64_t end = start + table[i];
		int8_t delta = (int8_t)table[i + 1];
		int has_line = delta != -128;

		if (has_line)
			computed = line_add(computed, delta);
		if (offset < end) {
			if (!has_line)
				return -ENOENT;
			return line_out(computed, line);
		}
		start = end;
	}
	return -ENOENT;
}

/* The kinds of entry in a 3.11+ location table: bits 3–6 of its first
 * byte (CPython's _PyCodeLocationInfoKind). */
enum {
	LOCATION_SHORT_LAST = 9, /* 0–9: same line, one column byte */
	LOCATION_ONE_LINE0 = 10, /* line + 0, two column bytes */
	LOCATION_ONE_LINE1 = 11,
	LOCATION_ONE_LINE2 = 12,
	LOCATION_NO_COLUMNS = 13, /* signed varint line delta */
	LOCATION_LONG = 14,       /* signed varint line delta, then end line and
	                             columns */
	LOCATION_NONE = 15,       /* no location */
};

/* Reads a varint at table[*pos]: 6-bit groups, least significant first, bit
 * 6 set on every byte but the last. Groups beyond 32 bits are dropped, as
 * CPython's unsigned int would (it does not expect them). Returns 0, or
 * -EINVAL when the table ends inside the varint. */
static int
read_varint(const uint8_t *table, size_t len, size_t *pos, uint32_t *out)
{
	uint32_t val = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (*pos >= len)
			return -EINVAL;
		b = table[(*pos)++];
		if (shift < 32)
			val |= (uint32_t)(b & 63) << shift;
		shift += 6;
	} while (b & 64);
	*out = val;
	return 0;
}

int
python_linetable_locations(const uint8_t *table, size_t len, int firstlineno, int64_t offset,
                           int *line)
{
	int64_t computed = firstlineno;
	int64_t start = 0;
	size_t pos = 0;

	if (offset < 0)
		return line_out(firstlineno, line);
	while (pos < len) {
		uint8_t first = table[pos];
		int kind = (first >> 3) & 15;
		int64_t end = start + (int64_t)((first & 7) + 1) * 2;
		int64_t delta = 0;

		if (kind == LOCATION_NO_COLUMNS || kind == LOCATION_LONG) {
			size_t at = pos + 1;
			uint32_t u;
			int err = read_varint(table, len, &at, &u);

			if (err != 0)
				return err;
			/* Signed varint: the low bit is the sign. */
			delta = (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
		} else if (kind >= LOCATION_ONE_LINE0 && kind <= LOCATION_ONE_LINE2) {
			delta = kind - LOCATION_ONE_LINE0;
		}
		/* A no-location entry keeps the running line (delta 0) but has no
		 * line itself. */
		computed = line_add(computed, delta);
		if (offset < end) {
			if (kind == LOCATION_NONE)
				return -ENOENT;
			return line_out(computed, line);
		}
		start = end;
		/* The next entry starts at the next byte with bit 7 set: column
		 * bytes and varints never have it. */
		do
			pos++;
		while (pos < len && (table[pos] & 128) == 0);
	}
	return -ENOENT;
}

int
python_linetable_line(enum python_linetable_format format, const uint8_t *table, size_t len,
                      int firstlineno, int64_t offset, int *line)
{
	switch (format) {
	case PYTHON_LINETABLE_LNOTAB_UNSIGNED:
		return python_linetable_lnotab(table, len, firstlineno, offset, 0, line);
	case PYTHON_LINETABLE_LNOTAB:
		return python_linetable_lnotab(table, len, firstlineno, offset, 1, line);
	case PYTHON_LINETABLE_310:
		return python_linetable_310(table, len, firstlineno, offset, line);
	case PYTHON_LINETABLE_LOCATIONS:
		return python_linetable_locations(table, len, firstlineno, offset, line);
	}
	return -EINVAL;
}
