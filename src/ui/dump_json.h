/* The stack dump as JSON, schema "stacktop.dump/1". */
#ifndef STACKTOP_DUMP_JSON_H
#define STACKTOP_DUMP_JSON_H

#include "../model.h"

#include <stdbool.h>
#include <stdio.h>

/* Writes d (borrowed) to out as one JSON document on one line. */
void dump_json_write(FILE *out, const struct dump_report *d);

/* The reason a thread has no stack, in words ("did not stop in time ..."),
 * or NULL when it has one. */
const char *dump_json_thread_error(int err);

/* Writes one frame object of the contract ({kind, address, function, module,
 * offset, file, line}) as the next value of j. */
struct json;
void dump_json_frame(struct json *j, const struct frame_row *f);

/* Writes the member "stack" of thread t (its frames, innermost first; with
 * null_without null when t is NULL or its stack could not be taken, else an
 * empty array then), and "native_stack" (the native frames) when its Python
 * frames could not be merged with them: "stack" then holds those alone. */
void dump_json_stack(struct json *j, const struct thread_stack *t, bool null_without);

/* Writes the members complete_key (true when t's walk reached its root)
 * and cut_key (why it stopped short, or null) of thread t; both null when
 * t is NULL or has no stack. */
void dump_json_cut(struct json *j, const char *complete_key, const char *cut_key,
                   const struct thread_stack *t);

/* Writes the member "python" of a Python process (p->version not empty):
 * {version, readable, free_threaded, reason} (reason null when readable),
 * or "python": null (also for p NULL). */
void dump_json_python(struct json *j, const struct python_info *p);

#endif
