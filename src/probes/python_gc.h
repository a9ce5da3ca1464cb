/* The state of a CPython process's cyclic garbage collector, read from
 * outside: each generation's count and threshold (gc.get_count(),
 * gc.get_threshold()), the length of gc.garbage (the uncollectable objects,
 * such as cycles with __del__ before 3.4), whether a collection is running,
 * and where each list of tracked objects starts, for python_gc_walk.
 *
 * Where the state is depends on the version: static data of
 * Modules/gcmodule.c (2.7, 3.6: found through the exported
 * _PyGC_generation0 and, for gc.garbage, the .symtab symbol "garbage"),
 * _PyRuntime.gc (3.7, 3.8), the main interpreter's gc (3.9+; other
 * interpreters' objects are not counted). */
#ifndef STACKTOP_PYTHON_GC_H
#define STACKTOP_PYTHON_GC_H

#include "python_find.h"
#include "python_memory.h"

#include <stdbool.h>
#include <stdint.h>

/* CPython has had 3 generations in every version we read; a table entry
 * claiming more is capped here. */
#define PYTHON_GC_MAX_GENERATIONS 3
/* The generations, then the permanent generation of gc.freeze() (3.7+). */
#define PYTHON_GC_MAX_LISTS (PYTHON_GC_MAX_GENERATIONS + 1)

struct python_gc_state {
	int ngenerations; /* generations read; 0 when the state was not found */
	int64_t count[PYTHON_GC_MAX_GENERATIONS];
	int64_t threshold[PYTHON_GC_MAX_GENERATIONS];
	int64_t garbage; /* len(gc.garbage), or -1 when unknown */
	int collecting;  /* 1 while a collection runs, 0, -1 when unknown */
	bool permanent;  /* the last list is the permanent generation */
	/* Target addresses of each list's PyGC_Head: the generations, then the
	 * permanent one when there is one. */
	uint64_t heads[PYTHON_GC_MAX_LISTS];
	int nheads;
};

/* Reads t's collector state through mem into *out. Returns 0; -ENOTSUP when
 * this version's state cannot be found (2.7 or 3.6 without the symbols);
 * -EFAULT when it could not be read (-ESRCH: the process is gone). A
 * gc.garbage that cannot be read leaves garbage at -1 without failing. */
int python_gc_read_state(const struct python_target *t, const struct python_memory *mem,
                         struct python_gc_state *out);

#endif
