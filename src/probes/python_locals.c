#include "python_locals.h"

#include "../xmalloc.h"
#include "python_repr.h"
#include "python_string.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* 3.14+ keep tagged references in the slots: the low two bits. */
#define LOCALS_TAG_MASK (~(uint64_t)3)

/* The kinds of ≤3.10's slots, in the order they come. */
enum locals_kind { LOCALS_PLAIN, LOCALS_CELL };

/* What a frame's code says of its slots. */
struct locals_code {
	size_t nslots;
	char **names;          /* owned, nslots; NULL where unreadable */
	uint64_t *name_objs;   /* owned, nslots: the str each name was read from */
	unsigned char *kinds;  /* 3.11+: owned, nslots; NULL before */
	enum locals_kind *old; /* ≤3.10: owned, nslots */
};

static void
locals_code_free(struct locals_code *c)
{
	for (size_t i = 0; c->names != NULL && i < c->nslots; i++)
		free(c->names[i]);
	free(c->names);
	free(c->name_objs);
	free(c->kinds);
	free(c->old);
}

/* The items of tuple obj: at most max, *n of them, into an owned array.
 * Returns 0 or -EFAULT (a length beyond max is not believed). */
static int
locals_tuple(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
             size_t max, uint64_t **items, size_t *n)
{
	uint64_t len;

	*items = NULL;
	*n = 0;
	if (obj == 0 || python_memory_u64(mem, obj + (uint64_t)l->object.ob_size, &len) != 0 ||
	    len > max)
		return -EFAULT;
	if (len == 0)
		return 0;
	*items = xcalloc((size_t)len, sizeof(**items));
	if (mem->read(mem->arg, obj + (uint64_t)l->tuple.ob_item, *items, (size_t)len * 8) != 0) {
		free(*items);
		*items = NULL;
		return -EFAULT;
	}
	*n = (size_t)len;
	return 0;
}

/* Appends the names of tuple obj to c (kind k each). */
static int
locals_add_names(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                 enum locals_kind k, struct locals_code *c)
{
	uint64_t *items;
	size_t n;

	if (locals_tuple(l, mem, obj, PYTHON_LOCALS_SLOTS, &items, &n) != 0 ||
	    c->nslots + n > PYTHON_LOCALS_SLOTS) {
		free(items);
		return -EFAULT;
	}
	c->names = xreallocarray(c->names, c->nslots + n + 1, sizeof(*c->names));
	c->name_objs = xreallocarray(c->name_objs, c->nslots + n + 1, sizeof(*c->name_objs));
	c->old = xreallocarray(c->old, c->nslots + n + 1, sizeof(*c->old));
	for (size_t i = 0; i < n; i++) {
		c->names[c->nslots] = python_string_name(l, mem, items[i], PYTHON_LOCALS_NAME);
		c->name_objs[c->nslots] = items[i];
		c->old[c->nslots++] = k;
	}
	free(items);
	return 0;
}

/* ≤3.10: co_nlocals names of co_varnames, then the cells and frees. */
static int
locals_code_old(const struct python_layout *l, const struct python_memory *mem, uint64_t code,
                struct locals_code *c)
{
	uint64_t varnames, cellvars, freevars, *items;
	int32_t nlocals;
	size_t n;

	if (python_memory_i32(mem, code + (uint64_t)l->code.co_nlocals, &nlocals) != 0 ||
	    nlocals < 0 || nlocals > PYTHON_LOCALS_SLOTS ||
	    python_memory_u64(mem, code + (uint64_t)l->code.co_varnames, &varnames) != 0 ||
	    python_memory_u64(mem, code + (uint64_t)l->code.co_cellvars, &cellvars) != 0 ||
	    python_memory_u64(mem, code + (uint64_t)l->code.co_freevars, &freevars) != 0)
		return -EFAULT;
	/* co_varnames has the co_nlocals names of the locals, and only them. */
	if (locals_tuple(l, mem, varnames, PYTHON_LOCALS_SLOTS, &items, &n) != 0 ||
	    n != (size_t)nlocals) {
		free(items);
		return -EFAULT;
	}
	free(items);
	if (locals_add_names(l, mem, varnames, LOCALS_PLAIN, c) != 0 ||
	    locals_add_names(l, mem, cellvars, LOCALS_CELL, c) != 0 ||
	    locals_add_names(l, mem, freevars, LOCALS_CELL, c) != 0)
		return -EFAULT;
	return 0;
}

/* 3.11+: co_localsplusnames and a kind byte each. */
static int
locals_code_new(const struct python_layout *l, const struct python_memory *mem, uint64_t code,
                struct locals_code *c)
{
	uint64_t names, kinds, *items, size;
	size_t n, nkinds;

