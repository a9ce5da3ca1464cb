#include "python_referents.h"

#include "../xmalloc.h"
#include "python_asyncio_layout.h"
#include "python_dict.h"
#include "python_locals.h"
#include "python_string.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* tp_flags bits, the same from 2.7 to 3.15 (Include/object.h); the
 * *_SUBCLASS bits are inherited by every subclass. */
#define FLAG_HEAPTYPE      ((uint64_t)1 << 9)
#define FLAG_LIST_SUBCLASS ((uint64_t)1 << 25)
#define FLAG_TUPLE         ((uint64_t)1 << 26)
#define FLAG_DICT          ((uint64_t)1 << 29)
#define FLAG_EXCEPTION     ((uint64_t)1 << 30)
#define FLAG_TYPE          ((uint64_t)1 << 31)
/* A __slots__ member is T_OBJECT_EX (16, 3.12+ Py_T_OBJECT_EX); T_OBJECT
 * (6) holds objects too: values fixed since 2.2 (Include/structmember.h,
 * 3.12+ Include/descrobject.h). Where the struct keeps them is the
 * layout's (member_def). */
#define MEMBER_OBJECT    6
#define MEMBER_OBJECT_EX 16
/* The most members read of one class, bases followed up to a class. */
#define MAX_MEMBERS 256
#define MAX_BASES   64
/* The longest static type name compared ("collections.deque",
 * "_asyncio.Task"). */
#define NAME_MAX_BYTES 24
/* The longest deque block believed (BLOCKLEN: 62 on 2.7, 64 on 3.x). */
#define DEQUE_MAX_BLOCKLEN 1024
/* A set's entry keeps its key first on 3.x ({key, hash}), after its hash on
 * 2.7 ({hash, key}; Include/setobject.h). */
#define SET_KEY_27 8

static uint64_t
refs_field(const struct python_memory *mem, uint64_t addr, int32_t off)
{
	return off < 0 ? 0 : python_memory_word(mem, addr + (uint64_t)off);
}

/* The name of type (its first NAME_MAX_BYTES - 1 bytes) into buf. */
static void
refs_type_name(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
               char buf[NAME_MAX_BYTES])
{
	uint64_t at = refs_field(mem, type, l->type.tp_name);

	buf[0] = '\0';
	if (at != 0)
		python_string_c(mem, at, buf, NAME_MAX_BYTES);
}

/* The class a static type named name gives its objects. */
static enum python_ref_class
refs_class_by_name(const char *name)
{
	static const struct {
		const char *name;
		enum python_ref_class cls;
	} names[] = {
	    {"module", PYTHON_REF_MODULE},
	    {"set", PYTHON_REF_SET},
	    {"frozenset", PYTHON_REF_SET},
	    {"cell", PYTHON_REF_CELL_OBJECT},
	    {"method", PYTHON_REF_METHOD},         /* 3.x */
	    {"instancemethod", PYTHON_REF_METHOD}, /* 2.7 */
	    {"collections.deque", PYTHON_REF_DEQUE},
	    {"generator", PYTHON_REF_GENERATOR},
	    {"coroutine", PYTHON_REF_GENERATOR},       /* 3.5+ */
	    {"async_generator", PYTHON_REF_GENERATOR}, /* 3.6+ */
	    {"frame", PYTHON_REF_FRAME},
	    {"function", PYTHON_REF_FUNCTION},
	    {"traceback", PYTHON_REF_TRACEBACK_OBJECT},
	    {"_asyncio.Task", PYTHON_REF_TASK},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].cls;
	return PYTHON_REF_OTHER;
}

/* Adds the object members of the class at type (its own PyMemberDef array,
 * ended by a NULL name) to out. */
static void
refs_type_slots(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
                struct python_ref_type *out)
{
	uint64_t members = refs_field(mem, type, l->type.tp_members);
	const int32_t size = l->member_def.size;
	unsigned char m[64];

