/* The collector list walk over fake address spaces: counts and sizes by
 * type, the flag bits of 3.8+ links, and every way a list can end early (a
 * link that does not lead back, a loop that misses the head, memory that
 * cannot be read, a misaligned link, the object bound). */
#include "../fake_memory.h"
#include "check.h"
#include "probes/python_gc_walk.h"

#include <stdlib.h>

#define SPACE 65536
/* A type object in the fake space (a tuple-like type: basic size 24, 8 bytes
 * an item), and one whose memory cannot be read. */
#define TYPE_A (FAKE_BASE + 32768)
#define TYPE_B 0x7000000020ull

static uint8_t space[SPACE];
static struct fake_memory fake = {space, SPACE};
static const struct python_memory mem = {fake_read, &fake, NULL};
static const struct python_gc_limits unlimited = {.max_objects = 1000000};

static void
put(uint64_t addr, uint64_t v)
{
	memcpy(space + (addr - FAKE_BASE), &v, sizeof(v));
}

/* Builds a list at head (an address) of n objects at first, first + stride
 * …, typed types[i % ntypes], with ob_size sizes[i] (or 0). Returns the
 * address of object i's PyGC_Head through nodes, when not NULL. */
static void
build(const struct python_layout *l, uint64_t head, uint64_t first, size_t stride, size_t n,
      const uint64_t *types, size_t ntypes, const int64_t *sizes)
{
	uint64_t prev = head;

	for (size_t i = 0; i < n; i++) {
		uint64_t node = first + i * stride;
		uint64_t obj = node + (uint64_t)l->gc.head_size;

		put(prev + (uint64_t)l->gc.head_next, node);
		put(node + (uint64_t)l->gc.head_prev, prev);
		put(obj + (uint64_t)l->object.ob_type, types[i % ntypes]);
		put(obj + (uint64_t)l->object.ob_size, sizes ? (uint64_t)sizes[i] : 0);
		prev = node;
	}
	put(prev + (uint64_t)l->gc.head_next, head);
	put(head + (uint64_t)l->gc.head_prev, prev);
}

static const struct python_gc_type_tally *
find(const struct python_gc_tally *t, uint64_t type)
{
	for (size_t i = 0; i < t->ntypes; i++)
		if (t->types[i].type == type)
			return &t->types[i];
	return NULL;
}

static void
test_counts(int major, int minor)
{
	const struct python_layout *l = python_layout_for(major, minor);
	uint64_t heads[3] = {FAKE_BASE, FAKE_BASE + 64, FAKE_BASE + 128};
	const uint64_t types[] = {TYPE_A, TYPE_B};
	/* The fifth object's ob_size is no size: counted, as a size error. */
	const int64_t sizes[] = {3, -4, 5, -6, (int64_t)1 << 40, 8};
	struct python_gc_tally t;
	const struct python_gc_type_tally *a, *b;
	uint64_t basic = 24 + (uint64_t)l->gc.head_size;

	memset(space, 0, sizeof(space));
	put(TYPE_A + (uint64_t)l->type.tp_basicsize, 24);
	put(TYPE_A + (uint64_t)l->type.tp_itemsize, 8);
	put(TYPE_A + (uint64_t)l->type.tp_flags, (uint64_t)1 << 26); /* a tuple */
	build(l, heads[0], FAKE_BASE + 4096, 64, 6, types, 2, sizes);
	build(l, heads[1], FAKE_BASE + 8192, 128, 10, types, 1, NULL);
	build(l, heads[2], 0, 0, 0, types, 1, NULL); /* empty: the head alone */
	python_gc_walk(l, &mem, heads, 3, &unlimited, &t);
	CHECK(t.partial == PYTHON_GC_COMPLETE);
	CHECK(t.objects == 16);
	CHECK(t.list_objects[0] == 6 && t.list_objects[1] == 10 && t.list_objects[2] == 0);
	CHECK(t.ntypes == 2);
	a = find(&t, TYPE_A);
	b = find(&t, TYPE_B);
	CHECK(a != NULL && a->objects == 13 && a->size_errors == 1 &&
	      a->bytes == 12 * basic + 8 * (3 + 5));
	/* An unreadable type: its objects count, their sizes are errors. */
	CHECK(b != NULL && b->objects == 3 && b->size_errors == 3 && b->bytes == 0);
	python_gc_walk_tally_free(&t);
}

