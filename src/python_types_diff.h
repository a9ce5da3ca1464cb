/* What changed between two censuses of one Python process's objects
 * (stacktop mem --python-types takes one at each end of its window): per
 * type name, the count and bytes at each end and the change, the way
 * objgraph.show_growth() reports it from inside. Pure: no I/O. */
#ifndef STACKTOP_PYTHON_TYPES_DIFF_H
#define STACKTOP_PYTHON_TYPES_DIFF_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A type that was in neither end's rows at that index. */
#define PYTHON_TYPE_ABSENT ((size_t)-1)

/* One type name's change. A type present at only one end counts 0 objects
 * and 0 bytes at the other. */
struct python_type_change {
	const char *name;      /* borrowed from after's row, else before's */
	uint64_t count;        /* at the end */
	uint64_t bytes;        /* at the end */
	uint64_t size_errors;  /* at the end (objects whose bytes are not in bytes) */
	uint64_t count_before; /* at the start */
	uint64_t bytes_before;
	int64_t count_delta; /* count - count_before */
	int64_t bytes_delta; /* bytes - bytes_before (saturated at INT64_MAX/MIN) */
	size_t after;        /* its row in after->types, or PYTHON_TYPE_ABSENT */
};

/* The change of every type named in before or after, matched by name,
 * sorted by growth: count_delta descending, then bytes_delta descending
 * (objgraph.show_growth's order, with bytes to break its ties), then the
 * count at the end descending, then name. Names are borrowed from before's
 * and after's rows: the result lives no longer than they do. Returns an
 * owned array (free()) of *n rows; NULL and 0 when neither has a type. */
struct python_type_change *python_types_diff(const struct python_types *before,
                                             const struct python_types *after, size_t *n);

/* True when c's type grew: more objects, or as many holding more bytes (a
 * registry list or dict growing its table). In the growth order these rows
 * come first. */
bool python_type_change_grew(const struct python_type_change *c);

/* Seconds from before's census to after's (their taken_s); NAN when either
 * time is unknown (0). */
double python_types_interval_s(const struct python_types *before, const struct python_types *after);

#endif
