/* Where things are inside a CPython process: per-version offsets into the
 * interpreter's C structs, so that stacktop can walk threads, frames, code
 * objects, strings and dicts of a live target from outside, by reading its
 * memory (never by running its code).
 *
 * One entry per minor version (2.7, 3.6 … 3.13) comes from a committed table
 * that scripts/gen-python-layouts generates by compiling offsetof() probes
 * against each installed interpreter's own headers (python_layouts.c). On 3.13
 * and later the target itself publishes most offsets in _Py_DebugOffsets at
 * the start of _PyRuntime; python_layout_from_debug_offsets() reads them.
 *
 * Conventions, for every int32_t below:
 *   - a byte offset from the start of the named C struct (or a size, a bit
 *     position or an enum value where the comment says so);
 *   - PYTHON_LAYOUT_ABSENT (-1) when that version has no such field; 0 is a
 *     real offset (the first member of a struct);
 *   - offsets that CPython defines as negative (the managed dict pointer that
 *     lives *before* an object) are stored as positive distances with a
 *     _before suffix, so that -1 keeps meaning absent.
 * Version ranges are inclusive; "3.11+" means every later version this table
 * knows. Pointer-sized fields are 8 bytes: the table is for x86-64 / LP64
 * targets, the only ones stacktop reads. */
#ifndef STACKTOP_PYTHON_LAYOUT_H
#define STACKTOP_PYTHON_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PYTHON_LAYOUT_ABSENT (-1)

struct python_layout {
	int major;           /* 2 or 3 */
	int minor;           /* 7, 6 … 13 */
	uint32_t hexversion; /* PY_VERSION_HEX of the interpreter the entry describes,
	                        e.g. 0x030b07f0 for 3.11.7 */
	const char *source;  /* where the entry came from (static string): the
	                        headers of one interpreter, or "_Py_DebugOffsets" */
	bool free_threaded;  /* a build without the GIL (Py_GIL_DISABLED, 3.13t+):
	                        objects have another header, no GIL holder */

	/* How to find the first interpreter. 3.7+: the exported data symbol
	 * "_PyRuntime" (a _PyRuntimeState; add runtime.interpreters_head).
	 * 2.7 and 3.6: "interp_head", a static PyInterpreterState * in
	 * Python/pystate.c, so only in .symtab (or a debug file), never .dynsym. */
	const char *head_symbol;
	/* 2.7 and 3.6 only (NULL otherwise): the exported data symbol whose value
	 * is the PyThreadState of the thread holding the GIL, NULL while nobody
	 * holds it: "_PyThreadState_Current" (2.7: a PyThreadState *, 3.6: an
	 * _Py_atomic_address). No offsets are needed for it. 3.6's ceval_gil.h
	 * also keeps a static gil_last_holder, but only in .symtab. */
	const char *gil_holder_symbol;

	/* _PyRuntimeState (the _PyRuntime symbol), 3.7+. */
	struct {
		int32_t interpreters_head; /* interpreters.head (3.7+) */
		int32_t gil_last_holder;   /* ceval.gil.last_holder, a PyThreadState *
		                              (3.7–3.11; 3.12+ see interp.ceval_gil) */
		int32_t gil_locked;        /* ceval.gil.locked, an int (3.7–3.11) */
		int32_t gc; /* gc, a struct _gc_runtime_state (3.7–3.8; 3.9+ interp.gc) */
	} runtime;

	/* PyInterpreterState. */
	struct {
		int32_t next;         /* next interpreter (all) */
		int32_t threads_head; /* tstate_head (≤3.10), threads.head (3.11+) */
		int32_t modules;      /* modules (≤3.11), imports.modules (3.12+): the
		                         sys.modules dict */
		int32_t ceval_gil;    /* ceval.gil, a struct _gil_runtime_state *
		                         (3.12+: the GIL is per interpreter) */
		int32_t gc;           /* gc, a struct _gc_runtime_state (3.9+) */
	} interp;