	if (members == 0 || size < 24 || size > (int32_t)sizeof(m) || l->member_def.type < 0 ||
	    l->member_def.type + 4 > size || l->member_def.offset < 0 ||
	    l->member_def.offset + 8 > size)
		return;
	for (int i = 0; i < MAX_MEMBERS && out->nslots < PYTHON_REFERENTS_MAX_SLOTS; i++) {
		uint64_t name, offset;
		int32_t kind;

		if (mem->read(mem->arg, members + (uint64_t)i * (uint64_t)size, m, (size_t)size) !=
		    0)
			return;
		memcpy(&name, m, sizeof(name)); /* the name is PyMemberDef's first member */
		if (name == 0)
			return;
		memcpy(&kind, m + l->member_def.type, sizeof(kind));
		memcpy(&offset, m + l->member_def.offset, sizeof(offset));
		if ((kind == MEMBER_OBJECT || kind == MEMBER_OBJECT_EX) && offset > 0 &&
		    offset < 4096 && offset % 8 == 0)
			out->slots[out->nslots++] = (struct python_ref_slot){offset, name};
	}
}

void
python_referents_type(const struct python_layout *l, const struct python_memory *mem, uint64_t type,
                      struct python_ref_type *out)
{
	uint64_t flags = refs_field(mem, type, l->type.tp_flags);
	const uint64_t dictoffset = refs_field(mem, type, l->type.tp_dictoffset);
	const struct python_asyncio_layout *al;
	char name[NAME_MAX_BYTES];

	memset(out, 0, sizeof(*out));
	if (flags == 0)
		return;
	if (flags & FLAG_DICT)
		out->cls = PYTHON_REF_DICT;
	else if (flags & FLAG_LIST_SUBCLASS)
		out->cls = PYTHON_REF_LIST;
	else if (flags & FLAG_TUPLE)
		out->cls = PYTHON_REF_TUPLE;
	else if (flags & FLAG_TYPE)
		out->cls = PYTHON_REF_TYPE;
	else if (flags & FLAG_EXCEPTION)
		out->cls = PYTHON_REF_EXCEPTION;
	/* A class (heap type): its instances' attributes and slots, and what
	 * the static type it derives from holds (a subclass of set, deque). */
	out->attributes = (flags & FLAG_HEAPTYPE) != 0 && !(flags & FLAG_TYPE);
	for (int depth = 0; depth < MAX_BASES && type != 0; depth++) {
		refs_type_name(l, mem, type, name);
		/* 3.12+ made collections.deque a heap type of that dotted name. */
		if (out->cls == PYTHON_REF_OTHER && (!(flags & FLAG_HEAPTYPE) || strchr(name, '.')))
			out->cls = refs_class_by_name(name);
		if (!(flags & FLAG_HEAPTYPE))
			break;
		if (out->attributes)
			refs_type_slots(l, mem, type, out);
		type = refs_field(mem, type, l->type.tp_base);
		flags = refs_field(mem, type, l->type.tp_flags);
	}
	/* A static type's objects that keep a __dict__ (a function's
	 * attributes, an exception's, a SimpleNamespace's); a module's is its
	 * globals, followed as such. */
	if (dictoffset != 0 && out->cls != PYTHON_REF_MODULE && out->cls != PYTHON_REF_TYPE)
		out->attributes = true;
	if (out->cls == PYTHON_REF_TASK) {
		al = python_asyncio_layout_for(l->major, l->minor);
		out->task_coro = al != NULL ? al->task.coro : -1;
	}
}

static void
refs_add(struct python_ref_buf *b, uint64_t to, uint64_t label, enum python_ref_edge kind)
{
	/* Only what may be an object: a tracked object is 8-byte aligned. */
	if (to == 0 || (to & 7) != 0)
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->refs = xreallocarray(b->refs, b->cap, sizeof(*b->refs));
	}
	b->refs[b->n++] = (struct python_ref){to, label, (uint32_t)kind};
}

