/* sys.getsizeof from outside over fake address spaces: types classified by
 * flags and by their static base's name, and each kind's size as that
 * version's __sizeof__ gives it (generators and frames from their code on
 * 3.11+, lists by capacity, sets and dicts by their tables), and the sizes
 * refused: unreadable, or beyond any object. */
#include "../fake_memory.h"
#include "check.h"
#include "probes/python_sizeof.h"

#define SPACE 65536
/* Where the fake objects sit in the space. */
#define STATIC_TYPE (FAKE_BASE + 0x1000) /* a built-in type */
#define HEAP_TYPE   (FAKE_BASE + 0x2000) /* a class deriving from it */
#define NAME        (FAKE_BASE + 0x3000)
#define OBJ         (FAKE_BASE + 0x4000)
#define CODE        (FAKE_BASE + 0x5000)
#define OTHER       (FAKE_BASE + 0x6000) /* a frame, a keys object, a table */

#define FLAG_HEAPTYPE ((uint64_t)1 << 9)
#define FLAG_LIST     ((uint64_t)1 << 25)
#define FLAG_DICT     ((uint64_t)1 << 29)

static uint8_t space[SPACE];
static struct fake_memory fake = {space, SPACE};
static const struct python_memory mem = {fake_read, &fake, NULL};

static void
put(uint64_t addr, const void *v, size_t len)
{
	memcpy(space + (addr - FAKE_BASE), v, len);
}

static void
put64(uint64_t addr, uint64_t v)
{
	put(addr, &v, sizeof(v));
}

static void
put32(uint64_t addr, int32_t v)
{
	put(addr, &v, sizeof(v));
}

static void
put8(uint64_t addr, uint8_t v)
{
	put(addr, &v, sizeof(v));
}

/* A type at addr: basic and item sizes, flags, a name, a base. */
static void
type_at(const struct python_layout *l, uint64_t addr, uint64_t basic, uint64_t item, uint64_t flags,
        const char *name, uint64_t base)
{
	put64(addr + (uint64_t)l->type.tp_basicsize, basic);
	put64(addr + (uint64_t)l->type.tp_itemsize, item);
	put64(addr + (uint64_t)l->type.tp_flags, flags);
	put(NAME, name, strlen(name) + 1);
	put64(addr + (uint64_t)l->type.tp_name, NAME);
	put64(addr + (uint64_t)l->type.tp_base, base);
}

/* The size of OBJ as an object of the type at type, or -errno. */
static int64_t
size_of(const struct python_layout *l, uint64_t type)
{
	struct python_sizeof_type t;
	uint64_t bytes;
	int err = python_sizeof_type(l, &mem, type, &t);

	if (err == 0)
		err = python_sizeof_object(l, &mem, &t, OBJ, &bytes);
	return err != 0 ? err : (int64_t)bytes;
}

/* 3.11+ generator-like objects: the slots of their code. 3.11 reads gi_code,
 * later versions the frame's code (3.14+ tagged in its low bits). */
static void
test_generator(int minor, const char *name)
{
	const struct python_layout *l = python_layout_for(3, minor);
	uint64_t head = (uint64_t)l->gc.head_size;
	uint64_t code = minor >= 14 ? CODE | 1 : CODE;

	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 80, 8, 0, name, 0);
	put32(CODE + (uint64_t)l->code.co_nlocalsplus, 5);
	put32(CODE + (uint64_t)l->code.co_stacksize, 7);
	if (l->gen.gi_code >= 0)
		put64(OBJ + (uint64_t)l->gen.gi_code, code);
	else
		put64(OBJ + (uint64_t)l->gen.gi_iframe + (uint64_t)l->iframe.code, code);
	/* What used to be read as ob_size: a pointer, not a size (on 3.11
	 * gi_code itself; later, gi_weakreflist). */
	if (l->gen.gi_code != l->object.ob_size)
		put64(OBJ + (uint64_t)l->object.ob_size, 0x7f0000001234);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(80 + head + 12 * 8));
	/* A code object we misread: refused, not summed. */
	put32(CODE + (uint64_t)l->code.co_nlocalsplus, -3);
	CHECK(size_of(l, STATIC_TYPE) == -ERANGE);
	put32(CODE + (uint64_t)l->code.co_nlocalsplus, 1 << 30);
	CHECK(size_of(l, STATIC_TYPE) == -ERANGE);
	/* Its code unreadable. */
	if (l->gen.gi_code >= 0)
		put64(OBJ + (uint64_t)l->gen.gi_code, 0x10);
	else
		put64(OBJ + (uint64_t)l->gen.gi_iframe + (uint64_t)l->iframe.code, 0x10);
	CHECK(size_of(l, STATIC_TYPE) == -EFAULT);
}

