/* The stack dump as JSON, schema "stacktop.dump/1". */
#ifndef STACKTOP_DUMP_JSON_H
#define STACKTOP_DUMP_JSON_H

#include "../model.h"

#include <stdio.h>

/* Writes d (borrowed) to out as one JSON document on one line. */
void dump_json_write(FILE *out, const struct dump_report *d);

/* The reason a thread has no stack, in words ("did not stop in time ..."),
 * or NULL when it has one. */
const char *dump_thread_error(int err);

/* Writes one frame object of the contract ({kind, address, function, module,
 * offset, file, line}) as the next value of j. */
struct json;
void dump_json_frame(struct json *j, const struct frame_row *f);

/* Writes the member "python" of a Python process (p->version not empty):
 * {version, readable, free_threaded, reason} (reason null when readable),
 * or "python": null (also for p NULL). */
void dump_json_python(struct json *j, const struct python_info *p);

#endif
