/* Naming what python_stack_read followed: each frame's code object as a
 * function, file and line, and str objects as UTF-8, read through the
 * namer's target and memory. Code objects are immutable, and their names
 * are cached for the namer's life (a frame's stamp tells a code object made
 * again at the same address). Everything read is untrusted: every string
 * and line table is bounded. */
#ifndef STACKTOP_PYTHON_NAMER_H
#define STACKTOP_PYTHON_NAMER_H

#include "../model.h"
#include "python_find.h"
#include "python_memory.h"
#include "python_stack.h"

#include <stdint.h>

/* Names frames; caches code objects. */
struct python_namer;

/* What the namer reads (borrowed, as given to python_namer_new). */
const struct python_target *python_namer_target(const struct python_namer *n);
const struct python_memory *python_namer_memory(const struct python_namer *n);
struct python_namer *python_namer_new(const struct python_target *t,
                                      const struct python_memory *mem);
void python_namer_free(struct python_namer *n);

/* Fills out (owned strings) for raw frame f: kind python, function (the
 * qualified name on 3.11+), file and line; function "<unknown>" when the
 * code object cannot be read. */
void python_namer_frame(struct python_namer *n, const struct python_raw_frame *f,
                        struct frame_row *out);

/* The text of str object obj as UTF-8 (owned), or NULL when it cannot be
 * read; 2.7 byte strings as they are. */
char *python_namer_string(struct python_namer *n, uint64_t obj);

/* Names every frame of raw thread rt: owned, rt->nframes of them. */
struct frame_row *python_namer_thread(struct python_namer *n, const struct python_raw_thread *rt);

#endif