	/* Inside struct _gil_runtime_state (3.7+). On 3.7–3.11 that struct is
	 * _PyRuntime.ceval.gil, and runtime.gil_* above already add these up;
	 * on 3.12+ it is at *(interp + interp.ceval_gil). */
	struct {
		int32_t last_holder; /* PyThreadState * */
		int32_t locked;      /* int, 1 while held */
	} gil;

	/* PyThreadState. */
	struct {
		int32_t next;             /* next thread of the interpreter (all) */
		int32_t prev;             /* (3.x) */
		int32_t interp;           /* PyInterpreterState * (all) */
		int32_t frame;            /* PyFrameObject * (≤3.10) */
		int32_t cframe;           /* _PyCFrame * (3.10–3.12; 3.10: CFrame *) */
		int32_t current_frame;    /* _PyInterpreterFrame * (3.13+) */
		int32_t thread_id;        /* unsigned long (2.7: long), the pthread_t
		                             (all) */
		int32_t native_thread_id; /* unsigned long, the TID (3.11+) */
	} thread;

	/* _PyCFrame (3.11–3.12; 3.10's CFrame): one lives on the C stack in each
	 * call of the eval loop, linked to the caller's. */
	struct {
		int32_t current_frame; /* _PyInterpreterFrame * (3.11–3.12) */
		int32_t previous;      /* _PyCFrame * (3.10–3.12) */
	} cframe;

	/* PyFrameObject (≤3.10; later versions run _PyInterpreterFrame, and
	 * their frame objects only point to one: f_frame). */
	struct {
		int32_t f_back;        /* PyFrameObject * */
		int32_t f_code;        /* PyCodeObject * */
		int32_t f_lasti;       /* int: the last instruction started, -1 before
		                          the first; in units of lasti_scale bytes */
		int32_t f_lineno;      /* int, valid only while tracing */
		int32_t lasti_scale;   /* bytes per f_lasti unit: 1 (≤3.9: a byte
		                          offset), 2 (3.10: an index of code units) */
		int32_t f_frame;       /* _PyInterpreterFrame *, the frame a 3.11+
		                          frame object shows (3.11+) */
		int32_t f_valuestack;  /* PyObject **, the value stack's base */
		int32_t f_iblock;      /* int, blocks used in f_blockstack */
		int32_t f_blockstack;  /* PyTryBlock[CO_MAXBLOCKS] */
		int32_t b_level;       /* PyTryBlock.b_level, an int: the value
		                          stack's depth when the block was set up */
		int32_t tryblock_size; /* sizeof(PyTryBlock) */
		int32_t f_localsplus;  /* PyObject *[]: the locals, then cells */
	} frame;

	/* _PyInterpreterFrame (3.11+). */
	struct {
		int32_t previous;        /* _PyInterpreterFrame * */
		int32_t code;            /* f_code, a PyCodeObject * (3.11–3.12);
		                            f_executable, a PyObject * (3.13: a code
		                            object, or something else in shim frames),
		                            a _PyStackRef (3.14+: the object pointer
		                            with tag bits in its low two bits) */
		int32_t prev_instr;      /* _Py_CODEUNIT *, the code unit before the next
		                            instruction (3.11–3.12) */
		int32_t instr_ptr;       /* _Py_CODEUNIT *, the instruction executing or
		                            about to (3.13+) */
		int32_t owner;           /* char, enum _frameowner (3.11+) */
		int32_t is_entry;        /* bool, the first frame of a _PyEval_EvalFrameDefault
		                            call (3.11 only) */
		int32_t localsplus;      /* PyObject * (3.11–3.13), _PyStackRef (3.14+)
		                            []: co_nlocalsplus locals, then the value
		                            stack (3.11+) */
		int32_t stackpointer;    /* _PyStackRef *, one past the value stack's top,
		                            stored before each call that may block (3.14+) */
		int32_t owned_by_cstack; /* value of owner that marks the shim frame
		                            pushed by each _PyEval_EvalFrameDefault
		                            call: FRAME_OWNED_BY_CSTACK (3.12-3.13),
		                            FRAME_OWNED_BY_INTERPRETER (3.14+) */
	} iframe;

