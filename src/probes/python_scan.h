/* Finding a CPython interpreter's state when its file has no symbol for it
 * (a stripped executable or libpython): a scan of the file's data and bss
 * for the pointer that leads to the interpreter, validated by following it.
 *
 * The main PyInterpreterState is found through a word that points to it,
 * where that interpreter's first thread state points back to it. On 3.7+
 * the word must be _PyRuntime.interpreters.head, followed by .main holding
 * the same pointer (one interpreter or the first of several), and the state
 * starts interpreters_head bytes before it; on 2.7 and 3.6 it is the static
 * interp_head (another variable that points to the same interpreter, such
 * as pystate.c's autoInterpreterState, leads to the same state). */
#ifndef STACKTOP_PYTHON_SCAN_H
#define STACKTOP_PYTHON_SCAN_H

#include "python_layout.h"
#include "python_memory.h"

#include <stddef.h>
#include <stdint.h>

/* At most this many candidate words are followed into the target. */
#define PYTHON_SCAN_MAX_CHECKS 100000

/* Scans bytes[0..len), a copy of the target's memory at addr, for the
 * interpreter of layout l, following candidates through mem. Returns 0 and
 * in *head what python_target.head_addr holds (the address of _PyRuntime,
 * or of interp_head), or -ENOENT. Pure: reads only through mem. */
int python_scan_head(const struct python_layout *l, uint64_t addr, const unsigned char *bytes,
                     size_t len, const struct python_memory *mem, uint64_t *head);

#endif
