/* The plain-text stack dump: one block per thread, frames innermost first,
 * like pstack. Every string from the target is sanitized. */
#ifndef STACKTOP_DUMP_TEXT_H
#define STACKTOP_DUMP_TEXT_H

#include "../model.h"

#include <stdio.h>

/* Writes d (borrowed) to out. */
void dump_text_write(FILE *out, const struct dump_report *d);

/* Writes ", Python VERSION" (and " (free-threaded)") of a Python process,
 * nothing for another; for a header line. */
void dump_text_python(FILE *out, const struct python_info *p);

/* Writes "(why its Python frames are missing)" on a line of its own when
 * they could not be read, else nothing. */
void dump_text_python_unreadable(FILE *out, const struct python_info *p);

/* Writes frame number i of a stack as one line: "#i 0xADDR in func+0xOFF
 * (module)", or "module+0xOFF" when no symbol covers it. */
void dump_text_frame(FILE *out, size_t i, const struct frame_row *f);

/* Writes "... stack cut: REASON" on a line of its own (after indent spaces)
 * when t's native walk stopped short of its root, else nothing. */
void dump_text_cut(FILE *out, int indent, const struct thread_stack *t);

#endif