/* A 3.11+ frame object: the code of the interpreter frame it points to. */
static void
test_frame(void)
{
	const struct python_layout *l = python_layout_for(3, 12);

	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 120, 8, 0, "frame", 0);
	put64(OBJ + (uint64_t)l->frame.f_frame, OTHER);
	put64(OTHER + (uint64_t)l->iframe.code, CODE);
	put32(CODE + (uint64_t)l->code.co_nlocalsplus, 2);
	put32(CODE + (uint64_t)l->code.co_stacksize, 3);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(120 + (uint64_t)l->gc.head_size + 5 * 8));

	/* ≤3.10: f_localsplus[1] is in the struct, ob_size counts it too. */
	l = python_layout_for(3, 9);
	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 400, 8, 0, "frame", 0);
	put64(OBJ + (uint64_t)l->object.ob_size, 10);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(400 + (uint64_t)l->gc.head_size + 9 * 8));
}

/* A list by its capacity; a subclass by its inherited flag; an absurd
 * capacity refused. */
static void
test_list(void)
{
	const struct python_layout *l = python_layout_for(3, 13);
	uint64_t head = (uint64_t)l->gc.head_size;

	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 40, 0, FLAG_LIST, "list", 0);
	type_at(l, HEAP_TYPE, 56, 0, FLAG_LIST | FLAG_HEAPTYPE, "MyList", STATIC_TYPE);
	put64(OBJ + (uint64_t)l->object.ob_size, 3);
	put64(OBJ + (uint64_t)l->list.allocated, 8);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(40 + head + 8 * 8));
	CHECK(size_of(l, HEAP_TYPE) >= (int64_t)(56 + head + 8 * 8));
	put64(OBJ + (uint64_t)l->list.allocated, (uint64_t)1 << 40);
	CHECK(size_of(l, STATIC_TYPE) == -ERANGE);
}

/* A set: nothing beyond its struct while in smalltable; its table once it
 * grew; a class deriving from set sized as a set. */
static void
test_set(int major, int minor)
{
	const struct python_layout *l = python_layout_for(major, minor);
	uint64_t head = (uint64_t)l->gc.head_size;
	uint64_t entry = (uint64_t)l->set.entry_size;

	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 200, 0, 0, "set", 0);
	put64(HEAP_TYPE + (uint64_t)l->type.tp_basicsize, 216);
	put64(HEAP_TYPE + (uint64_t)l->type.tp_flags, FLAG_HEAPTYPE);
	put64(HEAP_TYPE + (uint64_t)l->type.tp_base, STATIC_TYPE);
	put64(OBJ + (uint64_t)l->set.mask, 7);
	put64(OBJ + (uint64_t)l->set.table, OBJ + (uint64_t)l->set.smalltable);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(200 + head));
	put64(OBJ + (uint64_t)l->set.mask, 127);
	put64(OBJ + (uint64_t)l->set.table, OTHER);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(200 + head + 128 * entry));
	CHECK(size_of(l, HEAP_TYPE) == (int64_t)(216 + head + 128 * entry));
}

/* Dicts: 2.7's table; 3.8's keys of DK_SIZE slots; 3.12's keys by their
 * log sizes and kind, split values, shared keys not counted. */