/* n pointers at addr into the scratch buffer; NULL when unreadable. */
static const uint64_t *
refs_read_array(const struct python_memory *mem, uint64_t addr, uint64_t n,
                struct python_ref_buf *b)
{
	if (n == 0 || addr == 0)
		return NULL;
	if (n > b->scratch_cap) {
		b->scratch_cap = n;
		b->scratch = xreallocarray(b->scratch, n, sizeof(*b->scratch));
	}
	if (mem->read(mem->arg, addr, b->scratch, n * sizeof(*b->scratch)) != 0)
		return NULL;
	return b->scratch;
}

static uint64_t
refs_bounded(uint64_t n)
{
	/* ob_size is signed: a negative one is garbage, not many items. */
	if ((int64_t)n < 0)
		return 0;
	return n > PYTHON_REFERENTS_MAX_ITEMS ? PYTHON_REFERENTS_MAX_ITEMS : n;
}

static void
refs_items(const uint64_t *items, uint64_t n, struct python_ref_buf *b)
{
	for (uint64_t i = 0; items != NULL && i < n; i++)
		refs_add(b, items[i], i, PYTHON_REF_INDEX);
}

static void
refs_dict_items(const struct python_dict_item *items, size_t n, enum python_ref_edge kind,
                struct python_ref_buf *b)
{
	for (size_t i = 0; i < n; i++) {
		refs_add(b, items[i].value, items[i].key, kind);
		if (kind == PYTHON_REF_VALUE)
			refs_add(b, items[i].key, items[i].key, PYTHON_REF_KEY);
	}
}

static void
refs_dict(const struct python_layout *l, const struct python_memory *mem, uint64_t dict,
          enum python_ref_edge kind, struct python_ref_buf *b)
{
	struct python_dict_item *items;
	size_t n = python_dict_items(l, mem, dict, &items);

	refs_dict_items(items, n, kind, b);
	free(items);
}

static void
refs_set(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
         struct python_ref_buf *b)
{
	uint64_t mask = refs_field(mem, obj, l->set.mask),
	         table = refs_field(mem, obj, l->set.table);
	uint64_t words, per, key = l->major == 2 ? SET_KEY_27 / 8 : 0;
	const uint64_t *t;

	if (l->set.entry_size <= 0 || l->set.entry_size % 8 != 0 ||
	    mask >= PYTHON_REFERENTS_MAX_ITEMS)
		return;
	per = (uint64_t)l->set.entry_size / 8;
	words = (mask + 1) * per;
	t = refs_read_array(mem, table, words, b);
	/* Free and dummy (deleted) entries: NULL, or a key that is no tracked
	 * object (the static dummy), which no chain goes through. */
	for (uint64_t i = 0; t != NULL && i <= mask; i++)
		refs_add(b, t[i * per + key], 0, PYTHON_REF_MEMBER);
}

static void
refs_deque(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
           struct python_ref_buf *b)
{
	const int32_t per = l->deque_block.len, data = l->deque_block.data,
	              link = l->deque_block.rightlink;
	uint64_t len = refs_bounded(refs_field(mem, obj, l->deque.len));
	uint64_t block = refs_field(mem, obj, l->deque.leftblock);
	uint64_t at = refs_field(mem, obj, l->deque.leftindex), index = 0, words;

	if (per <= 0 || per > DEQUE_MAX_BLOCKLEN || data < 0 || data % 8 != 0 || link < 0 ||
	    link % 8 != 0 || at >= (uint64_t)per)
		return;
	/* The block read whole: its items and both links, whichever end they are. */
	words = (uint64_t)((data > link ? data + 8 * per : link + 8) / 8);
	while (index < len && block != 0) {
		const uint64_t *w = refs_read_array(mem, block, words, b);

		if (w == NULL)
			return;
		for (; at < (uint64_t)per && index < len; at++, index++)
			refs_add(b, w[data / 8 + at], index, PYTHON_REF_INDEX);
		block = w[link / 8];
		at = 0;
	}
}