/* Given the target's mappings, an object whose size would run past the end
 * of its mapping is a size error; one that fits, and one in no mapping
 * known (mapped since), are summed. */
static void
test_mappings(void)
{
	const struct python_layout *l = python_layout_for(3, 10);
	uint64_t heads[1] = {FAKE_BASE};
	const uint64_t types[] = {TYPE_A};
	/* 3 objects of 64 bytes from +0x1f40: the mapping ends at +0x2000. */
	const int64_t sizes[] = {2, 100, 1};
	const uint64_t mappings[][2] = {{FAKE_BASE, FAKE_BASE + 0x2000},
	                                {FAKE_BASE + 0x3000, FAKE_BASE + 0x4000}};
	struct python_gc_limits lim = {.max_objects = 1000, .mappings = mappings, .nmappings = 2};
	uint64_t basic = 24 + (uint64_t)l->gc.head_size;
	struct python_gc_tally t;

	memset(space, 0, sizeof(space));
	put(TYPE_A + (uint64_t)l->type.tp_basicsize, 24);
	put(TYPE_A + (uint64_t)l->type.tp_itemsize, 8);
	put(TYPE_A + (uint64_t)l->type.tp_flags, (uint64_t)1 << 26);
	build(l, heads[0], FAKE_BASE + 0x1f40, 64, 3, types, 1, sizes);
	python_gc_walk(l, &mem, heads, 1, &lim, &t);
	CHECK(t.partial == PYTHON_GC_COMPLETE && t.ntypes == 1 && t.types[0].objects == 3);
	/* The second runs 800 bytes of items past +0x2000. */
	CHECK(t.types[0].size_errors == 1 && t.types[0].bytes == 2 * basic + 8 * (2 + 1));
	python_gc_walk_tally_free(&t);
	/* Not in any mapping known: not checked. */
	lim.nmappings = 1;
	lim.mappings = mappings + 1;
	python_gc_walk(l, &mem, heads, 1, &lim, &t);
	CHECK(t.types[0].size_errors == 0);
	python_gc_walk_tally_free(&t);
}

/* 3.8+ keep flags in the low bits of both links. */
static void
test_flag_bits(void)
{
	const struct python_layout *l = python_layout_for(3, 12);
	uint64_t head = FAKE_BASE;
	const uint64_t types[] = {TYPE_A};
	struct python_gc_tally t;

	memset(space, 0, sizeof(space));
	build(l, head, FAKE_BASE + 4096, 32, 5, types, 1, NULL);
	for (size_t i = 0; i < 5; i++) {
		uint64_t node = FAKE_BASE + 4096 + i * 32, v;

		memcpy(&v, space + (node - FAKE_BASE) + l->gc.head_prev, 8);
		put(node + (uint64_t)l->gc.head_prev, v | 3);
		memcpy(&v, space + (node - FAKE_BASE) + l->gc.head_next, 8);
		put(node + (uint64_t)l->gc.head_next, v | 1);
	}
	python_gc_walk(l, &mem, &head, 1, &unlimited, &t);
	CHECK(t.partial == PYTHON_GC_COMPLETE && t.objects == 5);
	python_gc_walk_tally_free(&t);
}

/* Breaks a 3.11 list of 8 objects with how, walks it, and checks where the
 * walk ended and why. */