	/* PyCodeObject. */
	struct {
		int32_t co_filename;        /* str (2.7: a PyStringObject) */
		int32_t co_name;            /* str */
		int32_t co_qualname;        /* str (3.11+) */
		int32_t co_firstlineno;     /* int */
		int32_t co_lnotab;          /* bytes (≤3.9) */
		int32_t co_linetable;       /* bytes (3.10+) */
		int32_t co_code;            /* bytes (≤3.10) */
		int32_t co_code_adaptive;   /* the instructions, inline in the code
		                               object (3.11+) */
		int32_t co_nlocalsplus;     /* int: locals, cells and frees (3.11+) */
		int32_t co_stacksize;       /* int: value stack slots (3.11+) */
		int32_t co_exceptiontable;  /* bytes, the exception table (3.11+) */
		int32_t co_nlocals;         /* int: the frame's first slots are locals
		                               (≤3.10) */
		int32_t co_varnames;        /* tuple of str: their names (≤3.10) */
		int32_t co_cellvars;        /* tuple of str: a cell slot each, after the
		                               locals (≤3.10) */
		int32_t co_freevars;        /* tuple of str: a cell slot each, after the
		                               cells (≤3.10) */
		int32_t co_localsplusnames; /* tuple of str: every slot's name (3.11+) */
		int32_t co_localspluskinds; /* bytes: every slot's kind, of the bits
		                               below (3.11+) */
		int32_t fast_local;         /* CO_FAST_LOCAL (3.11+) */
		int32_t fast_cell;          /* CO_FAST_CELL: the slot holds a cell (3.11+) */
		int32_t fast_free;          /* CO_FAST_FREE: the slot holds a closure's
		                               cell (3.11+) */
		int32_t fast_hidden;        /* CO_FAST_HIDDEN: an inlined comprehension's
		                               variable, not in locals() (3.13+) */
		int32_t unit_size;          /* bytes per code unit: 1 (2.7), 2 (3.6+) */
		int32_t linetable_format;   /* enum python_linetable_format (all) */
	} code;

	/* PyBytesObject (3.x), PyStringObject (2.7). */
	struct {
		int32_t ob_size; /* Py_ssize_t, the length without the final NUL */
		int32_t ob_sval; /* the characters */
	} bytes;

	/* PyUnicodeObject. 3.x (PEP 393): a compact string's characters follow
	 * the struct: at ascii_size when the ascii bit is set, else at
	 * compact_size; kind is the bytes per character (1, 2, 4). A non-compact
	 * string (only made by the legacy C API, never for code object names)
	 * keeps them at data_any. The state bitfield is 32 bits wide.
	 * 2.7: length code points of py_unicode_size bytes at *str. */
	struct {
		int32_t length;     /* Py_ssize_t, in code points (all) */
		int32_t state;      /* the state bitfield (3.x) */
		int32_t kind_shift; /* state bits: kind (3.x) */
		int32_t kind_width;
		int32_t compact_shift;   /* (3.x) */
		int32_t ascii_shift;     /* (3.x) */
		int32_t ready_shift;     /* (3.6–3.11; removed with wstr in 3.12) */
		int32_t ascii_size;      /* sizeof(PyASCIIObject) (3.x) */
		int32_t compact_size;    /* sizeof(PyCompactUnicodeObject) (3.x) */
		int32_t data_any;        /* PyUnicodeObject.data.any (3.x) */
		int32_t str;             /* Py_UNICODE * (2.7) */
		int32_t py_unicode_size; /* sizeof(Py_UNICODE) (2.7) */
	} unicode;

	/* PyObject, PyVarObject. */
	struct {
		int32_t ob_type; /* PyTypeObject * */
		int32_t ob_size; /* PyVarObject.ob_size, Py_ssize_t */
	} object;

