/* The plain-text memory report of stacktop mem. */
#ifndef STACKTOP_MEM_TEXT_H
#define STACKTOP_MEM_TEXT_H

#include "../model.h"

#include <stdio.h>

/* Writes m (borrowed) to out. */
void mem_text_write(FILE *out, const struct mem_report *m);

/* Writes t (borrowed) to out: a line a process, and the tree's sums. */
void mem_text_tree_write(FILE *out, const struct mem_tree *t);

#endif
