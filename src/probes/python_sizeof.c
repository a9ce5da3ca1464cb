#include "python_sizeof.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* tp_flags bits, the same from 2.7 to 3.15 (Include/object.h). The
 * *_SUBCLASS bits are inherited by every subclass, whose objects keep
 * their base's __sizeof__. */
#define FLAG_HEAPTYPE      ((uint64_t)1 << 9)
#define FLAG_LONG_SUBCLASS ((uint64_t)1 << 24)
#define FLAG_LIST_SUBCLASS ((uint64_t)1 << 25)
#define FLAG_TUPLE         ((uint64_t)1 << 26)
#define FLAG_BYTES         ((uint64_t)1 << 27)
#define FLAG_UNICODE       ((uint64_t)1 << 28)
#define FLAG_DICT          ((uint64_t)1 << 29)
#define FLAG_TYPE          ((uint64_t)1 << 31)
/* Bases followed from a class to the static type it derives from. */
#define SIZEOF_MAX_BASES 64
/* The longest static type name we compare ("async_generator"). */
#define SIZEOF_NAME_MAX 32
/* A frame with more slots than this has a code object we misread. */
#define SIZEOF_MAX_SLOTS ((int64_t)1 << 24)
/* 3.14+ code references in frames are tagged in their low two bits. */
#define SIZEOF_TAG_MASK (~(uint64_t)3)
/* 3.12+ int: lv_tag keeps the sign and flags in its low bits
 * (_PyLong_NON_SIZE_BITS in Include/cpython/longintrepr.h). */
#define SIZEOF_LV_TAG_SHIFT 3

static int
sizeof_word(const struct python_memory *mem, uint64_t addr, int32_t off, uint64_t *v)
{
	if (off < 0)
		return -ENOENT;
	return mem->read(mem->arg, addr + (uint64_t)off, v, sizeof(*v));
}

static int
sizeof_byte(const struct python_memory *mem, uint64_t addr, int32_t off, uint8_t *v)
{
	if (off < 0)
		return -ENOENT;
	return mem->read(mem->arg, addr + (uint64_t)off, v, sizeof(*v));
}

static int
sizeof_int(const struct python_memory *mem, uint64_t addr, int32_t off, int32_t *v)
{
	if (off < 0)
		return -ENOENT;
	return mem->read(mem->arg, addr + (uint64_t)off, v, sizeof(*v));
}

/* Whether the static type at type is named name. */
static bool
sizeof_named(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
             const char *name)
{
	char buf[SIZEOF_NAME_MAX];
	uint64_t at;
	size_t len = strlen(name) + 1;

	return sizeof_word(mem, type, l->type.tp_name, &at) == 0 &&
	       mem->read(mem->arg, at, buf, len) == 0 && memcmp(buf, name, len) == 0;
}

/* The nearest static type type derives from (itself when static): heap
 * types inherit the __sizeof__ of the built-in type they extend. 0 when a
 * base cannot be read. */
static uint64_t
sizeof_static_base(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
                   uint64_t flags)
{
	for (int depth = 0; depth < SIZEOF_MAX_BASES; depth++) {
		if ((flags & FLAG_HEAPTYPE) == 0)
			return type;
		if (sizeof_word(mem, type, l->type.tp_base, &type) != 0 || type == 0 ||
		    sizeof_word(mem, type, l->type.tp_flags, &flags) != 0)
			return 0;
	}
	return 0;
}

/* The kind of a type that no inherited flag classifies, from its static
 * base's name. */
static enum python_sizeof_kind
sizeof_kind_by_name(const struct python_layout *l, const struct python_memory *mem, uint64_t base,
                    uint64_t item)
{
	bool frames_inline = l->gen.gi_iframe >= 0; /* 3.11+ */

	if (base != 0 &&
	    (sizeof_named(l, mem, base, "generator") || sizeof_named(l, mem, base, "coroutine") ||
	     sizeof_named(l, mem, base, "async_generator")))
		return frames_inline ? PYTHON_SIZEOF_GEN : PYTHON_SIZEOF_FIXED;
	if (base != 0 && sizeof_named(l, mem, base, "frame"))
		return frames_inline ? PYTHON_SIZEOF_FRAME : PYTHON_SIZEOF_FRAME_OLD;
	if (base != 0 &&
	    (sizeof_named(l, mem, base, "set") || sizeof_named(l, mem, base, "frozenset")))
		return PYTHON_SIZEOF_SET;
	return item != 0 ? PYTHON_SIZEOF_ITEMS : PYTHON_SIZEOF_FIXED;
}