	/* PyTypeObject, PyHeapTypeObject. */
	struct {
		int32_t tp_name;            /* const char * */
		int32_t tp_basicsize;       /* Py_ssize_t */
		int32_t tp_itemsize;        /* Py_ssize_t */
		int32_t tp_flags;           /* unsigned long */
		int32_t tp_dict;            /* PyObject *: a class's namespace, which
		                               holds its __module__ (NULL for 3.12+'s
		                               static builtin types) */
		int32_t tp_dictoffset;      /* Py_ssize_t: where an instance keeps its
		                               __dict__ (every type ≤3.10; 3.11+ the
		                               types without flag_managed_dict, such
		                               as C types: see instance below) */
		int32_t flag_managed_dict;  /* Py_TPFLAGS_MANAGED_DICT (3.11+) */
		int32_t flag_inline_values; /* Py_TPFLAGS_INLINE_VALUES (3.13+) */
		int32_t flag_long_subclass; /* Py_TPFLAGS_LONG_SUBCLASS: an int, whose
		                               ob_size is a signed digit count (≤3.11)
		                               or that is in longobj.lv_tag (3.12+) */
		int32_t ht_cached_keys;     /* PyHeapTypeObject.ht_cached_keys, the keys
		                               shared by the instances' dicts (3.x) */
		int32_t tp_base;            /* PyTypeObject *, the base class (all) */
		int32_t tp_members;         /* PyMemberDef *: a class's __slots__ among
		                               them (all) */
	} type;

	/* Instance attributes of a type with flag_managed_dict (3.11+). The
	 * dict pointer sits dict_before bytes before the object: 3.11 a
	 * PyObject * (NULL while the values are in the PyDictValues * that is
	 * values_before bytes before the object); 3.12 a PyDictOrValues: with
	 * its low bit set, a PyDictValues * minus 1, else the dict; 3.13+ a
	 * PyDictObject *, NULL while the values are inline (flag_inline_values)
	 * at inline_values bytes from the object start. Values are found through
	 * type.ht_cached_keys, whose entries are dict_unicode_entry. */
	struct {
		int32_t dict_before;   /* (3.11+) */
		int32_t values_before; /* (3.11 only) */
		int32_t inline_values; /* (3.13+) */
	} instance;

	/* PyDictObject. */
	struct {
		int32_t ma_used;       /* Py_ssize_t (all) */
		int32_t ma_keys;       /* PyDictKeysObject * (3.x) */
		int32_t ma_values;     /* values of a split table: PyObject ** (3.6–3.10),
		                          PyDictValues * (3.11+) (3.x) */
		int32_t ma_mask;       /* Py_ssize_t, slots - 1 (2.7) */
		int32_t ma_table;      /* PyDictEntry * (2.7) */
		int32_t ma_smalltable; /* PyDictEntry[8], ma_table while it fits (2.7) */
	} dict;

	/* PyDictKeysObject (3.x). The index array starts at dk_indices and has
	 * one entry per slot of 1, 2, 4 or 8 bytes (slots ≤ 0xff, ≤ 0xffff,
	 * ≤ 0xffffffff, more); the entries follow it (3.11+: at dk_indices +
	 * (1 << dk_log2_index_bytes)). 3.6–3.10 have no such struct in their
	 * installed headers (it is in Objects/dict-common.h): the generator
	 * measures these offsets in a live dict of that interpreter instead. */
	struct {
		int32_t dk_size;             /* Py_ssize_t, the number of slots (3.6–3.10) */
		int32_t dk_log2_size;        /* uint8_t (3.11+) */
		int32_t dk_log2_index_bytes; /* uint8_t (3.11+) */
		int32_t dk_usable;           /* Py_ssize_t, entries still free (3.11+) */
		int32_t dk_kind;             /* uint8_t: 0 general (dict_entry), 1 unicode,
		                                2 split (dict_unicode_entry) (3.11+) */
		int32_t dk_nentries;         /* Py_ssize_t, entries used (3.x) */
		int32_t dk_indices;          /* (3.x) */
	} dict_keys;

	/* PyDictKeyEntry (3.x), PyDictEntry (2.7: the entries of ma_table). */
	struct {
		int32_t size;
		int32_t me_hash;
		int32_t me_key;
		int32_t me_value;
	} dict_entry;

	/* PyDictUnicodeEntry: entries of unicode and split keys (3.11+). */
	struct {
		int32_t size;
		int32_t me_key;
		int32_t me_value;
	} dict_unicode_entry;