static void
test_dict(void)
{
	const struct python_layout *l = python_layout_for(2, 7);
	uint64_t head = (uint64_t)l->gc.head_size;

	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 280, 0, FLAG_DICT, "dict", 0);
	put64(OBJ + (uint64_t)l->dict.ma_mask, 31);
	put64(OBJ + (uint64_t)l->dict.ma_table, OTHER);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(280 + head + 32 * (uint64_t)l->dict_entry.size));
	put64(OBJ + (uint64_t)l->dict.ma_table, OBJ + (uint64_t)l->dict.ma_smalltable);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(280 + head));

	/* 3.8: 16 slots, 1-byte indices, 10 usable entries. */
	l = python_layout_for(3, 8);
	head = (uint64_t)l->gc.head_size;
	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 48, 0, FLAG_DICT, "dict", 0);
	put64(OBJ + (uint64_t)l->dict.ma_keys, OTHER);
	put64(OTHER, 1); /* dk_refcnt */
	put64(OTHER + (uint64_t)l->dict_keys.dk_size, 16);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(48 + head + (uint64_t)l->dict_keys.dk_indices +
	                                           16 + 10 * (uint64_t)l->dict_entry.size));
	/* Split: the values here, the keys (shared) in the class. */
	put64(OTHER, 5);
	put64(OBJ + (uint64_t)l->dict.ma_values, OTHER + 0x800);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(48 + head + 10 * 8));

	/* 3.12: 2^3 slots, 8 index bytes, unicode entries; unshared. */
	l = python_layout_for(3, 12);
	head = (uint64_t)l->gc.head_size;
	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 48, 0, FLAG_DICT, "dict", 0);
	put64(OBJ + (uint64_t)l->dict.ma_keys, OTHER);
	put64(OTHER, 1);
	put8(OTHER + (uint64_t)l->dict_keys.dk_log2_size, 3);
	put8(OTHER + (uint64_t)l->dict_keys.dk_log2_index_bytes, 3);
	put8(OTHER + (uint64_t)l->dict_keys.dk_kind, 1);
	put64(OTHER + (uint64_t)l->dict_keys.dk_nentries, 4);
	put64(OTHER + (uint64_t)l->dict_keys.dk_usable, 1);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(48 + head + (uint64_t)l->dict_keys.dk_indices +
	                                           8 + 5 * (uint64_t)l->dict_unicode_entry.size));
	/* Shared keys with split values: nentries + usable values. */
	put64(OTHER, 3);
	put64(OBJ + (uint64_t)l->dict.ma_values, OTHER + 0x800);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(48 + head + 5 * 8));
	/* Keys whose log size no table has. */
	put8(OTHER + (uint64_t)l->dict_keys.dk_log2_size, 60);
	CHECK(size_of(l, STATIC_TYPE) == -ERANGE);
}

/* Tuples and other var-sized objects: |ob_size| items; a type whose memory
 * cannot be read, or whose sizes no type has, is UNKNOWN. */
static void
test_items_and_unknown(void)
{
	const struct python_layout *l = python_layout_for(3, 10);
	struct python_sizeof_type t;
	uint64_t bytes;

	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 24, 8, (uint64_t)1 << 26, "tuple", 0);
	put64(OBJ + (uint64_t)l->object.ob_size, 6);
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(24 + (uint64_t)l->gc.head_size + 48));
	put64(OBJ + (uint64_t)l->object.ob_size, (uint64_t)1 << 40);
	CHECK(size_of(l, STATIC_TYPE) == -ERANGE);
	CHECK(python_sizeof_type(l, &mem, 0x10, &t) == -EFAULT && t.kind == PYTHON_SIZEOF_UNKNOWN);
	CHECK(python_sizeof_object(l, &mem, &t, OBJ, &bytes) == -ENOENT && bytes == 0);
	type_at(l, STATIC_TYPE, (uint64_t)1 << 40, 0, 0, "huge", 0);
	CHECK(python_sizeof_type(l, &mem, STATIC_TYPE, &t) == -ERANGE);
}