static void
test_broken(int how, enum python_gc_partial want, uint64_t counted)
{
	const struct python_layout *l = python_layout_for(3, 11);
	uint64_t head = FAKE_BASE, first = FAKE_BASE + 4096;
	const uint64_t types[] = {TYPE_A};
	struct python_gc_tally t;

	memset(space, 0, sizeof(space));
	build(l, head, first, 64, 8, types, 1, NULL);
	switch (how) {
	case 0: /* object 3's prev does not point back to object 2 */
		put(first + 3 * 64 + (uint64_t)l->gc.head_prev, first);
		break;
	case 1: /* object 5 loops back to object 1, missing the head */
		put(first + 5 * 64 + (uint64_t)l->gc.head_next, first + 64);
		break;
	case 2: /* object 4 leads outside the address space */
		put(first + 4 * 64 + (uint64_t)l->gc.head_next, 0x7fff00000000ull);
		break;
	case 3: /* object 2 leads to a misaligned address */
		put(first + 2 * 64 + (uint64_t)l->gc.head_next, first + 3 * 64 + 4);
		break;
	case 4: /* object 6 leads to NULL */
		put(first + 6 * 64 + (uint64_t)l->gc.head_next, 0);
		break;
	}
	python_gc_walk(l, &mem, &head, 1, &unlimited, &t);
	CHECK(t.partial == want);
	CHECK(t.objects == counted);
	CHECK(t.objects == 0 || (t.ntypes == 1 && t.types[0].objects == counted));
	CHECK(python_gc_walk_partial_reason(want)[0] != '\0');
	python_gc_walk_tally_free(&t);
}

static void
test_object_limit(void)
{
	const struct python_layout *l = python_layout_for(3, 9);
	uint64_t heads[2] = {FAKE_BASE, FAKE_BASE + 64};
	const uint64_t types[] = {TYPE_A};
	const struct python_gc_limits four = {.max_objects = 4};
	struct python_gc_tally t;

	memset(space, 0, sizeof(space));
	build(l, heads[0], FAKE_BASE + 4096, 64, 3, types, 1, NULL);
	build(l, heads[1], FAKE_BASE + 8192, 64, 3, types, 1, NULL);
	python_gc_walk(l, &mem, heads, 2, &four, &t);
	CHECK(t.partial == PYTHON_GC_OBJECT_LIMIT && t.objects == 4);
	python_gc_walk_tally_free(&t);
}

/* An object at the very end of readable memory, of a type that cannot be
 * read: it counts, its size as an error. */
static void
test_object_at_end(void)
{
	const struct python_layout *l = python_layout_for(3, 10);
	uint64_t head = FAKE_BASE, node = FAKE_BASE + SPACE - 16 - 16;
	const uint64_t types[] = {TYPE_B};
	struct python_gc_tally t;

	memset(space, 0, sizeof(space));
	/* head_size 16, ob_refcnt and ob_type: exactly to the end. */
	put(head + (uint64_t)l->gc.head_next, node);
	put(head + (uint64_t)l->gc.head_prev, node);
	put(node + (uint64_t)l->gc.head_next, head);
	put(node + (uint64_t)l->gc.head_prev, head);
	put(node + 16 + (uint64_t)l->object.ob_type, types[0]);
	python_gc_walk(l, &mem, &head, 1, &unlimited, &t);
	CHECK(t.partial == PYTHON_GC_COMPLETE && t.objects == 1);
	CHECK(t.ntypes == 1 && t.types[0].type == TYPE_B && t.types[0].bytes == 0 &&
	      t.types[0].size_errors == 1);
	python_gc_walk_tally_free(&t);
}

/* A head that cannot be read. */
static void
test_unreadable_head(void)
{
	const struct python_layout *l = python_layout_for(3, 13);
	uint64_t head = 0x10;
	struct python_gc_tally t;

	python_gc_walk(l, &mem, &head, 1, &unlimited, &t);
	CHECK(t.partial == PYTHON_GC_UNREADABLE && t.objects == 0 && t.ntypes == 0);
	python_gc_walk_tally_free(&t);
}

int
main(void)
{
	test_counts(2, 7);
	test_counts(3, 6);
	test_counts(3, 11);
	test_counts(3, 13);
	test_flag_bits();
	test_mappings();
	test_broken(0, PYTHON_GC_BAD_LINK, 3);
	test_broken(1, PYTHON_GC_BAD_LINK, 6);
	test_broken(2, PYTHON_GC_UNREADABLE, 5);
	test_broken(3, PYTHON_GC_BAD_LINK, 3);
	test_broken(4, PYTHON_GC_BAD_LINK, 7);
	test_object_limit();
	test_object_at_end();
	test_unreadable_head();
	return check_done("python_gc_walk");
}
