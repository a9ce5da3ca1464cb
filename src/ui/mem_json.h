/* The memory report as JSON, schema "stacktop.mem/1". */
#ifndef STACKTOP_MEM_JSON_H
#define STACKTOP_MEM_JSON_H

#include "../model.h"

#include <stdio.h>

/* Writes m (borrowed) to out as one JSON document on one line. */
void mem_json_write(FILE *out, const struct mem_report *m);

#endif