/* int subclasses count from the digits (3.12+: at least one), str
 * subclasses from PyUnicodeObject and their characters, deques by their
 * blocks (a heap type named collections.deque on 3.12+), OrderedDicts as a
 * dict plus their nodes. */
static void
test_own_sizeof(void)
{
	const struct python_layout *l = python_layout_for(3, 12);
	uint64_t head = (uint64_t)l->gc.head_size;
	uint32_t state = (2u << l->unicode.kind_shift); /* 2-byte, not compact */

	memset(space, 0, sizeof(space));
	type_at(l, HEAP_TYPE, 64, 4, FLAG_HEAPTYPE | ((uint64_t)1 << 24), "MyInt", STATIC_TYPE);
	put64(OBJ + (uint64_t)l->longobj.lv_tag, 0 << 3); /* zero: one digit kept */
	CHECK(size_of(l, HEAP_TYPE) == (int64_t)(head + (uint64_t)l->longobj.ob_digit + 4));
	put64(OBJ + (uint64_t)l->longobj.lv_tag, 3 << 3);
	CHECK(size_of(l, HEAP_TYPE) == (int64_t)(head + (uint64_t)l->longobj.ob_digit + 12));

	memset(space, 0, sizeof(space));
	type_at(l, HEAP_TYPE, 72, 0, FLAG_HEAPTYPE | ((uint64_t)1 << 28), "MyStr", STATIC_TYPE);
	put(OBJ + (uint64_t)l->unicode.state, &state, sizeof(state));
	put64(OBJ + (uint64_t)l->unicode.length, 9);
	put64(OBJ + (uint64_t)l->unicode.data_any, OTHER);
	CHECK(size_of(l, HEAP_TYPE) == (int64_t)(head + (uint64_t)l->unicode.data_any + 8 + 20));

	memset(space, 0, sizeof(space));
	type_at(l, HEAP_TYPE, 632, 0, FLAG_HEAPTYPE, "collections.deque", STATIC_TYPE);
	put64(OBJ + (uint64_t)l->object.ob_size, 100); /* 40 to 139: three blocks */
	put64(OBJ + 40, 40);
	CHECK(size_of(l, HEAP_TYPE) == (int64_t)(632 + head + 3 * 528));
	put64(OBJ + 40, 64); /* no leftindex is that far */
	CHECK(size_of(l, HEAP_TYPE) == -ERANGE);

	memset(space, 0, sizeof(space));
	type_at(l, STATIC_TYPE, 104, 0, FLAG_DICT, "collections.OrderedDict", 0);
	put64(OBJ + (uint64_t)l->dict.ma_keys, OTHER);
	put64(OTHER, 2); /* shared keys: nothing of them */
	put64(OBJ + (uint64_t)l->dict.ma_used, 3);
	put64(OBJ + 48, OTHER + 0x100); /* od_first */
	put64(OBJ + 72, 8);             /* od_fast_nodes_size */
	CHECK(size_of(l, STATIC_TYPE) == (int64_t)(104 + head + 8 * 8 + 3 * 32));
}

/* 3.11+ objects with a managed dict carry the preheader words. */
static void
test_preheader(void)
{
	const struct python_layout *l = python_layout_for(3, 12);

	memset(space, 0, sizeof(space));
	type_at(l, HEAP_TYPE, 16, 0, FLAG_HEAPTYPE | (uint64_t)l->gc.flags_preheader, "Conn",
	        STATIC_TYPE);
	type_at(l, STATIC_TYPE, 16, 0, 0, "object", 0);
	CHECK(size_of(l, HEAP_TYPE) ==
	      (int64_t)(16 + (uint64_t)l->gc.head_size + (uint64_t)l->gc.preheader_size));
}

int
main(void)
{
	test_generator(11, "generator");
	test_generator(12, "coroutine");
	test_generator(13, "async_generator");
	test_generator(14, "generator");
	test_frame();
	test_list();
	test_set(2, 7);
	test_set(3, 12);
	test_dict();
	test_items_and_unknown();
	test_preheader();
	test_own_sizeof();
	return check_done("python_sizeof");
}
