/* The plain-text stack dump: one block per thread, frames innermost first,
 * like pstack. Every string from the target is sanitized. */
#ifndef STACKTOP_DUMP_TEXT_H
#define STACKTOP_DUMP_TEXT_H

#include "../model.h"

#include <stdio.h>

/* Writes d (borrowed) to out. */
void dump_text_write(FILE *out, const struct dump_report *d);

#endif
