/* The stack dump as JSON, schema "stacktop.dump/1". */
#ifndef STACKTOP_DUMP_JSON_H
#define STACKTOP_DUMP_JSON_H

#include "../model.h"

#include <stdio.h>

/* Writes d (borrowed) to out as one JSON document on one line. */
void dump_json_write(FILE *out, const struct dump_report *d);

/* The reason a thread has no stack, in words ("did not stop within 100 ms"),
 * or NULL when it has one. */
const char *dump_thread_error(int err);

#endif
