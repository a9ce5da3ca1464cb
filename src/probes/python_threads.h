/* Python thread names, from outside: through a namer's target and memory,
 * each interpreter's threading._active and its Threads' names. */
#ifndef STACKTOP_PYTHON_THREADS_H
#define STACKTOP_PYTHON_THREADS_H

#include "python_namer.h"
#include "python_stack.h"

#include <stdint.h>

/* What naming threads learns of a process once and reuses: the str
 * objects that key threading, _active and a Thread's name attribute (names
 * in the program, interned: the same object in every dict), tried first by
 * address before every key's text is read. All zero to start. */
#define PYTHON_THREADS_CACHED 4
struct python_threads_cache {
	uint64_t keys[PYTHON_THREADS_CACHED];
};

/* Sets each thread's name from its interpreter's threading._active (the Thread objects by
 * thread ident) and each Thread's name attribute: through the modules
 * dict, the module's dict and the instance's attributes, whose layouts
 * differ by version. Threads it cannot name keep NULL; so does a thread
 * whose name was not a str, or whose Thread left threading._active while it
 * was read (a process read as it runs). cache: the process's (kept by the
 * caller from call to call), or NULL. */
void python_threads_names(struct python_namer *n, struct python_threads_cache *cache,
                          struct python_raw *r);

#endif
