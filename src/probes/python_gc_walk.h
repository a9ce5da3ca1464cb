/* Counting the objects the CPython collector tracks, by type: a walk of its
 * doubly linked lists of PyGC_Head (one per generation), made while the
 * target is stopped, that keeps for each distinct type address how many
 * objects point to it and the sum of their sizes as sys.getsizeof gives
 * them (python_sizeof: each type classified when first met, each object
 * then read for what its size depends on), and nothing per object, so that
 * the stop lasts no longer than the reads. Naming the types happens
 * afterwards, with the target running again (python_types).
 *
 * Pure: it reads only through the struct python_memory it is given (a
 * memory_cache on a live target, a fake address space in tests and the
 * fuzzer). Everything read is untrusted: a link that does not lead back
 * (the next node's prev is not where we came from), a misaligned pointer,
 * memory that cannot be read, or a bound (objects, time) ends the walk,
 * keeping what was counted and saying why. An object whose size cannot be
 * read or is implausible is counted, and its size counted as an error. */
#ifndef STACKTOP_PYTHON_GC_WALK_H
#define STACKTOP_PYTHON_GC_WALK_H

#include "python_layout.h"
#include "python_memory.h"
#include "python_sizeof.h"

#include <stddef.h>
#include <stdint.h>

/* Why a walk stopped before the end of every list. */
enum python_gc_partial {
	PYTHON_GC_COMPLETE,
	PYTHON_GC_OBJECT_LIMIT, /* max_objects reached */
	PYTHON_GC_TIME_LIMIT,   /* max_seconds passed */
	PYTHON_GC_BAD_LINK,     /* a next/prev pair that does not agree, or a
	                           misaligned or null link: a corrupt list, or one
	                           being changed (a collection running) */
	PYTHON_GC_UNREADABLE,   /* a node that cannot be read */
};

/* A reason as a phrase for people ("object limit reached"); "" for complete. */
const char *python_gc_walk_partial_reason(enum python_gc_partial p);

struct python_gc_limits {
	uint64_t max_objects;
	double max_seconds; /* of walking; <= 0: no time bound */
	/* When > 0: the CLOCK_MONOTONIC time (clock_monotonic_s) the walk must
	 * end by, whatever max_seconds says (the end of the caller's stop). */
	double deadline;
	/* The target's mappings, [start, end) pairs sorted and apart (adjacent
	 * ones merged), or NULL: an object laid out in one block (not a list's
	 * or a dict's separate table) whose size would run past the end of the
	 * mapping it starts in has a size that is not its own, and counts as a
	 * size error. Borrowed for the walk. */
	const uint64_t (*mappings)[2];
	size_t nmappings;
	/* When not NULL: called for each object walked (obj its PyObject, type
	 * its ob_type), with visit_arg, while the walk runs (the target
	 * stopped): a search for the objects of some types (asyncio tasks) or
	 * of their references rides the same walk. Reads it makes go through
	 * the walk's memory reader; its time counts in the walk's. */
	void (*visit)(void *visit_arg, uint64_t obj, uint64_t type);
	void *visit_arg;
};

/* The objects of one type address. */
struct python_gc_type_tally {
	uint64_t type;                  /* PyTypeObject * in the target */
	uint64_t objects;               /* how many point to it */
	uint64_t bytes;                 /* their sys.getsizeof sum (python_sizeof) */
	uint64_t size_errors;           /* objects whose size was unreadable or
	                                   implausible: counted, not in bytes */
	struct python_sizeof_type size; /* how its objects are sized */
};

struct python_gc_tally {
	struct python_gc_type_tally *types; /* owned, in no order */
	size_t ntypes;
	uint64_t objects;         /* all lists */
	uint64_t list_objects[8]; /* per list given, up to 8 */
	enum python_gc_partial partial;
	uint64_t bad_addr; /* the node where a BAD_LINK or UNREADABLE walk ended */
};

/* Walks the nheads lists whose PyGC_Head are at heads[] (target addresses)
 * with layout l through mem, and fills *out (free with
 * python_gc_walk_tally_free). Always returns a tally (possibly partial). */
void python_gc_walk(const struct python_layout *l, const struct python_memory *mem,
                    const uint64_t *heads, size_t nheads, const struct python_gc_limits *lim,
                    struct python_gc_tally *out);
void python_gc_walk_tally_free(struct python_gc_tally *t);

#endif
