/* The Python object histogram of a live process (stacktop mem
 * --python-types; the live view's memory pane): its collector's state and
 * the objects the collector tracks, counted by type name, the way
 * objgraph.most_common_types() counts them from inside, with their bytes.
 *
 * The target is stopped (every thread, probes/ptrace) only while its lists
 * are copied and counted by type address (probes/python_gc_walk, through a
 * probes/memory_cache); it runs again while the types are named. */
#ifndef STACKTOP_PYTHON_TYPES_H
#define STACKTOP_PYTHON_TYPES_H

#include "../model.h"
#include "memory_cache.h"
#include "procfs.h"
#include "python_find.h"
#include "python_memory.h"
#include "python_namer.h"

#include <stdbool.h>
#include <stdint.h>

struct target;

/* What else a census does while the target is stopped (python_refs: each
 * object's references; python_tasks: the asyncio tasks among them), all
 * members optional. */
struct python_types_visitor {
	/* At the start of each attempt's walk (an attempt made again starts
	 * over): t and mem (the stopped target's, through the census's copy)
	 * are borrowed until the target is let go. */
	void (*start)(void *arg, const struct python_target *t, const struct python_memory *mem);
	/* For each object walked (python_gc_limits.visit). */
	void (*object)(void *arg, uint64_t obj, uint64_t type);
	/* After each attempt's walk, the target still stopped, with start's t
	 * and mem: what is read of the instant the walk saw. */
	void (*finish)(void *arg);
	/* When set: after each attempt's stop, the target running again, the
	 * attempt's copy of its memory, owned by the visitor from then on
	 * (memory_cache_free): frozen (a read of what the stop did not copy
	 * fails, never reads the live process), and never started over while
	 * it was copied (a full copy refuses more). Not called when the
	 * attempt stopped no thread. */
	void (*keep_copy)(void *arg, struct memory_cache *copy);
	void *arg;
	/* The visitor wants its walk, not the histogram: the types are not
	 * named (python_types' types and ntypes stay empty). */
	bool no_histogram;
};

struct python_types_limits {
	uint64_t max_objects;  /* default PYTHON_TYPES_MAX_OBJECTS */
	double max_stop_s;     /* of the stops together, each from the first thread
	                          interrupted to the last let go (a walk that
	                          reaches it ends partial; a walk made again
	                          gets what is left); default PYTHON_TYPES_MAX_STOP_S */
	size_t max_copy_bytes; /* of target memory kept copied at once */
	const struct python_types_visitor *visitor; /* NULL: only the census */
};

#define PYTHON_TYPES_MAX_OBJECTS    10000000
#define PYTHON_TYPES_MAX_STOP_S     2.0
#define PYTHON_TYPES_MAX_COPY_BYTES ((size_t)512 << 20)

/* Takes pid's histogram: finds its interpreter, stops it, walks, lets it go,
 * names the types. lim may be NULL (the defaults). Returns 0 and an owned
 * *out (free with python_types_free), with partial set when a bound or a
 * broken list ended the walk early; or -ENOEXEC (not a Python process),
 * -ENOTSUP (a CPython whose version or collector we cannot read), -ESRCH
 * (gone), -EPERM / -EACCES (may not trace it). */
int python_types_take(const struct procfs *fs, int pid, const struct python_types_limits *lim,
                      struct python_types **out);

/* The same through handle, pid's target opened for Python (borrowed): for
 * a caller that reads it again afterwards. */
int python_types_take_in(const struct procfs *fs, struct target *handle, int pid,
                         const struct python_types_limits *lim, struct python_types **out);

/* What a census of pid would stop it for, before one is taken (nothing is
 * stopped): the walk copies the anonymous memory the objects live in, so
 * the stop grows with it. */
struct python_types_expect {
	int64_t anon_kib; /* RssAnon */
	double stop_ms;   /* expected: anon_kib at PYTHON_TYPES_MS_PER_MIB,
	                     at most the bound */
	double bound_ms;  /* the longest a stop may take (max_stop_s) */
};

/* Measured on a 2-CPU VM: 606,470 objects in 62.5 MiB of RssAnon stopped
 * 16.7-34 ms (median 17.4) at load 4-7; rounded up. */
#define PYTHON_TYPES_MS_PER_MIB 0.5

/* Fills *out for pid (lim NULL: the defaults) when it is a CPython whose
 * objects can be counted. Returns 0; -ENOEXEC (not Python), -ENOTSUP
 * (unreadable version, or a free-threaded build: nothing to count, no
 * stop), -ESRCH, -EPERM / -EACCES as python_types_take. */
int python_types_expect(const struct procfs *fs, int pid, const struct python_types_limits *lim,
                        struct python_types_expect *out);

/* The most of a type's or member's name read (python_string_c). */
#define PYTHON_TYPES_NAME_MAX 256

/* The name of the type at type as the census names it (owned): its tp_name,
 * "<unreadable>"; with qualified, module.Name when its class says which
 * module defined it (namer: t's and mem's). */
char *python_types_name_of(const struct python_target *t, const struct python_memory *mem,
                           struct python_namer *namer, uint64_t type, bool qualified);

#endif