	/* Where the PyObject * array starts in what ma_values points to (3.x):
	 * 0 while ma_values is a plain array (3.6–3.12), 8 once PyDictValues
	 * starts with capacity/size/embedded/valid bytes (3.13+). */
	struct {
		int32_t values;
	} dict_values;

	/* PyTupleObject, PyListObject. */
	struct {
		int32_t ob_item; /* PyObject *[] */
	} tuple;
	struct {
		int32_t ob_item;   /* PyObject ** */
		int32_t allocated; /* Py_ssize_t, the capacity of ob_item (all) */
	} list;

	/* PySetObject (set, frozenset): its table is smalltable until it
	 * outgrows it, then (mask + 1) entries of entry_size bytes elsewhere. */
	struct {
		int32_t mask;       /* Py_ssize_t (all) */
		int32_t table;      /* setentry * (all) */
		int32_t smalltable; /* setentry[8] (all) */
		int32_t entry_size; /* sizeof(setentry) (all) */
		int32_t used;       /* Py_ssize_t, the length (all) */
	} set;

	/* PyCellObject: a closure variable's box. */
	struct {
		int32_t ob_ref; /* PyObject *, NULL while unset (all) */
	} cell;

	/* PyMemberDef (structmember.h; 3.12+ descrobject.h): one of a type's
	 * members, an array ended by a NULL name. */
	struct {
		int32_t size;   /* sizeof(PyMemberDef) (all) */
		int32_t type;   /* int: T_OBJECT_EX for a __slots__ member (all) */
		int32_t offset; /* Py_ssize_t: where in the object (all) */
	} member_def;

	/* PyMethodObject: a bound method (2.7's instancemethod). */
	struct {
		int32_t im_func; /* PyObject * (all) */
		int32_t im_self; /* PyObject * (all) */
	} method;

	/* PyFunctionObject: what a function holds besides its code and globals. */
	struct {
		int32_t closure;    /* PyObject *: a tuple of cells, or NULL (all) */
		int32_t defaults;   /* PyObject *: a tuple, or NULL (all) */
		int32_t kwdefaults; /* PyObject *: a dict, or NULL (3.x) */
	} func;

	/* PyTracebackObject: one level of a caught exception's traceback. */
	struct {
		int32_t tb_next;  /* PyTracebackObject *, or NULL (all) */
		int32_t tb_frame; /* PyFrameObject * (all) */
	} traceback;

	/* PyBaseExceptionObject: the head of every exception. */
	struct {
		int32_t args;      /* PyObject *: a tuple (all) */
		int32_t traceback; /* PyObject *, or NULL (3.x) */
		int32_t context;   /* PyObject *: __context__, or NULL (3.x) */
		int32_t cause;     /* PyObject *: __cause__, or NULL (3.x) */
	} exception;

	/* collections.deque: its structs are private to
	 * Modules/_collectionsmodule.c, so the generator measures them in a live
	 * deque. The items are a chain of blocks of block.len pointers each, the
	 * first at index leftindex of leftblock. */
	struct {
		int32_t leftblock; /* block * (all) */
		int32_t leftindex; /* Py_ssize_t (all) */
		int32_t len;       /* Py_ssize_t: 3.x its ob_size (all) */
	} deque;
	struct {
		int32_t data;      /* PyObject *[len]: 0 on 2.7, after the leftlink on 3.x */
		int32_t len;       /* BLOCKLEN: 62 (2.7), 64 (3.x) */
		int32_t rightlink; /* block *, the next block (all) */
	} deque_block;

	/* PyFloatObject. */
	struct {
		int32_t ob_fval; /* double (all) */
	} floatobj;

	/* PyGenObject, PyCoroObject, PyAsyncGenObject: one head (3.11+), the
	 * interpreter frame inline at its end, sized by its code. */
	struct {
		int32_t gi_code;         /* PyCodeObject * (3.11; later the frame's code) */
		int32_t gi_iframe;       /* _PyInterpreterFrame (3.11+) */
		int32_t gi_frame;        /* PyFrameObject *, NULL once finished (≤3.10) */
		int32_t gi_frame_state;  /* int8_t (3.11+) */
		int32_t frame_executing; /* FRAME_EXECUTING: a state above it is a
		                            finished frame, its slots released but
		                            not emptied (3.11+; 0 until 3.14, 4 in
		                            3.15) */
	} gen;

