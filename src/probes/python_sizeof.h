/* What sys.getsizeof says of one object of a CPython process, worked out
 * from outside: the object's __sizeof__ plus the collector's header (and,
 * 3.11+, the words some objects keep before it), for the objects the
 * collector tracks (python_gc_walk asks for each one it walks).
 *
 * __sizeof__ is not tp_basicsize + tp_itemsize * ob_size for the common
 * containers and, on 3.11+, for the objects that carry an interpreter frame
 * (whose PyObject_HEAD has no ob_size: the word there is a pointer). Each
 * type is classified once by its flags and, for those no flag tells apart,
 * the name of its nearest static base; each object then costs a few reads
 * of its own fields (and of its code object, for frames). Follows, per
 * version, Objects/genobject.c gen_sizeof, frameobject.c frame_sizeof,
 * listobject.c list___sizeof__, setobject.c set_sizeof, dictobject.c
 * _PyDict_SizeOf / dict_sizeof (2.7), typeobject.c type___sizeof__ and
 * object___sizeof__, longobject.c int___sizeof__, unicodeobject.c
 * unicode___sizeof__, odictobject.c odict_sizeof, Modules/_collectionsmodule.c
 * deque___sizeof__, sysmodule.c _PySys_GetSizeOf.
 *
 * Not done (counted as tp_basicsize, below sys.getsizeof): a str subclass
 * instance's UTF-8 and wchar_t copies, 2.7's deques, OrderedDicts and
 * unicode subclasses, and the other types with a __sizeof__ of their own
 * that the collector tracks rarely (buffered files, arrays ...).
 *
 * Pure: reads only through the struct python_memory it is given. */
#ifndef STACKTOP_PYTHON_SIZEOF_H
#define STACKTOP_PYTHON_SIZEOF_H

#include "python_layout.h"
#include "python_memory.h"

#include <stdbool.h>
#include <stdint.h>

/* The most any one object is believed to take: a size beyond it is a word
 * that is not what it should be (a list caught mid-change, a layout that
 * does not fit), counted as an error rather than summed. */
#define PYTHON_SIZEOF_MAX ((uint64_t)1 << 30)

enum python_sizeof_kind {
	PYTHON_SIZEOF_UNKNOWN,   /* the type could not be read or believed */
	PYTHON_SIZEOF_FIXED,     /* basic only */
	PYTHON_SIZEOF_ITEMS,     /* + |ob_size| items (object.__sizeof__: tuple,
	                            bytes, the var-sized types not below) */
	PYTHON_SIZEOF_LONG,      /* int: + its digits (3.12+: from lv_tag) */
	PYTHON_SIZEOF_LIST,      /* + allocated pointers */
	PYTHON_SIZEOF_SET,       /* + its table once it left smalltable */
	PYTHON_SIZEOF_DICT,      /* + split values and its own keys table */
	PYTHON_SIZEOF_FRAME_OLD, /* ≤3.10 frame: + ob_size - 1 slots */
	PYTHON_SIZEOF_GEN,       /* 3.11+ generator, coroutine, async
	                            generator: + the slots of its code */
	PYTHON_SIZEOF_FRAME,     /* 3.11+ frame object: + the slots of the
	                            code of the frame it shows */
	PYTHON_SIZEOF_TYPE,      /* a class: + its cached keys table */
	PYTHON_SIZEOF_STR,       /* 3.x str subclass: + its characters */
	PYTHON_SIZEOF_DEQUE,     /* 3.x collections.deque: + its blocks */
	PYTHON_SIZEOF_ODICT,     /* 3.x OrderedDict: a dict's, + its nodes */
};

/* How to size the objects of one type. */
struct python_sizeof_type {
	enum python_sizeof_kind kind;
	uint64_t basic; /* tp_basicsize (int, str: their struct's size, as
	                   their __sizeof__ counts) + the collector's header
	                   and preheader */
	uint64_t item;  /* tp_itemsize */
};

/* Classifies the type at type (a PyTypeObject * in the target) into *out.
 * Returns 0, or -EFAULT (unreadable) / -ERANGE (sizes no type has), with
 * out->kind PYTHON_SIZEOF_UNKNOWN. */
int python_sizeof_type(const struct python_layout *l, const struct python_memory *mem,
                       uint64_t type, struct python_sizeof_type *out);

/* Whether the objects of t are one block of memory of their size: the
 * collector's header (and preheader) and the object with its items, frame
 * or digits inline; not those whose size counts separate tables. */
bool python_sizeof_is_one_block(const struct python_sizeof_type *t);

/* The sys.getsizeof of the object at obj (its PyObject, after the
 * PyGC_Head), of a type classified as t, into *bytes. Returns 0; -EFAULT
 * when a field it needs cannot be read; -ERANGE when the size is beyond
 * PYTHON_SIZEOF_MAX or made of counts no object has; -ENOENT for a type of
 * kind UNKNOWN. */
int python_sizeof_object(const struct python_layout *l, const struct python_memory *mem,
                         const struct python_sizeof_type *t, uint64_t obj, uint64_t *bytes);

#endif
