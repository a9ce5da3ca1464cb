/* The arguments and local variables of one Python frame, read from outside
 * (dump --locals): names from its code object, values from the frame's
 * slots, each described by python_repr.
 *   ≤3.10   PyFrameObject.f_localsplus: co_nlocals locals (co_varnames),
 *           then a cell per co_cellvars name and per co_freevars name;
 *   3.11+   _PyInterpreterFrame.localsplus: co_nlocalsplus slots, named by
 *           co_localsplusnames, each of the kinds in co_localspluskinds
 *           (3.14+: tagged references, their low two bits cleared).
 * A cell or free variable shows what its cell holds. Unset variables (an
 * empty slot or cell: not yet assigned, or deleted) are left out, as
 * locals() leaves them out, and so are 3.13's hidden slots (an inlined
 * comprehension's variables) and a cell whose name was already shown (an
 * argument a closure captures). Bounded: PYTHON_LOCALS_MAX variables and
 * PYTHON_LOCALS_BYTES of names and reprs a frame; the rest are counted.
 * Pure: reads only through the struct python_memory given. */
#ifndef STACKTOP_PYTHON_LOCALS_H
#define STACKTOP_PYTHON_LOCALS_H

#include "../model.h"
#include "python_layout.h"
#include "python_memory.h"
#include "python_stack.h"

#include <stddef.h>

#define PYTHON_LOCALS_MAX   64   /* variables shown of a frame */
#define PYTHON_LOCALS_BYTES 8192 /* bytes of their names and reprs */
#define PYTHON_LOCALS_SLOTS 4096 /* slots believed of a code object */
#define PYTHON_LOCALS_NAME  128  /* code points of a name */

/* One set variable of a frame: its name (owned), the str object of the
 * code's that name was read from, and the object it holds (a cell's
 * contents for a cell or free variable). */
struct python_local_value {
	char *name;
	uint64_t name_obj;
	uint64_t value;
};

/* The set variables of raw frame f, the ones python_locals_read shows
 * (without its bounds on their number and bytes: at most
 * PYTHON_LOCALS_SLOTS), in slot order: *out (owned, with each name: free
 * with python_locals_values_free) and *n. Returns 0 or -EFAULT as
 * python_locals_read (*out NULL, *n 0). */
int python_locals_values(const struct python_layout *l, const struct python_memory *mem,
                         const struct python_raw_frame *f, struct python_local_value **out,
                         size_t *n);
void python_locals_values_free(struct python_local_value *v, size_t n);

/* Reads the variables of raw frame f into out: out->locals (owned, in the
 * frame's slot order), out->nlocals, out->locals_omitted, and sets
 * out->has_locals. Returns 0; -EFAULT when the code object or the frame's
 * slots cannot be read or make no sense (out then has none). */
int python_locals_read(const struct python_layout *l, const struct python_memory *mem,
                       const struct python_raw_frame *f, struct frame_row *out);

#endif