	/* PyLongObject (all), PyIntObject (2.7). A thread ident in
	 * threading._active is an int whose hash is the ident itself below
	 * 2**61 - 1, so a dict walk can match it by me_hash alone. */
	struct {
		int32_t ob_digit;   /* digit[] (all) */
		int32_t lv_tag;     /* uintptr_t: sign and digit count (3.12+;
		                       before, ob_size is the signed digit count) */
		int32_t digit_size; /* sizeof(digit) */
		int32_t shift;      /* PyLong_SHIFT, bits per digit */
		int32_t ob_ival;    /* PyIntObject.ob_ival, a long (2.7) */
	} longobj;

	/* _thread.RLock (3.14+: a _PyRecursiveMutex, in a struct private to
	 * Modules/_threadmodule.c; measured). */
	struct {
		int32_t rlock_owner; /* unsigned long long: the owning thread's ident
		                        (its pthread_t), 0 when free (3.14+) */
	} thread_lock;

	/* PyModuleObject. */
	struct {
		int32_t md_dict; /* PyObject * (all) */
	} module;

	/* The cyclic garbage collector. PyGC_Head sits just before each tracked
	 * object (all). The collector's state (struct _gc_runtime_state) is at
	 * _PyRuntime + runtime.gc (3.7–3.8) or interp + interp.gc (3.9+); on 2.7
	 * and 3.6 it is static data of Modules/gcmodule.c: its generations
	 * array is what the exported _PyGC_generation0 points to, and the
	 * generator declares struct gc_generation as gcmodule.c does. */
	struct {
		int32_t head_size;            /* sizeof(PyGC_Head) (all) */
		int32_t head_next;            /* gc.gc_next (≤3.7), _gc_next (3.8+) (all) */
		int32_t head_prev;            /* gc.gc_prev, _gc_prev (all); on 3.8+ both
		                                 links keep flag bits in their low bits */
		int32_t generations;          /* struct gc_generation[num_generations]
		                                 (3.7+) */
		int32_t num_generations;      /* NUM_GENERATIONS (all) */
		int32_t generation_size;      /* sizeof(struct gc_generation) (all) */
		int32_t generation_head;      /* PyGC_Head, the list head (all) */
		int32_t generation_threshold; /* int (all) */
		int32_t generation_count;     /* int (all) */
		int32_t collecting;           /* int (3.7+) */
		int32_t garbage;              /* PyObject *, gc.garbage (3.7+) */
		int32_t permanent_generation; /* struct gc_generation: what gc.freeze()
		                                 moved out of the collector's sight
		                                 (3.7+) */
		int32_t preheader_size;       /* bytes some objects keep before their
		                                 PyGC_Head: managed dict and weakref
		                                 pointers (3.11+) */
		int32_t flags_preheader;      /* the tp_flags bits of the types whose
		                                 objects have that preheader (3.11+) */
	} gc;
};

/* The layout of CPython major.minor (a build with the GIL) as generated from
 * its headers (its oldest entry, when patch releases of it differ), or NULL
 * when the table has no such version. Borrowed: a static table entry. */
const struct python_layout *python_layout_for(int major, int minor);

/* The layout of the CPython whose PY_VERSION_HEX is hexversion, a
 * free-threaded build or not: the newest such entry of its minor version not
 * newer than it (a patch release may move a field: 3.13.18 is not laid out
 * as 3.13.0), else the oldest of that minor version; NULL when the table
 * has no entry of that minor version and kind. */
const struct python_layout *python_layout_for_version(uint32_t hexversion, bool free_threaded);

/* The versions the table reads, for messages: "2.7 and 3.6 to 3.15" (and
 * ", free-threaded 3.13" when it has such entries), in buf; returns buf. */
char *python_layout_known(char *buf, size_t size);

/* Whether CPython major.minor keeps its state in _PyRuntime (3.7+), rather
 * than behind the interp_head pointer (2.7, 3.6). */
static inline bool
python_has_runtime(int major, int minor)
{
	return major > 3 || (major == 3 && minor >= 7);
}

