/* Python thread names and dict lookups, from outside: through a namer's
 * target and memory, the dicts and instance attributes of every layout
 * (python_threads.c says which). */
#ifndef STACKTOP_PYTHON_THREADS_H
#define STACKTOP_PYTHON_THREADS_H

#include "python_namer.h"
#include "python_stack.h"

#include <stdint.h>

/* The value of key name in dict, a str-keyed dict of the target (0 when
 * it has no such key or cannot be read), through the namer's target and
 * memory: for a class's __module__, a module's global. */
uint64_t python_threads_dict_lookup(struct python_namer *n, uint64_t dict, const char *name);

/* Sets each thread's name from its interpreter's threading._active (the Thread objects by
 * thread ident) and each Thread's name attribute: through the modules
 * dict, the module's dict and the instance's attributes, whose layouts
 * differ by version. Threads it cannot name keep NULL. */
void python_threads_names(struct python_namer *n, struct python_raw *r);

#endif
