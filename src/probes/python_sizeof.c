#include "python_sizeof.h"

#include "python_type_flags.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

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
/* dequeobject, private to Modules/_collectionsmodule.c: in every 3.x
 * PyObject_VAR_HEAD (ob_size: the length), leftblock, rightblock,
 * leftindex, and blocks of 64 pointers and their two links; in 2.7
 * PyObject_HEAD, leftblock, rightblock, leftindex, rightindex, len, and
 * blocks of 62. deque___sizeof__ (3.x) counts the blocks from leftindex to
 * the last item, 2.7's one more when the last block is full. */
struct sizeof_deque {
	int32_t leftindex, len;
	uint64_t blocklen, block_size, round_up;
};
static const struct sizeof_deque sizeof_deque3 = {40, 16, 64, (64 + 2) * 8, 63};
static const struct sizeof_deque sizeof_deque2 = {32, 48, 62, (62 + 2) * 8, 62};
/* PyODictObject (Objects/odictobject.c, every 3.x): a PyDictObject (48
 * bytes), od_first, od_last, od_fast_nodes, od_fast_nodes_size; and its
 * nodes, _ODictNode: key, hash, next, prev. */
#define ODICT_FIRST           48
#define ODICT_FAST_NODES_SIZE 72
#define ODICT_NODE_SIZE       32

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

/* The name of the type at type, the first SIZEOF_NAME_MAX - 1 bytes of it
 * (enough for every name compared), into buf; "" when unreadable. A name at
 * the very end of a mapping is read byte by byte. */
static void
sizeof_name(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
            char buf[SIZEOF_NAME_MAX])
{
	uint64_t at;
	size_t n = 0;

	buf[0] = '\0';
	if (sizeof_word(mem, type, l->type.tp_name, &at) != 0)
		return;
	if (mem->read(mem->arg, at, buf, SIZEOF_NAME_MAX - 1) == 0) {
		n = SIZEOF_NAME_MAX - 1;
	} else {
		while (n < SIZEOF_NAME_MAX - 1 && mem->read(mem->arg, at + n, buf + n, 1) == 0 &&
		       buf[n] != '\0')
			n++;
	}
	buf[n] = '\0';
}

/* The kind the static type named name gives its objects, or fallback. */
static enum python_sizeof_kind
sizeof_static_kind(const struct python_layout *l, const char *name,
                   enum python_sizeof_kind fallback)
{
	bool frames_inline = l->gen.gi_iframe >= 0; /* 3.11+ */

	if (strcmp(name, "generator") == 0 || strcmp(name, "coroutine") == 0 ||
	    strcmp(name, "async_generator") == 0)
		return frames_inline ? PYTHON_SIZEOF_GEN : PYTHON_SIZEOF_FIXED;
	if (strcmp(name, "frame") == 0)
		return frames_inline ? PYTHON_SIZEOF_FRAME : PYTHON_SIZEOF_FRAME_OLD;
	if (strcmp(name, "set") == 0 || strcmp(name, "frozenset") == 0)
		return PYTHON_SIZEOF_SET;
	return fallback;
}

/* The kind of a type that no flag of its own classifies, from the built-in
 * type it derives from (classes inherit its __sizeof__): up its bases to the
 * first static one, which its name classifies. On the way, heap types count
 * only by the dotted names of the extension types that became heap types
 * (3.12+'s collections.deque): a class of a plain name ("set") is the
 * user's. fallback when none says more, or a base cannot be read. */
static enum python_sizeof_kind
sizeof_kind_by_base(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
                    uint64_t flags, enum python_sizeof_kind fallback)
{
	char name[SIZEOF_NAME_MAX];

	for (int depth = 0; depth < SIZEOF_MAX_BASES; depth++) {
		sizeof_name(l, mem, type, name);
		if (strcmp(name, "collections.deque") == 0)
			return PYTHON_SIZEOF_DEQUE;
		if (l->major >= 3 && strcmp(name, "collections.OrderedDict") == 0)
			return PYTHON_SIZEOF_ODICT;
		if ((flags & PYTHON_TPFLAG_HEAPTYPE) == 0)
			return sizeof_static_kind(l, name, fallback);
		if (sizeof_word(mem, type, l->type.tp_base, &type) != 0 || type == 0 ||
		    sizeof_word(mem, type, l->type.tp_flags, &flags) != 0)
			return fallback;
	}
	return fallback;
}

/* int and its subclasses: on 3.x int___sizeof__ counts from the digits'
 * offset, not tp_basicsize (a subclass's __dict__ is not in it); 2.7's
 * long counts tp_basicsize. */
static void
sizeof_long_type(const struct python_layout *l, uint64_t header, struct python_sizeof_type *out)
{
	out->kind = PYTHON_SIZEOF_LONG;
	if (l->major >= 3 && l->longobj.ob_digit > 0 && l->longobj.digit_size > 0) {
		out->basic = header + (uint64_t)l->longobj.ob_digit;
		out->item = (uint64_t)l->longobj.digit_size;
	}
}

/* tuple, bytes and their subclasses: |ob_size| items. 2.7's str counts
 * from its characters' offset and their final NUL (string_sizeof), not
 * tp_basicsize. */
static void
sizeof_items_type(const struct python_layout *l, uint64_t header, uint64_t flags,
                  struct python_sizeof_type *out)
{
	out->kind = PYTHON_SIZEOF_ITEMS;
	if (l->major == 2 && (flags & PYTHON_TPFLAG_BYTES) && l->bytes.ob_sval > 0)
		out->basic = header + (uint64_t)l->bytes.ob_sval + 1;
}

/* str subclasses (3.x): unicode___sizeof__ counts sizeof(PyUnicodeObject)
 * (data.any is its last member), then the characters a non-compact string
 * keeps apart; 2.7's unicode stays at tp_basicsize. */
