/* The Go function table decoder on synthetic tables in both layouts (1.16's
 * absolute entries, 1.18+'s offsets from textStart) and on malformed ones:
 * names where a function covers the address, NULL elsewhere, never a read
 * outside the table. */
#include "check.h"
#include "gopclntab.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static uint8_t table[1024];

static void
put32(size_t at, uint32_t v)
{
	memcpy(table + at, &v, 4);
}

static void
put64(size_t at, uint64_t v)
{
	memcpy(table + at, &v, 8);
}

/* Three functions at 0x1000, 0x1040, 0x1100 (the table's end at 0x1180):
 * names at 0x200, function table at 0x300, _func records after it. */
static size_t
build(uint32_t magic, uint64_t text_field)
{
	bool v116 = magic == GOPCLNTAB_MAGIC_116;
	static const char names[] = "main.a\0main.b\0runtime.goexit";
	static const uint64_t starts[] = {0x1000, 0x1040, 0x1100, 0x1180};
	static const int32_t nameoffs[] = {0, 7, 14};
	size_t entry = v116 ? 16 : 8, funcs = 0x300 + 4 * entry;

	memset(table, 0, sizeof(table));
	put32(0, magic);
	table[6] = 1;
	table[7] = 8;
	put64(8, 3);
	if (v116) {
		put64(24, 0x200);
		put64(56, 0x300);
	} else {
		put64(24, text_field);
		put64(32, 0x200);
		put64(64, 0x300);
	}
	memcpy(table + 0x200, names, sizeof(names));
	for (size_t i = 0; i < 4; i++) {
		uint64_t func = funcs + i * 16 - 0x300;

		if (v116) {
			put64(0x300 + i * 16, starts[i]);
			put64(0x300 + i * 16 + 8, func);
		} else {
			put32(0x300 + i * 8, (uint32_t)(starts[i] - 0x1000));
			put32(0x300 + i * 8 + 4, (uint32_t)func);
		}
		if (i < 3)
			memcpy(table + funcs + i * 16 + (v116 ? 8 : 4), &nameoffs[i], 4);
	}
	return funcs + 4 * 16;
}

static void
test_layout(uint32_t magic)
{
	struct gopclntab t;
	uint64_t off = 0;
	size_t len = build(magic, 0x1000);

	CHECK(gopclntab_parse(table, len, 0, &t) == 0);
	CHECK_STR(gopclntab_lookup(&t, 0x1000, &off), "main.a");
	CHECK(off == 0);
	CHECK_STR(gopclntab_lookup(&t, 0x103f, &off), "main.a");
	CHECK(off == 0x3f);
	CHECK_STR(gopclntab_lookup(&t, 0x1040, &off), "main.b");
	CHECK_STR(gopclntab_lookup(&t, 0x117f, &off), "runtime.goexit");
	CHECK(off == 0x7f);
	CHECK(gopclntab_lookup(&t, 0x1180, &off) == NULL);
	CHECK(gopclntab_lookup(&t, 0xfff, &off) == NULL);
	CHECK(gopclntab_lookup(&t, 0, &off) == NULL);
	CHECK(gopclntab_lookup(&t, UINT64_MAX, &off) == NULL);
	/* Truncated tables are refused, not read past. */
	for (size_t cut = 0; cut < len; cut += 7) {
		if (gopclntab_parse(table, cut, 0x1000, &t) == 0)
			(void)gopclntab_lookup(&t, 0x1100, &off);
	}
}

static void
test_header(void)
{
	struct gopclntab t;
	uint64_t off;
	size_t len;

	/* 1.18+ with textStart 0 (a position-independent binary): .text's. */
	len = build(GOPCLNTAB_MAGIC_120, 0);
	CHECK(gopclntab_parse(table, len, 0x1000, &t) == 0 && t.text_start == 0x1000);
	CHECK_STR(gopclntab_lookup(&t, 0x1044, &off), "main.b");
	/* Before 1.16, 32-bit, or another quantum: not read. */
	len = build(GOPCLNTAB_MAGIC_118, 0x1000);
	put32(0, 0xfffffffb);
	CHECK(gopclntab_parse(table, len, 0, &t) == -ENOTSUP);
	put32(0, GOPCLNTAB_MAGIC_118);
	table[7] = 4;
	CHECK(gopclntab_parse(table, len, 0, &t) == -ENOTSUP);
	table[7] = 8;
	/* More functions than the table holds. */
	put64(8, 1000);
	CHECK(gopclntab_parse(table, len, 0, &t) == -EINVAL);
	put64(8, 3);
	/* A name offset outside the table, and a name without its end. */
	CHECK(gopclntab_parse(table, len, 0, &t) == 0);
	put32(0x300 + 4 * 8 + 4, 0x7fffffff);
	CHECK(gopclntab_lookup(&t, 0x1000, &off) == NULL);
	memset(table + 0x200, 'x', len - 0x200);
	CHECK(gopclntab_lookup(&t, 0x1040, &off) == NULL);
}

int
main(void)
{
	test_layout(GOPCLNTAB_MAGIC_116);
	test_layout(GOPCLNTAB_MAGIC_118);
	test_layout(GOPCLNTAB_MAGIC_120);
	test_header();
	return check_done("test_gopclntab");
}