static void
refs_instance(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
              const struct python_ref_type *t, struct python_ref_buf *b)
{
	struct python_dict_item *items;
	size_t n = python_instance_attrs(l, mem, obj, &items);

	refs_dict_items(items, n, PYTHON_REF_ATTR, b);
	free(items);
	for (size_t i = 0; i < t->nslots; i++)
		refs_add(b, python_memory_word(mem, obj + t->slots[i].offset), t->slots[i].name,
		         PYTHON_REF_SLOT);
}

/* The pointer fields followed of each class of object: the layout's
 * int32_t offset of the field (-1: the version has none), and the kind of
 * reference it is. */
static const struct {
	enum python_ref_class cls;
	size_t field; /* offsetof(struct python_layout, ...) */
	enum python_ref_edge kind;
} refs_pointer_fields[] = {
    {PYTHON_REF_CELL_OBJECT, offsetof(struct python_layout, cell.ob_ref), PYTHON_REF_CELL},
    {PYTHON_REF_METHOD, offsetof(struct python_layout, method.im_func), PYTHON_REF_FUNC},
    {PYTHON_REF_METHOD, offsetof(struct python_layout, method.im_self), PYTHON_REF_SELF},
    {PYTHON_REF_FUNCTION, offsetof(struct python_layout, func.closure), PYTHON_REF_CLOSURE},
    {PYTHON_REF_FUNCTION, offsetof(struct python_layout, func.defaults), PYTHON_REF_DEFAULTS},
    {PYTHON_REF_FUNCTION, offsetof(struct python_layout, func.kwdefaults), PYTHON_REF_KWDEFAULTS},
    {PYTHON_REF_TRACEBACK_OBJECT, offsetof(struct python_layout, traceback.tb_frame),
     PYTHON_REF_TB_FRAME},
    {PYTHON_REF_TRACEBACK_OBJECT, offsetof(struct python_layout, traceback.tb_next),
     PYTHON_REF_TB_NEXT},
    {PYTHON_REF_EXCEPTION, offsetof(struct python_layout, exception.args), PYTHON_REF_ARGS},
    {PYTHON_REF_EXCEPTION, offsetof(struct python_layout, exception.traceback),
     PYTHON_REF_TRACEBACK},
    {PYTHON_REF_EXCEPTION, offsetof(struct python_layout, exception.context), PYTHON_REF_CONTEXT},
    {PYTHON_REF_EXCEPTION, offsetof(struct python_layout, exception.cause), PYTHON_REF_CAUSE},
};

/* The references obj holds in the pointer fields of its class. */
static void
refs_pointers(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
              enum python_ref_class cls, struct python_ref_buf *b)
{
	for (size_t i = 0; i < sizeof(refs_pointer_fields) / sizeof(refs_pointer_fields[0]); i++) {
		int32_t offset;

		if (refs_pointer_fields[i].cls != cls)
			continue;
		memcpy(&offset, (const char *)l + refs_pointer_fields[i].field, sizeof(offset));
		refs_add(b, refs_field(mem, obj, offset), 0, refs_pointer_fields[i].kind);
	}
}

/* 3.14+ keep a frame's code as a tagged reference (Py_TAG_BITS: the low
 * two bits); an object is aligned to 8, so clearing them is right before. */
static uint64_t
refs_iframe_code(const struct python_layout *l, const struct python_memory *mem, uint64_t iframe)
{
	return refs_field(mem, iframe, l->iframe.code) & ~(uint64_t)3;
}

/* The frame whose variables generator-like obj holds, into *f: false when
 * it has none (finished) or it cannot be read. */
static bool
refs_generator_frame(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                     struct python_raw_frame *f)
{
	unsigned char state;

	if (l->gen.gi_frame >= 0) { /* ≤3.10: a frame object, NULL once finished */
		f->addr = refs_field(mem, obj, l->gen.gi_frame);
		f->code = f->addr != 0 ? refs_field(mem, f->addr, l->frame.f_code) : 0;
		return f->code != 0;
	}
	if (l->gen.gi_iframe < 0 || l->gen.gi_frame_state < 0 ||
	    mem->read(mem->arg, obj + (uint64_t)l->gen.gi_frame_state, &state, 1) != 0)
		return false;
	/* 3.11+: a finished frame's slots were released but not emptied (they
	 * point to freed objects, or to others since made there). */
	if ((int8_t)state > l->gen.frame_executing)
		return false;
	f->addr = obj + (uint64_t)l->gen.gi_iframe;
	f->code = refs_iframe_code(l, mem, f->addr);
	return f->code != 0;
}

