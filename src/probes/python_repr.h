/* What one object of a CPython process is, as dump --locals shows it: its
 * type's name and a bounded text like Python's repr(), read from outside:
 *   None, True, False;
 *   int (2.7's int and long too) in decimal, up to PYTHON_REPR_INT_CHARS
 *   digits, then "<int of N digits>";
 *   float as repr() writes it (the shortest text that reads back the same);
 *   str, bytes (2.7: str and unicode) quoted and escaped as repr() does,
 *   the first PYTHON_REPR_STR_CHARS characters, then "...(N chars)";
 *   list, tuple, dict, set, frozenset as "<list len=3 at 0x7f...>";
 *   anything else as "<Name at 0x7f...>".
 * It never follows a container's items, so garbage or a cycle cannot make
 * it loop. Every pointer is checked before it is followed (non-null,
 * aligned, in user space, readable), and a type is believed only when it
 * looks like one: its own type readable, marked ready, with a printable
 * name. The value kinds above are recognized only for CPython's own static
 * types (a class of the program named "int" is an "other").
 *
 * Pure: reads only through the struct python_memory given (a live or
 * stopped target, a fake address space in tests and the fuzzer). The text
 * is the target's data, escaped but not sanitized for a terminal: the
 * renderers do that. */
#ifndef STACKTOP_PYTHON_REPR_H
#define STACKTOP_PYTHON_REPR_H

#include "python_layout.h"
#include "python_memory.h"

#include <stdint.h>

#define PYTHON_REPR_TYPE_MAX  64  /* bytes of a type name, with the NUL */
#define PYTHON_REPR_TEXT_MAX  256 /* bytes of a repr, with the NUL */
#define PYTHON_REPR_STR_CHARS 100 /* characters of a str or bytes shown */
#define PYTHON_REPR_INT_CHARS 100 /* decimal digits of an int shown */

struct python_repr {
	char type[PYTHON_REPR_TYPE_MAX]; /* tp_name ("int", "Foo"), "?" unknown */
	char text[PYTHON_REPR_TEXT_MAX]; /* NUL-terminated */
};

/* Describes the object at obj (a PyObject * of the target) into *out.
 * Returns 0; -EFAULT when obj or its type cannot be read or believed
 * (out says "<unreadable at 0x...>", type "?"), or when a value's fields
 * cannot be read or make no sense (out then has the type and the form
 * "<int at 0x...>"). */
int python_repr(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                struct python_repr *out);

/* The type name of the object at obj into name (size bytes), checked as
 * python_repr checks it. Returns 0 or -EFAULT (name "?"). */
int python_repr_type_name(const struct python_layout *l, const struct python_memory *mem,
                          uint64_t obj, char *name, size_t size);

/* Writes repr(v) of a float, as Python 2.7 and 3.x write it, into out
 * (size bytes, 32 is enough). Pure. */
void python_repr_float(double v, char *out, size_t size);

#endif
