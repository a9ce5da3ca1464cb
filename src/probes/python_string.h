/* The text of CPython's string objects, read from outside: bytes (2.7's
 * str), str (3.x: PEP 393, one, two or four bytes a character; 2.7's
 * unicode: Py_UNICODE units behind a pointer) and the C strings types name
 * themselves with. Pure: reads only through the struct python_memory given,
 * and bounds every length it reads. The namer reads names through it, and
 * python_repr the values of str and bytes objects. */
#ifndef STACKTOP_PYTHON_STRING_H
#define STACKTOP_PYTHON_STRING_H

#include "python_layout.h"
#include "python_memory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The first bytes of bytes object obj (2.7: a str): at most max of them,
 * in an owned, NUL-terminated buffer, their count in *len and the object's
 * whole length in *size. NULL when the object cannot be read. */
unsigned char *python_string_bytes(const struct python_layout *l, const struct python_memory *mem,
                                   uint64_t obj, size_t max, size_t *len, uint64_t *size);

/* The first code points of str object obj (2.7: a unicode object): at most
 * max of them in an owned array (*cps, NULL when it has none), their count
 * in *n and the string's whole length in *length. Returns 0, or -EFAULT
 * when the object cannot be read or is not laid out as a str is. */
int python_string_code_points(const struct python_layout *l, const struct python_memory *mem,
                              uint64_t obj, size_t max, uint32_t **cps, size_t *n,
                              uint64_t *length);

/* A name as the program spells it (a code object's or a variable's), as
 * UTF-8 (owned), cut at max code points: a str object (2.7: a byte string,
 * as they are). NULL when unreadable. */
char *python_string_name(const struct python_layout *l, const struct python_memory *mem,
                         uint64_t obj, size_t max);

/* Writes code point cp as UTF-8 into out (4 bytes of room), a surrogate or
 * a value beyond U+10FFFF as U+FFFD. Returns the bytes written. */
size_t python_string_utf8_put(char *out, uint32_t cp);

/* The C string at addr (a type's tp_name), at most size - 1 bytes of it,
 * into out (always NUL-terminated): in pieces that end at page boundaries,
 * as a short name may sit at the end of a mapping's last page. Returns
 * false when nothing could be read. */
bool python_string_c(const struct python_memory *mem, uint64_t addr, char *out, size_t size);

/* Whether the type at type (a PyTypeObject * of the target) is named
 * exactly name (its tp_name, a short name of at most 63 bytes: "list",
 * "_asyncio.Task"): one read of the name's bytes and its NUL. */
bool python_string_type_named(const struct python_layout *l, const struct python_memory *mem,
                              uint64_t type, const char *name);

#endif