static void
sizeof_str_type(const struct python_layout *l, uint64_t header, struct python_sizeof_type *out)
{
	out->kind = PYTHON_SIZEOF_FIXED;
	if (l->major >= 3 && l->unicode.data_any > 0 && l->unicode.state >= 0) {
		out->kind = PYTHON_SIZEOF_STR;
		out->basic = header + (uint64_t)l->unicode.data_any + 8;
	}
}

int
python_sizeof_type(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
                   struct python_sizeof_type *out)
{
	uint64_t basic, item, flags, header;
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
	header = (uint64_t)l->gc.head_size;
	if (l->gc.preheader_size > 0 && (flags & (uint64_t)l->gc.flags_preheader) != 0)
		header += (uint64_t)l->gc.preheader_size;
	out->basic = header + basic;
	out->item = item;
	if (flags & PYTHON_TPFLAG_TYPE)
		out->kind = PYTHON_SIZEOF_TYPE;
	else if (flags & PYTHON_TPFLAG_LONG_SUBCLASS)
		sizeof_long_type(l, header, out);
	else if (flags & PYTHON_TPFLAG_LIST_SUBCLASS)
		out->kind = PYTHON_SIZEOF_LIST;
	else if (flags & (PYTHON_TPFLAG_TUPLE | PYTHON_TPFLAG_BYTES))
		sizeof_items_type(l, header, flags, out);
	else if (flags & PYTHON_TPFLAG_UNICODE)
		sizeof_str_type(l, header, out);
	else
		out->kind = sizeof_kind_by_base(l, mem, type, flags,
		                                (flags & PYTHON_TPFLAG_DICT) ? PYTHON_SIZEOF_DICT
		                                : item != 0                  ? PYTHON_SIZEOF_ITEMS
		                                                             : PYTHON_SIZEOF_FIXED);
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
	if ((flags & PYTHON_TPFLAG_HEAPTYPE) == 0)
		return 0;
	if ((err = sizeof_word(mem, obj, l->type.ht_cached_keys, &keys)) != 0 || keys == 0)
		return err;
	return sizeof_dict_keys(l, mem, keys, extra, &usable);
}

/* A 3.x str subclass instance's characters: unicode___sizeof__ counts
 * (length + 1) * kind bytes where a non-compact string keeps them apart
 * (data.any); such instances are never compact. */
static int
sizeof_str_extra(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                 uint64_t *extra)
{
	uint32_t state;
	uint64_t length, data;
	uint64_t kind;
	int err;

	if ((err = mem->read(mem->arg, obj + (uint64_t)l->unicode.state, &state, sizeof(state))) !=
	        0 ||
	    (err = sizeof_word(mem, obj, l->unicode.length, &length)) != 0 ||
	    (err = sizeof_word(mem, obj, l->unicode.data_any, &data)) != 0)
		return err;
	kind = (state >> l->unicode.kind_shift) & ((1u << l->unicode.kind_width) - 1);
	if (length > PYTHON_SIZEOF_MAX || (kind != 1 && kind != 2 && kind != 4))
		return -ERANGE;
	if ((state >> l->unicode.compact_shift) & 1)
		return 0; /* not a subclass's layout: its struct only */
	*extra = data != 0 ? (length + 1) * kind : 0;
	return 0;
}

static int
sizeof_deque_extra(const struct sizeof_deque *d, const struct python_memory *mem, uint64_t obj,
                   uint64_t *extra)
{
	uint64_t len, left;
	int err;

	if ((err = sizeof_word(mem, obj, d->len, &len)) != 0 ||
	    (err = sizeof_word(mem, obj, d->leftindex, &left)) != 0)
		return err;
	if (len > PYTHON_SIZEOF_MAX || left >= d->blocklen)
		return -ERANGE;
	*extra = (left + len + d->round_up) / d->blocklen * d->block_size;
	return 0;
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
			/* 3.12+ keep room for one digit even for 0. */
			err = sizeof_word(mem, obj, l->longobj.lv_tag, &v);
			v >>= SIZEOF_LV_TAG_SHIFT;
			v = v == 0 ? 1 : v;
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
	case PYTHON_SIZEOF_STR:
		return sizeof_str_extra(l, mem, obj, extra);
	case PYTHON_SIZEOF_DEQUE:
		return sizeof_deque_extra(l->major >= 3 ? &sizeof_deque3 : &sizeof_deque2, mem, obj,
		                          extra);
	case PYTHON_SIZEOF_ODICT:
		/* odict_sizeof: a dict's, its od_fast_nodes, a node per item. */
		if ((err = sizeof_dict(l, mem, obj, extra)) != 0 ||
		    (err = sizeof_word(mem, obj, ODICT_FAST_NODES_SIZE, &v)) != 0 ||
		    (err = sizeof_word(mem, obj, ODICT_FIRST, &w)) != 0 ||
		    (err = sizeof_word(mem, obj, l->dict.ma_used, &code)) != 0)
			return err;
		if (v > PYTHON_SIZEOF_MAX || code > PYTHON_SIZEOF_MAX)
			return -ERANGE;
		*extra += v * 8 + (w != 0 ? code * ODICT_NODE_SIZE : 0);
		return 0;
	}
	return -ENOENT;
}

bool
python_sizeof_is_one_block(const struct python_sizeof_type *t)
{
	switch (t->kind) {
	case PYTHON_SIZEOF_FIXED:
	case PYTHON_SIZEOF_ITEMS:
	case PYTHON_SIZEOF_LONG:
	case PYTHON_SIZEOF_FRAME_OLD:
	case PYTHON_SIZEOF_GEN:
	case PYTHON_SIZEOF_FRAME:
		return true;
	default:
		return false;
	}
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
