#include "python_gc_walk.h"

#include "../addr_index.h"
#include "../clock.h"
#include "../xmalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The walk reads, per object, its PyGC_Head and the first words of the
 * object after it (ob_refcnt, ob_type): never more than this. Its size
 * takes a few more reads (python_sizeof). */
#define WALK_READ_MAX 128
/* How often (in objects) the clock is looked at: a clock read costs about 20
 * ns (vDSO), 64 objects at least 2 us (several reads each, some of them
 * copies of a 64 KiB block, 10-20 us): the walk ends within tens of
 * microseconds of its deadline for about 1% of its time. */
#define WALK_CLOCK_EVERY 64
/* 3.8+ keep flags in the low bits of both links (_PyGC_PREV_MASK and
 * NEXT_MASK_UNREACHABLE in Include/internal/pycore_gc.h); earlier links have
 * those bits clear, as every PyGC_Head is at least 8-byte aligned. */
#define WALK_LINK_MASK (~(uint64_t)3)
#define WALK_ALIGN     ((uint64_t)7)

const char *
python_gc_walk_partial_reason(enum python_gc_partial p)
{
	switch (p) {
	case PYTHON_GC_COMPLETE:
		return "";
	case PYTHON_GC_OBJECT_LIMIT:
		return "object limit reached";
	case PYTHON_GC_TIME_LIMIT:
		return "the stop's time bound was reached (the target was let go)";
	case PYTHON_GC_BAD_LINK:
		return "a list link did not lead back (list changing or corrupt)";
	case PYTHON_GC_UNREADABLE:
		return "an object could not be read";
	}
	return "unknown";
}

/* The tally by type: an array found by type address. */
struct walk_types {
	struct python_gc_type_tally *tally;
	size_t n, cap;
	struct addr_index index;
};

/* The tally of type, classified for sizing when first met. */
static struct python_gc_type_tally *
walk_type(const struct python_layout *l, const struct python_memory *mem, struct walk_types *w,
          uint64_t type)
{
	size_t at = addr_index_find_or_add(&w->index, type, w->n);

	if (at == w->n) {
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 256;
			w->tally = xreallocarray(w->tally, w->cap, sizeof(*w->tally));
		}
		w->tally[w->n] = (struct python_gc_type_tally){.type = type};
		/* An unreadable type stays UNKNOWN: its objects' sizes are errors. */
		python_sizeof_type(l, mem, type, &w->tally[w->n].size);
		w->n++;
	}
	return &w->tally[at];
}

static uint64_t
walk_word(const unsigned char *buf, size_t at)
{
	uint64_t v;

	memcpy(&v, buf + at, sizeof(v));
	return v;
}

/* The layout offsets the walk reads at, checked once. */
struct walk_offsets {
	size_t next, prev, type; /* from the PyGC_Head */
	size_t read;             /* bytes to read from the PyGC_Head */
};

static bool
walk_offsets(const struct python_layout *l, struct walk_offsets *o)
{
	int32_t h = l->gc.head_size;

	if (h <= 0 || l->gc.head_next < 0 || l->gc.head_prev < 0 || l->object.ob_type < 0)
		return false;
	o->next = (size_t)l->gc.head_next;
	o->prev = (size_t)l->gc.head_prev;
	o->type = (size_t)h + (size_t)l->object.ob_type;
	o->read = o->type + 8;
	return o->read <= WALK_READ_MAX && o->next + 8 <= (size_t)h && o->prev + 8 <= (size_t)h;
}

/* The preheader words that may sit before a PyGC_Head (3.11+), which a
 * size counts but the mapping check starts after. */
#define WALK_PREHEADER_MAX 16

/* Whether an object of size bytes whose PyGC_Head is at node fits in the
 * mapping node is in (true when no mappings were given, or t's objects are
 * not one block). *last is the index of the mapping of the previous
 * object: objects of a list mostly sit in the same arena. */