	if (python_memory_u64(mem, code + (uint64_t)l->code.co_localsplusnames, &names) != 0 ||
	    python_memory_u64(mem, code + (uint64_t)l->code.co_localspluskinds, &kinds) != 0 ||
	    locals_tuple(l, mem, names, PYTHON_LOCALS_SLOTS, &items, &n) != 0)
		return -EFAULT;
	c->kinds = python_string_bytes(l, mem, kinds, PYTHON_LOCALS_SLOTS, &nkinds, &size);
	if (c->kinds == NULL || nkinds != n || size != n) {
		free(items);
		return -EFAULT;
	}
	c->names = xcalloc(n + 1, sizeof(*c->names));
	for (size_t i = 0; i < n; i++)
		c->names[i] = python_string_name(l, mem, items[i], PYTHON_LOCALS_NAME);
	c->name_objs = items; /* moved */
	c->nslots = n;
	return 0;
}

/* Whether a slot of kind k holds a cell (3.11+: CO_FAST_CELL or FREE). */
static bool
locals_is_cell(const struct python_layout *l, const struct locals_code *c, size_t i)
{
	if (c->kinds == NULL)
		return c->old[i] == LOCALS_CELL;
	return (c->kinds[i] & (unsigned)(l->code.fast_cell | l->code.fast_free)) != 0;
}

/* What cell obj holds: 0 when it is empty; obj itself when it is not a
 * cell (3.11+ before MAKE_CELL ran, the slot holds the value). */
static uint64_t
locals_deref(const struct python_layout *l, const struct python_memory *mem, uint64_t obj)
{
	char type[PYTHON_REPR_TYPE_MAX];
	uint64_t v;

	if (python_repr_type_name(l, mem, obj, type, sizeof(type)) != 0 ||
	    strcmp(type, "cell") != 0)
		return obj;
	if (python_memory_u64(mem, obj + (uint64_t)l->cell.ob_ref, &v) != 0)
		return obj;
	return v;
}

/* Whether name was taken already (a captured argument has a local slot
 * and a cell of the same name on 2.7). */
static bool
locals_seen(const struct python_local_value *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return true;
	return false;
}

int
python_locals_values(const struct python_layout *l, const struct python_memory *mem,
                     const struct python_raw_frame *f, struct python_local_value **out, size_t *n)
{
	struct locals_code c = {0};
	bool new_frames = l->iframe.localsplus >= 0;
	int32_t base = new_frames ? l->iframe.localsplus : l->frame.f_localsplus;
	uint64_t *slots;
	int err;

	*out = NULL;
	*n = 0;
	if (f->code == 0 || f->addr == 0 || base < 0)
		return -EFAULT;
	err = new_frames ? locals_code_new(l, mem, f->code, &c)
	                 : locals_code_old(l, mem, f->code, &c);
	if (err != 0 || c.nslots == 0) {
		locals_code_free(&c);
		return err;
	}
	slots = xcalloc(c.nslots, sizeof(*slots));
	if (mem->read(mem->arg, f->addr + (uint64_t)base, slots, c.nslots * sizeof(*slots)) != 0) {
		free(slots);
		locals_code_free(&c);
		return -EFAULT;
	}
	*out = xcalloc(c.nslots, sizeof(**out));
	for (size_t i = 0; i < c.nslots; i++) {
		uint64_t v = slots[i] & LOCALS_TAG_MASK;

		if (c.names[i] == NULL || v == 0 ||
		    (c.kinds != NULL && l->code.fast_hidden > 0 &&
		     (c.kinds[i] & (unsigned)l->code.fast_hidden)))
			continue;
		if (locals_is_cell(l, &c, i) && (v = locals_deref(l, mem, v)) == 0)
			continue; /* an empty cell: unset */
		if (locals_seen(*out, *n, c.names[i]))
			continue;
		(*out)[(*n)++] = (struct python_local_value){c.names[i], c.name_objs[i], v};
		c.names[i] = NULL; /* moved */
	}
	free(slots);
	locals_code_free(&c);
	return 0;
}

void
python_locals_values_free(struct python_local_value *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int
python_locals_read(const struct python_layout *l, const struct python_memory *mem,
                   const struct python_raw_frame *f, struct frame_row *out)
{
	struct python_local_value *v;
	size_t n, bytes = 0;
	int err;

	out->has_locals = true;
	out->locals = NULL;
	out->nlocals = out->locals_omitted = 0;
	if ((err = python_locals_values(l, mem, f, &v, &n)) != 0 || n == 0) {
		python_locals_values_free(v, n);
		return err;
	}
	out->locals = xcalloc(n < PYTHON_LOCALS_MAX ? n : PYTHON_LOCALS_MAX, sizeof(*out->locals));
	for (size_t i = 0; i < n; i++) {
		struct python_repr r;
		size_t size;

		python_repr(l, mem, v[i].value, &r);
		size = strlen(v[i].name) + strlen(r.type) + strlen(r.text);
		if (out->nlocals == PYTHON_LOCALS_MAX || bytes + size > PYTHON_LOCALS_BYTES) {
			out->locals_omitted++;
			continue;
		}
		bytes += size;
		out->locals[out->nlocals++] =
		    (struct frame_local){v[i].name, xstrdup(r.type), xstrdup(r.text)};
		v[i].name = NULL; /* moved */
	}
	python_locals_values_free(v, n);
	return 0;
}
