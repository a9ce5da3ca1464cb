/* Line numbers of CPython instructions: pure decoders of the tables a code
 * object keeps to map an instruction offset to a source line, one per
 * format CPython has used. They read only the bytes they are given (copied
 * from the target, so untrusted): every read is bounded by len and every
 * loop by the table's length.
 *
 * The offset is in bytes from the start of the code's instructions
 * (co_code, or co_code_adaptive on 3.11+), the same number CPython passes to
 * PyCode_Addr2Line:
 *   ≤3.9   f_lasti (already in bytes; -1 before the first instruction);
 *   3.10   f_lasti * 2 (f_lasti counts code units there);
 *   3.11+  (prev_instr or instr_ptr) - co_code_adaptive, in bytes.
 * A negative offset means "not started" and yields the first line, as in
 * CPython. Each decoder returns what PyCode_Addr2Line of that version
 * returns, with "no line" (CPython's -1) as -ENOENT. */
#ifndef STACKTOP_PYTHON_LINETABLE_H
#define STACKTOP_PYTHON_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

/* Which table a version keeps (python_layout's code.linetable_format). */
enum python_linetable_format {
	/* 2.7 co_lnotab: (byte delta, line delta) pairs, both unsigned. */
	PYTHON_LINETABLE_LNOTAB_UNSIGNED = 1,
	/* 3.6–3.9 co_lnotab: the line delta is signed (int8), so lines can go
	 * back, e.g. for the test of a loop at its end. */
	PYTHON_LINETABLE_LNOTAB = 2,
	/* 3.10 co_linetable: (byte length, signed line delta) pairs; a delta of
	 * -128 marks a range with no line. */
	PYTHON_LINETABLE_310 = 3,
	/* 3.11+ co_linetable, the location table: variable-length entries of
	 * 1–8 code units, each with line and column information or none. */
	PYTHON_LINETABLE_LOCATIONS = 4,
};

/* The line of the instruction at byte offset in a co_lnotab table (2.7 with
 * signed_deltas 0, 3.6–3.9 with 1). A pair whose byte delta takes the address
 * past offset ends the walk, so an offset beyond the table gets the last
 * line. Returns 0 and *line, or -ERANGE when the sum leaves int's range. */
int python_linetable_lnotab(const uint8_t *table, size_t len, int firstlineno, int64_t offset,
                            int signed_deltas, int *line);

/* The line of the instruction at byte offset in a 3.10 co_linetable.
 * Returns 0 and *line; -ENOENT when its range has no line or offset is past
 * the last range; -ERANGE as above. */
int python_linetable_310(const uint8_t *table, size_t len, int firstlineno, int64_t offset,
                         int *line);

/* The line of the instruction at byte offset in a 3.11+ location table.
 * Returns 0 and *line; -ENOENT when its entry has no location or offset is
 * past the last entry; -EINVAL when a varint runs past the table's end
 * before offset is reached; -ERANGE as above. */
int python_linetable_locations(const uint8_t *table, size_t len, int firstlineno, int64_t offset,
                               int *line);

/* Dispatches on format. Returns what the decoder returns, or -EINVAL for an
 * unknown format. */
int python_linetable_line(enum python_linetable_format format, const uint8_t *table, size_t len,
                          int firstlineno, int64_t offset, int *line);

#endif