static bool
walk_fits(const struct python_gc_limits *lim, const struct python_sizeof_type *t, uint64_t node,
          uint64_t size, size_t *last)
{
	size_t lo = 0, hi = lim->nmappings;

	if (lim->mappings == NULL || lim->nmappings == 0 || !python_sizeof_is_one_block(t))
		return true;
	if (*last < lim->nmappings && lim->mappings[*last][0] <= node &&
	    node < lim->mappings[*last][1]) {
		lo = *last;
	} else {
		/* The last mapping starting at or before node. */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (lim->mappings[mid][0] <= node)
				lo = mid;
			else
				hi = mid;
		}
		if (lim->mappings[lo][0] > node || node >= lim->mappings[lo][1])
			return true; /* a mapping newer than the list of them: unknown */
		*last = lo;
	}
	return node + size <= lim->mappings[lo][1] + WALK_PREHEADER_MAX;
}

/* Walks one list from its head. Returns false when the walk must end. */
static bool
walk_list(const struct python_layout *l, const struct walk_offsets *o,
          const struct python_memory *mem, uint64_t head, const struct python_gc_limits *lim,
          double deadline, struct walk_types *types, struct python_gc_tally *out, uint64_t *listed)
{
	unsigned char buf[WALK_READ_MAX];
	uint64_t prev = head, node;
	size_t mapping = SIZE_MAX;

	if (mem->read(mem->arg, head, buf, o->prev + 8 > o->next + 8 ? o->prev + 8 : o->next + 8) !=
	    0) {
		out->partial = PYTHON_GC_UNREADABLE;
		out->bad_addr = head;
		return false;
	}
	node = walk_word(buf, o->next) & WALK_LINK_MASK;
	while (node != head) {
		struct python_gc_type_tally *t;
		uint64_t size;

		if (out->objects >= lim->max_objects) {
			out->partial = PYTHON_GC_OBJECT_LIMIT;
			return false;
		}
		if (deadline > 0 && out->objects % WALK_CLOCK_EVERY == 0 &&
		    clock_monotonic_s() > deadline) {
			out->partial = PYTHON_GC_TIME_LIMIT;
			return false;
		}
		if (node == 0 || (node & WALK_ALIGN) != 0) {
			out->partial = PYTHON_GC_BAD_LINK;
			out->bad_addr = prev;
			return false;
		}
		if (mem->read(mem->arg, node, buf, o->read) != 0) {
			out->partial = PYTHON_GC_UNREADABLE;
			out->bad_addr = node;
			return false;
		}
		if ((walk_word(buf, o->prev) & WALK_LINK_MASK) != prev) {
			out->partial = PYTHON_GC_BAD_LINK;
			out->bad_addr = node;
			return false;
		}
		t = walk_type(l, mem, types, walk_word(buf, o->type));
		t->objects++;
		if (lim->visit != NULL)
			lim->visit(lim->visit_arg, node + (uint64_t)l->gc.head_size, t->type);
		if (python_sizeof_object(l, mem, &t->size, node + (uint64_t)l->gc.head_size,
		                         &size) == 0 &&
		    walk_fits(lim, &t->size, node, size, &mapping))
			t->bytes += size; /* at most 2^30 each, 2^40 objects: no overflow */
		else
			t->size_errors++;
		out->objects++;
		(*listed)++;
		prev = node;
		node = walk_word(buf, o->next) & WALK_LINK_MASK;
	}
	return true;
}

void
python_gc_walk(const struct python_layout *l, const struct python_memory *mem,
               const uint64_t *heads, size_t nheads, const struct python_gc_limits *lim,
               struct python_gc_tally *out)
{
	struct walk_types types = {0};
	double deadline = lim->deadline;
	struct walk_offsets o;

	memset(out, 0, sizeof(*out));
	if (lim->max_seconds > 0) {
		double own = clock_monotonic_s() + lim->max_seconds;

		if (deadline <= 0 || own < deadline)
			deadline = own;
	}
	if (!walk_offsets(l, &o)) {
		out->partial = PYTHON_GC_UNREADABLE;
	} else {
		for (size_t i = 0; i < nheads; i++) {
			uint64_t scratch = 0;
			uint64_t *listed = i < 8 ? &out->list_objects[i] : &scratch;

			if (!walk_list(l, &o, mem, heads[i], lim, deadline, &types, out, listed))
				break;
		}
	}
	addr_index_free(&types.index);
	out->types = types.tally;
	out->ntypes = types.n;
}

void
python_gc_walk_tally_free(struct python_gc_tally *t)
{
	free(t->types);
	t->types = NULL;
	t->ntypes = 0;
}
