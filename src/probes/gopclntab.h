/* Go function names from .gopclntab, the table the Go runtime itself uses
 * for tracebacks: present in every Go binary, even one linked with
 * -ldflags="-s -w" (no .symtab, no DWARF), where it is the only source of
 * names. The header's magic says the layout (src/debug/gosym/pclntab.go):
 * Go 1.16-1.17 0xfffffffa, 1.18-1.19 0xfffffff0, 1.20 and later
 * 0xfffffff1 (1.20's layout of what we read is 1.18's). Older layouts are
 * not read. A pure decoder over the section's bytes: every count and
 * offset in them is untrusted. */
#ifndef STACKTOP_GOPCLNTAB_H
#define STACKTOP_GOPCLNTAB_H

#include <stddef.h>
#include <stdint.h>

/* The magics, by the Go version that introduced the layout. */
#define GOPCLNTAB_MAGIC_116 0xfffffffau
#define GOPCLNTAB_MAGIC_118 0xfffffff0u
#define GOPCLNTAB_MAGIC_120 0xfffffff1u

/* A table, its bytes borrowed (they must outlive it). */
struct gopclntab {
	const uint8_t *data;
	size_t len;
	uint32_t magic;
	uint64_t nfunc;
	uint64_t text_start; /* link-time address function offsets count from (1.18+) */
	uint64_t funcnames;  /* offset of the function name table */
	uint64_t functab;    /* offset of the function table */
	size_t entry_size;   /* of one function table entry: 8 (1.18+) or 16 */
};

/* Reads the header of the .gopclntab in data[0..len). text_start is where
 * .text starts (link-time), used when the header's own field is 0 (a
 * position-independent binary, where a relocation fills it in). Returns 0,
 * -ENOTSUP for another layout (Go before 1.16, or not 64-bit), or -EINVAL
 * for a table whose counts and offsets do not fit in len. */
int gopclntab_parse(const void *data, size_t len, uint64_t text_start, struct gopclntab *out);

/* The name of the Go function that holds link-time address pc, borrowed
 * from the table's bytes, and *offset into it; NULL when no function covers
 * pc or its entry is malformed. */
const char *gopclntab_lookup(const struct gopclntab *t, uint64_t pc, uint64_t *offset);

#endif