/* The offset of a code object's line table (3.10+) or lnotab. */
static inline int32_t
python_layout_code_table(const struct python_layout *l)
{
	return l->code.co_linetable >= 0 ? l->code.co_linetable : l->code.co_lnotab;
}

/* Fills out with the layout of the process whose _PyRuntime starts with buf
 * (len bytes of it, copied from the target): the _Py_DebugOffsets struct
 * that 3.13+ place there, starting with the cookie "xdebugpy" and
 * PY_VERSION_HEX. Pure: reads only buf.
 *
 * It provides: runtime.interpreters_head; interp.next, threads_head, modules,
 * ceval_gil, gc; gil.last_holder, locked; thread.prev, next, interp,
 * current_frame, thread_id, native_thread_id; iframe.previous, code,
 * instr_ptr, owner; code.co_filename, co_name, co_qualname, co_firstlineno,
 * co_linetable, co_code_adaptive, co_localsplusnames, co_localspluskinds;
 * iframe.localsplus; floatobj.ob_fval; object.ob_type, ob_size; type.tp_name,
 * tp_flags; tuple.ob_item; list.ob_item; dict.ma_keys, ma_values;
 * longobj.lv_tag, ob_digit; bytes.ob_size, ob_sval; unicode.state, length,
 * ascii_size; gc.collecting. Every other field (the unicode state bits,
 * compact_size, type sizes and dict offsets, dict keys and entries, module
 * dict, instance dict placement, the GC generations, owned_by_cstack,
 * code.unit_size …) is taken from the table entry of the newest version
 * not newer than the target's.
 *
 * The _Py_DebugOffsets struct itself changes between minor versions (CPython
 * guarantees it only within one), so this reads only versions whose layout
 * of it the generator recorded (3.13 today).
 *
 * Returns 0; -EINVAL when buf is not a _Py_DebugOffsets (no cookie, too
 * short, an offset beyond its struct's size); -ENOTSUP for a version whose
 * _Py_DebugOffsets layout is unknown, or a free-threaded build of a version
 * the table has no free-threaded entry for (its objects differ in ways the
 * struct does not publish). out is untouched on error. */
int python_layout_from_debug_offsets(const void *buf, size_t len, struct python_layout *out);

/* One int32_t field of struct python_layout and the versions that have it,
 * for tests and diagnostics. Versions are major * 100 + minor (207, 306 …). */
struct python_layout_field {
	const char *name; /* "thread.native_thread_id" */
	size_t offset;    /* offsetof(struct python_layout, …) */
	int since;        /* first version with the field */
	int until;        /* last version with it, or 0 when still present */
	int zero_ok;      /* 1 when 0 is a real value (a first member, a bit
	                     position, an enum value) */
};

/* Every int32_t field of struct python_layout, in declaration order. */
extern const struct python_layout_field python_layout_fields[];
extern const size_t python_layout_field_count;

/* Reads field f of layout l. */
int32_t python_layout_get(const struct python_layout *l, const struct python_layout_field *f);

/* Where one layout field is found in a version's _Py_DebugOffsets: the
 * uint64_t at byte `at`, minus the one at `minus` when minus >= 0 (to turn an
 * offset in PyInterpreterState into one inside a struct it embeds), bounded
 * by the struct size at `bound` (-1: no bound). */
struct python_debug_offsets_field {
	size_t field; /* offsetof(struct python_layout, …) */
	int32_t at;
	int32_t minus;
	int32_t bound;
};

/* The layout of _Py_DebugOffsets in one minor version. */
struct python_debug_offsets_map {
	int major, minor;
	int32_t size;          /* sizeof(_Py_DebugOffsets) */
	int32_t free_threaded; /* position of free_threaded */
	const struct python_debug_offsets_field *fields;
	size_t count;
};

/* The generated tables (python_layouts.c): every layout entry, oldest
 * first, and the _Py_DebugOffsets maps. Borrowed, static. */
const struct python_layout *python_layouts_table(size_t *count);
const struct python_debug_offsets_map *python_layouts_debug_offsets_maps(size_t *count);

#endif