int
python_sizeof_type(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
                   struct python_sizeof_type *out)
{
	uint64_t basic, item, flags;
	int err;

	*out = (struct python_sizeof_type){PYTHON_SIZEOF_UNKNOWN, 0, 0};
	if ((err = sizeof_word(mem, type, l->type.tp_basicsize, &basic)) != 0 ||
	    (err = sizeof_word(mem, type, l->type.tp_itemsize, &item)) != 0 ||
	    (err = sizeof_word(mem, type, l->type.tp_flags, &flags)) != 0)
		return err == -ENOENT ? -EFAULT : err;
	if (basic == 0 || basic > (1 << 24) || item > (1 << 16))
		return -ERANGE;
	/* _PySys_GetSizeOf: the collector's header of a tracked object, and
	 * (3.11+, _PyType_PreHeaderSize) the managed dict and weakref words
	 * before it. */
	out->basic = basic + (uint64_t)l->gc.head_size;
	if (l->gc.preheader_size > 0 && (flags & (uint64_t)l->gc.flags_preheader) != 0)
		out->basic += (uint64_t)l->gc.preheader_size;
	out->item = item;
	if (flags & FLAG_TYPE)
		out->kind = PYTHON_SIZEOF_TYPE;
	else if (flags & FLAG_LONG_SUBCLASS)
		out->kind = PYTHON_SIZEOF_LONG;
	else if (flags & FLAG_LIST_SUBCLASS)
		out->kind = PYTHON_SIZEOF_LIST;
	else if (flags & FLAG_DICT)
		out->kind = PYTHON_SIZEOF_DICT;
	else if (flags & (FLAG_TUPLE | FLAG_BYTES))
		out->kind = PYTHON_SIZEOF_ITEMS;
	else if (flags & FLAG_UNICODE)
		out->kind = PYTHON_SIZEOF_FIXED; /* its characters: not done */
	else
		out->kind =
		    sizeof_kind_by_name(l, mem, sizeof_static_base(l, mem, type, flags), item);
	return 0;
}

/* USABLE_FRACTION (Objects/dictobject.c, every 3.x). */
static uint64_t
sizeof_usable(uint64_t slots)
{
	return (slots << 1) / 3;
}

/* The bytes of the 3.x dict keys object at keys (_PyDict_KeysSize, and
 * the part of _PyDict_SizeOf before 3.11), and in *usable_values the
 * values a split table of these keys holds. */
static int
sizeof_dict_keys(const struct python_layout *l, const struct python_memory *mem, uint64_t keys,
                 uint64_t *bytes, uint64_t *usable_values)
{
	uint64_t slots, index_bytes, entry, nentries, usable;
	int err;

	if (l->dict_keys.dk_indices < 0)
		return -ENOENT;
	if (l->dict_keys.dk_size >= 0) {
		/* 3.6-3.10: DK_SIZE slots, each index 1, 2, 4 or 8 bytes
		 * (DK_IXSIZE), USABLE_FRACTION entries, no kinds. */
		if ((err = sizeof_word(mem, keys, l->dict_keys.dk_size, &slots)) != 0)
			return err;
		if (slots == 0 || slots > ((uint64_t)1 << 32))
			return -ERANGE;
		index_bytes = slots * (slots <= 0xff         ? 1
		                       : slots <= 0xffff     ? 2
		                       : slots <= 0xffffffff ? 4
		                                             : 8);
		entry = (uint64_t)l->dict_entry.size;
		*usable_values = sizeof_usable(slots);
	} else {
		uint8_t log2_size, log2_index, kind;

		if ((err = sizeof_byte(mem, keys, l->dict_keys.dk_log2_size, &log2_size)) != 0 ||
		    (err = sizeof_byte(mem, keys, l->dict_keys.dk_log2_index_bytes, &log2_index)) !=
		        0 ||
		    (err = sizeof_byte(mem, keys, l->dict_keys.dk_kind, &kind)) != 0 ||
		    (err = sizeof_word(mem, keys, l->dict_keys.dk_nentries, &nentries)) != 0 ||
		    (err = sizeof_word(mem, keys, l->dict_keys.dk_usable, &usable)) != 0)
			return err;
		if (log2_size > 32 || log2_index > 35 || nentries > ((uint64_t)1 << 32) ||
		    usable > ((uint64_t)1 << 32))
			return -ERANGE;
		slots = (uint64_t)1 << log2_size;
		index_bytes = (uint64_t)1 << log2_index;
		/* DICT_KEYS_GENERAL (0) keeps hashes in its entries. */
		entry =
		    kind == 0 ? (uint64_t)l->dict_entry.size : (uint64_t)l->dict_unicode_entry.size;
		/* shared_keys_usable_size */
		*usable_values = nentries + usable;
	}
	*bytes = (uint64_t)l->dict_keys.dk_indices + index_bytes + sizeof_usable(slots) * entry;
	return 0;
}