/* The frame frame object obj shows, into *f: ≤3.10 it is one; 3.11+ it
 * points to it (in a thread's stack, a generator, or its own copy once
 * the frame ended while it was referenced). */
static bool
refs_frame_object(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                  struct python_raw_frame *f)
{
	if (l->frame.f_frame < 0) {
		f->addr = obj;
		f->code = refs_field(mem, obj, l->frame.f_code);
	} else {
		f->addr = refs_field(mem, obj, l->frame.f_frame);
		f->code = f->addr != 0 ? refs_iframe_code(l, mem, f->addr) : 0;
	}
	return f->code != 0;
}

static void
refs_frame_locals(const struct python_layout *l, const struct python_memory *mem,
                  const struct python_raw_frame *f, struct python_ref_buf *b)
{
	struct python_local_value *v;
	size_t n;

	if (python_locals_values(l, mem, f, &v, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		refs_add(b, v[i].value, v[i].name_obj, PYTHON_REF_LOCAL);
	python_locals_values_free(v, n);
}

size_t
python_referents_of(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                    const struct python_ref_type *t, struct python_ref_buf *out)
{
	size_t before = out->n;
	struct python_raw_frame f = {0};
	uint64_t n;

	switch (t->cls) {
	case PYTHON_REF_DICT:
		refs_dict(l, mem, obj, PYTHON_REF_VALUE, out);
		break;
	case PYTHON_REF_LIST:
		n = refs_bounded(refs_field(mem, obj, l->object.ob_size));
		refs_items(refs_read_array(mem, refs_field(mem, obj, l->list.ob_item), n, out), n,
		           out);
		break;
	case PYTHON_REF_TUPLE:
		n = refs_bounded(refs_field(mem, obj, l->object.ob_size));
		if (l->tuple.ob_item >= 0)
			refs_items(refs_read_array(mem, obj + (uint64_t)l->tuple.ob_item, n, out),
			           n, out);
		break;
	case PYTHON_REF_SET:
		refs_set(l, mem, obj, out);
		break;
	case PYTHON_REF_DEQUE:
		refs_deque(l, mem, obj, out);
		break;
	case PYTHON_REF_MODULE:
		refs_dict(l, mem, refs_field(mem, obj, l->module.md_dict), PYTHON_REF_GLOBAL, out);
		break;
	case PYTHON_REF_TYPE:
		refs_dict(l, mem, refs_field(mem, obj, l->type.tp_dict), PYTHON_REF_CLASS_ATTR,
		          out);
		break;
	case PYTHON_REF_GENERATOR:
		if (refs_generator_frame(l, mem, obj, &f))
			refs_frame_locals(l, mem, &f, out);
		break;
	case PYTHON_REF_FRAME:
		if (refs_frame_object(l, mem, obj, &f))
			refs_frame_locals(l, mem, &f, out);
		break;
	case PYTHON_REF_TASK:
		refs_add(out, refs_field(mem, obj, t->task_coro), 0, PYTHON_REF_CORO);
		break;
	case PYTHON_REF_CELL_OBJECT:
	case PYTHON_REF_METHOD:
	case PYTHON_REF_FUNCTION:
	case PYTHON_REF_TRACEBACK_OBJECT:
	case PYTHON_REF_EXCEPTION:
		refs_pointers(l, mem, obj, t->cls, out);
		break;
	case PYTHON_REF_OTHER:
		break;
	}
	if (t->attributes)
		refs_instance(l, mem, obj, t, out);
	return out->n - before;
}

void
python_ref_buf_free(struct python_ref_buf *b)
{
	free(b->refs);
	free(b->scratch);
	*b = (struct python_ref_buf){0};
}
