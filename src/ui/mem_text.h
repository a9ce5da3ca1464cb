/* The plain-text memory report of stacktop mem. */
#ifndef STACKTOP_MEM_TEXT_H
#define STACKTOP_MEM_TEXT_H

#include "../model.h"

#include <stdio.h>

/* Writes m (borrowed) to out. */
void mem_text_write(FILE *out, const struct mem_report *m);

#endif
