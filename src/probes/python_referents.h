/* What one object of a CPython process refers to, read from outside, with
 * what each reference is called: the values and keys of a dict, the items of
 * a list, tuple, set or deque, an instance's attributes (its __dict__, its
 * __slots__), a module's globals, a class's attributes, a cell's contents, a
 * bound method's __self__ and __func__, the variables of a generator's,
 * coroutine's or async generator's frame and of a frame object. What
 * gc.get_referents() gives, with
 * names, for the kinds of objects a leak is held through.
 *
 * Each type is classified once (python_referents_type), each object then
 * read for its references (python_referents_of). The names (a key's text, an
 * attribute's) are left as the target's addresses, named later only for the
 * few chains shown.
 *
 * Pure: reads only through the struct python_memory given (a stopped
 * target's copy, a fake address space in tests and the fuzzer); every count
 * read is untrusted and bounded. */
#ifndef STACKTOP_PYTHON_REFERENTS_H
#define STACKTOP_PYTHON_REFERENTS_H

#include "python_layout.h"
#include "python_memory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most items read of one list, tuple, set or deque: a longer one is
 * read this far (a list of 4 million items is rare; more is garbage). */
#define PYTHON_REFERENTS_MAX_ITEMS ((uint64_t)1 << 22)
/* The most __slots__ members kept per class (its bases' included). */
#define PYTHON_REFERENTS_MAX_SLOTS 32

/* How a reference is held; what label means for each. */
enum python_ref_edge {
	PYTHON_REF_GLOBAL,     /* a module's global: label is the key (a str) */
	PYTHON_REF_ATTR,       /* an instance's attribute: label is the key str */
	PYTHON_REF_SLOT,       /* a __slots__ member: label is the address of its
	                          C string name (the class's PyMemberDef) */
	PYTHON_REF_CLASS_ATTR, /* a class's attribute: label is the key str */
	PYTHON_REF_VALUE,      /* a dict's value: label is its key object */
	PYTHON_REF_KEY,        /* a dict's key object itself: label is the key */
	PYTHON_REF_INDEX,      /* an item of a list, tuple or deque: label is the index */
	PYTHON_REF_MEMBER,     /* a member of a set: label 0 */
	PYTHON_REF_CELL,       /* a cell's contents: label 0 */
	PYTHON_REF_SELF,       /* a bound method's __self__: label 0 */
	PYTHON_REF_FUNC,       /* a bound method's __func__: label 0 */
	PYTHON_REF_LOCAL,      /* a variable of a generator's or a frame object's
	                          frame: label is its name (a str of the code's) */
	/* Named by the attribute Python shows them as, label 0: */
	PYTHON_REF_CLOSURE,    /* a function's __closure__ (a tuple of cells) */
	PYTHON_REF_DEFAULTS,   /* a function's __defaults__ (a tuple) */
	PYTHON_REF_KWDEFAULTS, /* a function's __kwdefaults__ (a dict) */
	PYTHON_REF_TB_FRAME,   /* a traceback's tb_frame */
	PYTHON_REF_TB_NEXT,    /* a traceback's tb_next */
	PYTHON_REF_ARGS,       /* an exception's args (a tuple) */
	PYTHON_REF_TRACEBACK,  /* an exception's __traceback__ */
	PYTHON_REF_CONTEXT,    /* an exception's __context__ */
	PYTHON_REF_CAUSE,      /* an exception's __cause__ */
	PYTHON_REF_CORO,       /* an asyncio task's coroutine (get_coro()) */
	PYTHON_REF_EDGE_KINDS
};

/* What the objects of a type hold, as far as references go. */
enum python_ref_class {
	PYTHON_REF_OTHER, /* nothing followed (code, str, int, ...) */
	PYTHON_REF_DICT,
	PYTHON_REF_LIST,
	PYTHON_REF_TUPLE,
	PYTHON_REF_SET,
	PYTHON_REF_DEQUE,
	PYTHON_REF_MODULE,
	PYTHON_REF_TYPE,
	PYTHON_REF_CELL_OBJECT,
	PYTHON_REF_METHOD,
	PYTHON_REF_GENERATOR, /* and coroutine, async generator: their frame */
	PYTHON_REF_FRAME,     /* a frame object (a traceback's, sys._getframe()) */
	PYTHON_REF_FUNCTION,  /* its closure and defaults (attributes: its __dict__) */
	PYTHON_REF_TRACEBACK_OBJECT,
	PYTHON_REF_EXCEPTION, /* BaseException and every subclass */
	PYTHON_REF_TASK,      /* the C _asyncio.Task: its coroutine */
};

struct python_ref_slot {
	uint64_t offset; /* in the object */
	uint64_t name;   /* the member's name, a C string of the target */
};

/* One type, classified. */
struct python_ref_type {
	enum python_ref_class cls;
	bool attributes;   /* its objects' __dict__ attributes: a class's
	                      instances, and a static type's that keeps a
	                      __dict__ (functions, exceptions, SimpleNamespace) */
	int32_t task_coro; /* PYTHON_REF_TASK: where its coroutine is */
	struct python_ref_slot slots[PYTHON_REFERENTS_MAX_SLOTS];
	size_t nslots;
};

/* Classifies the type at type (a PyTypeObject * of the target) into *out:
 * OTHER with no attributes when it cannot be read. */
void python_referents_type(const struct python_layout *l, const struct python_memory *mem,
                           uint64_t type, struct python_ref_type *out);

/* One reference of an object. */
struct python_ref {
	uint64_t to;    /* the object referred to */
	uint64_t label; /* per kind (enum python_ref_edge) */
	uint32_t kind;  /* enum python_ref_edge */
};

/* A growing array of references (owned by whoever holds it; clear with
 * python_refs_buf_free), and a scratch buffer for the reads. */
struct python_ref_buf {
	struct python_ref *refs;
	size_t n, cap;
	uint64_t *scratch;
	size_t scratch_cap;
};

/* Appends to out the references of the object at obj, of a type classified
 * as t. Returns how many it appended (0 when nothing could be read). */
size_t python_referents_of(const struct python_layout *l, const struct python_memory *mem,
                           uint64_t obj, const struct python_ref_type *t,
                           struct python_ref_buf *out);

void python_ref_buf_free(struct python_ref_buf *b);

#endif