/* A dict's own tables, beyond its basic size. */
static int
sizeof_dict(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
            uint64_t *extra)
{
	uint64_t keys, values, refcnt, keys_bytes, usable;
	int err;

	if (l->dict.ma_keys < 0) {
		/* 2.7: ma_table, until it outgrows ma_smalltable. */
		uint64_t mask, table;

		if ((err = sizeof_word(mem, obj, l->dict.ma_mask, &mask)) != 0 ||
		    (err = sizeof_word(mem, obj, l->dict.ma_table, &table)) != 0 ||
		    l->dict.ma_smalltable < 0)
			return err != 0 ? err : -ENOENT;
		*extra = table == obj + (uint64_t)l->dict.ma_smalltable
		             ? 0
		             : (mask + 1) * (uint64_t)l->dict_entry.size;
		return mask >= ((uint64_t)1 << 32) ? -ERANGE : 0;
	}
	if ((err = sizeof_word(mem, obj, l->dict.ma_keys, &keys)) != 0 ||
	    (err = sizeof_word(mem, obj, l->dict.ma_values, &values)) != 0 ||
	    (err = mem->read(mem->arg, keys, &refcnt, sizeof(refcnt))) != 0 ||
	    (err = sizeof_dict_keys(l, mem, keys, &keys_bytes, &usable)) != 0)
		return err;
	*extra = 0;
	if (values != 0)
		*extra += usable * 8;
	/* dk_refcnt, first in PyDictKeysObject in every 3.x: keys shared by a
	 * class's instances (or the immortal empty keys) are counted once, in
	 * the class. */
	if (refcnt == 1)
		*extra += keys_bytes;
	return 0;
}

/* The frame slots of the code object at code (3.11+: locals, cells and
 * frees, then the value stack). */
static int
sizeof_code_slots(const struct python_layout *l, const struct python_memory *mem, uint64_t code,
                  uint64_t *slots)
{
	int32_t nlocalsplus, stacksize;
	int err;

	code &= SIZEOF_TAG_MASK;
	if ((err = sizeof_int(mem, code, l->code.co_nlocalsplus, &nlocalsplus)) != 0 ||
	    (err = sizeof_int(mem, code, l->code.co_stacksize, &stacksize)) != 0)
		return err;
	if (nlocalsplus < 0 || stacksize < 0 ||
	    (int64_t)nlocalsplus + (int64_t)stacksize > SIZEOF_MAX_SLOTS)
		return -ERANGE;
	*slots = (uint64_t)nlocalsplus + (uint64_t)stacksize;
	return 0;
}

/* The code of a 3.11+ generator-like object: 3.11's gi_code, else its
 * frame's. */
static int
sizeof_gen_code(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                uint64_t *code)
{
	if (l->gen.gi_code >= 0)
		return sizeof_word(mem, obj, l->gen.gi_code, code);
	if (l->gen.gi_iframe < 0 || l->iframe.code < 0)
		return -ENOENT;
	return sizeof_word(mem, obj + (uint64_t)l->gen.gi_iframe, l->iframe.code, code);
}

/* The code of the interpreter frame a 3.11+ frame object shows. */
static int
sizeof_frame_code(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                  uint64_t *code)
{
	uint64_t frame;
	int err;

	if ((err = sizeof_word(mem, obj, l->frame.f_frame, &frame)) != 0)
		return err;
	return sizeof_word(mem, frame, l->iframe.code, code);
}

