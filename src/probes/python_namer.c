#include "python_namer.h"

#include "../xmalloc.h"
#include "python_linetable.h"
#include "python_string.h"

#include <stdlib.h>
#include <string.h>

/* Bounds on what a corrupt or racing target can make us follow. */
#define PYTHON_MAX_NAME      1024      /* code points of a name we decode */
#define PYTHON_MAX_LINETABLE (1 << 20) /* bytes */

/* What a code object says, read once. */
struct python_code {
	uint64_t addr;  /* 0: empty slot */
	uint64_t table; /* its line table's address: the stamp of frames of it */
	char *function, *file;
	int firstlineno;
	unsigned char *linetable; /* owned */
	size_t linetable_len;
};

static void
python_code_clear(struct python_code *c)
{
	free(c->function);
	free(c->file);
	free(c->linetable);
	memset(c, 0, sizeof(*c));
}

struct python_namer {
	const struct python_target *t;
	const struct python_memory *mem;
	struct python_code *slots; /* open addressing on addr */
	size_t nslots, used;
};

struct python_namer *
python_namer_new(const struct python_target *t, const struct python_memory *mem)
{
	struct python_namer *n = xcalloc(1, sizeof(*n));

	n->t = t;
	n->mem = mem;
	n->nslots = 64;
	n->slots = xcalloc(n->nslots, sizeof(*n->slots));
	return n;
}

void
python_namer_free(struct python_namer *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nslots; i++)
		python_code_clear(&n->slots[i]);
	free(n->slots);
	free(n);
}

/* A bytes object (2.7: a str): its *len bytes, owned and NUL-terminated;
 * NULL when unreadable or longer than max (a line table that long is not
 * one). */
static unsigned char *
python_read_bytes(const struct python_namer *n, uint64_t obj, size_t max, size_t *len)
{
	uint64_t size;
	unsigned char *buf = python_string_bytes(&n->t->layout, n->mem, obj, max, len, &size);

	if (buf != NULL && size > max) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A str object as UTF-8 (owned), cut at PYTHON_MAX_NAME code points; NULL
 * when unreadable. 2.7: code names are byte strings. */
static char *
python_read_str(const struct python_namer *n, uint64_t obj)
{
	return python_string_name(&n->t->layout, n->mem, obj, PYTHON_MAX_NAME);
}

/* Reads code object addr into c. */
static void
python_read_code(const struct python_namer *n, uint64_t addr, struct python_code *c)
{
	const struct python_layout *l = &n->t->layout;
	int32_t name_off = l->code.co_qualname >= 0 ? l->code.co_qualname : l->code.co_name;
	int32_t table_off = python_layout_code_table(l);
	uint64_t name = 0, file = 0, table = 0;
	int32_t first = 0;

	c->addr = addr;
	(void)python_memory_u64(n->mem, addr + (uint64_t)name_off, &name);
	(void)python_memory_u64(n->mem, addr + (uint64_t)l->code.co_filename, &file);
	(void)python_memory_u64(n->mem, addr + (uint64_t)table_off, &table);
	(void)python_memory_i32(n->mem, addr + (uint64_t)l->code.co_firstlineno, &first);
	c->function = python_read_str(n, name);
	c->file = python_read_str(n, file);
	c->firstlineno = first;
	c->table = table;
	c->linetable = python_read_bytes(n, table, PYTHON_MAX_LINETABLE, &c->linetable_len);
}

/* What the namer knows of code object addr, read once; read again when
 * stamp (a frame's, 0 when unknown) says the address now holds another. */
static struct python_code *
python_code(struct python_namer *n, uint64_t addr, uint64_t stamp)
{
	size_t i;

	if ((n->used + 1) * 2 > n->nslots) {
		struct python_code *old = n->slots;
		size_t nold = n->nslots;

		n->nslots *= 2;
		n->slots = xcalloc(n->nslots, sizeof(*n->slots));
		for (size_t k = 0; k < nold; k++) {
			if (old[k].addr == 0)
				continue;
			for (i = (old[k].addr >> 4) & (n->nslots - 1); n->slots[i].addr != 0;
			     i = (i + 1) & (n->nslots - 1))
				;
			n->slots[i] = old[k];
		}
		free(old);
	}
	for (i = (addr >> 4) & (n->nslots - 1); n->slots[i].addr != 0;
	     i = (i + 1) & (n->nslots - 1))
		if (n->slots[i].addr == addr) {
			if (stamp != 0 && stamp != n->slots[i].table) {
				python_code_clear(&n->slots[i]);
				python_read_code(n, addr, &n->slots[i]);
			}
			return &n->slots[i];
		}
	python_read_code(n, addr, &n->slots[i]);
	n->used++;
	return &n->slots[i];
}

void
python_namer_frame(struct python_namer *n, const struct python_raw_frame *f, struct frame_row *out)
{
	struct python_code *c = f->code != 0 ? python_code(n, f->code, f->stamp) : NULL;
	int line;

	*out = (struct frame_row){.python = true};
	out->function = xstrdup(c != NULL && c->function != NULL ? c->function : "<unknown>");
	if (c == NULL)
		return;
	out->file = c->file != NULL ? xstrdup(c->file) : NULL;
	if (c->linetable != NULL &&
	    python_linetable_line(n->t->layout.code.linetable_format, c->linetable,
	                          c->linetable_len, c->firstlineno, f->offset, &line) == 0)
		out->line = line;
}

struct frame_row *
python_namer_thread(struct python_namer *n, const struct python_raw_thread *rt)
{
	struct frame_row *frames = xcalloc(rt->nframes ? rt->nframes : 1, sizeof(*frames));

	for (size_t i = 0; i < rt->nframes; i++)
		python_namer_frame(n, &rt->frames[i], &frames[i]);
	return frames;
}

char *
python_namer_string(struct python_namer *n, uint64_t obj)
{
	return python_read_str(n, obj);
}

const struct python_target *
python_namer_target(const struct python_namer *n)
{
	return n->t;
}

const struct python_memory *
python_namer_memory(const struct python_namer *n)
{
	return n->mem;
}
