/* The memory report as JSON, schema "stacktop.mem/1". */
#ifndef STACKTOP_MEM_JSON_H
#define STACKTOP_MEM_JSON_H

#include "../model.h"

#include <stdio.h>

/* Writes m (borrowed) to out as one JSON document on one line. */
void mem_json_write(FILE *out, const struct mem_report *m);

/* Writes t (borrowed) to out as one JSON document on one line, schema
 * "stacktop.mem_tree/1": root, processes[] {pid, comm, rss_kib, pss_kib,
 * uss_kib, swap_kib} and tree {process_count, and those sums}. */
void mem_json_tree_write(FILE *out, const struct mem_tree *t);

#endif