/* A class's cached instance keys (3.x, heap types only). */
static int
sizeof_type_extra(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                  uint64_t *extra)
{
	uint64_t flags, keys, usable;
	int err;

	*extra = 0;
	if (l->type.ht_cached_keys < 0)
		return 0;
	if ((err = sizeof_word(mem, obj, l->type.tp_flags, &flags)) != 0)
		return err;
	if ((flags & FLAG_HEAPTYPE) == 0)
		return 0;
	if ((err = sizeof_word(mem, obj, l->type.ht_cached_keys, &keys)) != 0 || keys == 0)
		return err;
	return sizeof_dict_keys(l, mem, keys, extra, &usable);
}

/* What an object adds to its type's basic size. */
static int
sizeof_extra(const struct python_layout *l, const struct python_memory *mem,
             const struct python_sizeof_type *t, uint64_t obj, uint64_t *extra)
{
	uint64_t v = 0, w = 0, code = 0;
	int err = 0;

	*extra = 0;
	switch (t->kind) {
	case PYTHON_SIZEOF_UNKNOWN:
		return -ENOENT;
	case PYTHON_SIZEOF_FIXED:
		return 0;
	case PYTHON_SIZEOF_ITEMS:
	case PYTHON_SIZEOF_FRAME_OLD:
		if ((err = sizeof_word(mem, obj, l->object.ob_size, &v)) != 0)
			return err;
		if ((int64_t)v < 0)
			v = -v;
		if (v > PYTHON_SIZEOF_MAX)
			return -ERANGE;
		/* frame_sizeof (≤3.10): f_localsplus[1] is in the struct. */
		if (t->kind == PYTHON_SIZEOF_FRAME_OLD && v > 0)
			v--;
		*extra = v * t->item;
		return 0;
	case PYTHON_SIZEOF_LONG:
		if (l->longobj.lv_tag >= 0) {
			err = sizeof_word(mem, obj, l->longobj.lv_tag, &v);
			v >>= SIZEOF_LV_TAG_SHIFT;
		} else {
			err = sizeof_word(mem, obj, l->object.ob_size, &v);
			v = (int64_t)v < 0 ? -v : v;
		}
		if (err == 0 && v > PYTHON_SIZEOF_MAX)
			return -ERANGE;
		*extra = v * t->item;
		return err;
	case PYTHON_SIZEOF_LIST:
		if ((err = sizeof_word(mem, obj, l->list.allocated, &v)) != 0)
			return err;
		if (v > PYTHON_SIZEOF_MAX / 8)
			return -ERANGE;
		*extra = v * 8;
		return 0;
	case PYTHON_SIZEOF_SET:
		if ((err = sizeof_word(mem, obj, l->set.mask, &v)) != 0 ||
		    (err = sizeof_word(mem, obj, l->set.table, &w)) != 0)
			return err;
		if (v >= PYTHON_SIZEOF_MAX || l->set.smalltable < 0)
			return -ERANGE;
		if (w != obj + (uint64_t)l->set.smalltable)
			*extra = (v + 1) * (uint64_t)l->set.entry_size;
		return 0;
	case PYTHON_SIZEOF_DICT:
		return sizeof_dict(l, mem, obj, extra);
	case PYTHON_SIZEOF_GEN:
	case PYTHON_SIZEOF_FRAME:
		err = t->kind == PYTHON_SIZEOF_GEN ? sizeof_gen_code(l, mem, obj, &code)
		                                   : sizeof_frame_code(l, mem, obj, &code);
		if (err == 0)
			err = sizeof_code_slots(l, mem, code, &v);
		if (err == 0)
			*extra = v * t->item;
		return err;
	case PYTHON_SIZEOF_TYPE:
		return sizeof_type_extra(l, mem, obj, extra);
	}
	return -ENOENT;
}

int
python_sizeof_object(const struct python_layout *l, const struct python_memory *mem,
                     const struct python_sizeof_type *t, uint64_t obj, uint64_t *bytes)
{
	uint64_t extra;
	int err = sizeof_extra(l, mem, t, obj, &extra);

	*bytes = 0;
	if (err != 0)
		return err == -ENOENT && t->kind != PYTHON_SIZEOF_UNKNOWN ? -EFAULT : err;
	if (extra > PYTHON_SIZEOF_MAX || t->basic + extra > PYTHON_SIZEOF_MAX)
		return -ERANGE;
	*bytes = t->basic + extra;
	return 0;
}
