/* The memory report as JSON, schema "stacktop.mem/1". */
#ifndef STACKTOP_MEM_JSON_H
#define STACKTOP_MEM_JSON_H

#include "../model.h"
#include "json.h"

#include <stdio.h>

/* Writes m (borrowed) to out as one JSON document on one line. */
void mem_json_write(FILE *out, const struct mem_report *m);

/* Writes t (borrowed) to out as one JSON document on one line, schema
 * "stacktop.mem_tree/1": root, processes[] {pid, comm, rss_kib, pss_kib,
 * uss_kib, swap_kib} and tree {process_count, and those sums}. */
void mem_json_tree_write(FILE *out, const struct mem_tree *t);

/* The members of a census's stop, in the object open in j: stopped_ms,
 * longest_stop_ms, stopped_ms_max, max_stop_ms, total_ms, attempts,
 * threads_not_stopped, partial, partial_reason (mem's python object and
 * refs/1 write them alike). */
void mem_json_census_stop(struct json *j, const struct python_types *p);

#endif
