#include "python_withlock.h"

#include <errno.h>
#include <string.h>

/* CO_MAXBLOCKS (2.7-3.10): a frame has at most this many blocks. */
#define WITHLOCK_MAX_BLOCKS 20
/* An exception table longer than this is not read (a code object's is a
 * few bytes per try or with statement). */
#define WITHLOCK_MAX_TABLE 4096
/* Distinct types looked at for one thread before giving up. */
#define WITHLOCK_MAX_TYPES 32
/* 3.14's _PyStackRef keeps tags in its low two bits; both set marks a
 * tagged int, no object. Clearing them is right for 3.11-3.13's plain
 * pointers too (objects are aligned to 8). */
#define WITHLOCK_TAG_BITS 3u

enum withlock_kind { WITHLOCK_OTHER, WITHLOCK_LOCK, WITHLOCK_METHOD };

/* The types seen, and what they are: one name read per type. */
struct withlock_types {
	uint64_t type[WITHLOCK_MAX_TYPES];
	enum withlock_kind kind[WITHLOCK_MAX_TYPES];
	size_t n;
};

/* One varint of the exception table at *at (6 bits a byte, most significant
 * first, 64 the continuation bit). Returns 0, or -EINVAL when it is cut
 * short or too long. */
static int
withlock_varint(const unsigned char *table, size_t len, size_t *at, uint32_t *out)
{
	uint64_t v = 0;
	unsigned char b;

	do {
		if (*at >= len)
			return -EINVAL;
		b = table[(*at)++];
		v = (v << 6) | (b & 63u);
		if (v > UINT32_MAX)
			return -EINVAL;
	} while (b & 64u);
	*out = (uint32_t)v;
	return 0;
}

int
python_withlock_exctable_depth(const unsigned char *table, size_t len, uint64_t unit,
                               uint32_t *depth)
{
	size_t at = 0;

	while (at < len) {
		uint32_t start, size, target, depth_lasti;

		if (withlock_varint(table, len, &at, &start) != 0 ||
		    withlock_varint(table, len, &at, &size) != 0 ||
		    withlock_varint(table, len, &at, &target) != 0 ||
		    withlock_varint(table, len, &at, &depth_lasti) != 0)
			return -EINVAL;
		/* Entries are sorted and do not overlap (compile.c flattens the
		 * nesting): the one covering the unit is its innermost handler. */
		if (unit >= start && unit < (uint64_t)start + size) {
			*depth = depth_lasti >> 1;
			return 0;
		}
	}
	return -ENOENT;
}

uint32_t
python_withlock_block_depth(const unsigned char *blocks, size_t len, int iblock,
                            size_t tryblock_size, size_t b_level_at)
{
	uint32_t deepest = 0;

	if (tryblock_size == 0 || b_level_at + sizeof(int32_t) > tryblock_size)
		return 0;
	for (size_t i = 0; iblock > 0 && i < (size_t)iblock && i < WITHLOCK_MAX_BLOCKS &&
	                   (i + 1) * tryblock_size <= len;
	     i++) {
		int32_t level;

		memcpy(&level, blocks + i * tryblock_size + b_level_at, sizeof(level));
		if (level > 0 && (uint32_t)level > deepest)
			deepest = (uint32_t)level;
	}
	return deepest;
}

static int
withlock_u64(const struct python_memory *mem, uint64_t addr, uint64_t *v)
{
	return mem->read(mem->arg, addr, v, sizeof(*v));
}

static int
withlock_i32(const struct python_memory *mem, uint64_t addr, int32_t *v)
{
	return mem->read(mem->arg, addr, v, sizeof(*v));
}

/* What the type at type is, by its tp_name. */
static enum withlock_kind
withlock_name_kind(const struct python_target *t, const struct python_memory *mem, uint64_t type)
{
	static const char *const locks[] = {"_thread.lock", "thread.lock"};
	/* A C lock's __exit__ bound to it; a Python subclass's. */
	static const char *const methods[] = {"builtin_function_or_method", "method"};
	char name[32] = "";
	uint64_t at;

	if (withlock_u64(mem, type + (uint64_t)t->layout.type.tp_name, &at) != 0 || at == 0)
		return WITHLOCK_OTHER;
	/* The name may end just before unmapped memory: a shorter read then. */
	if (mem->read(mem->arg, at, name, sizeof(name) - 1) != 0 &&
	    mem->read(mem->arg, at, name, sizeof("thread.lock")) != 0)
		return WITHLOCK_OTHER;
	for (size_t i = 0; i < sizeof(locks) / sizeof(*locks); i++)
		if (strcmp(name, locks[i]) == 0)
			return WITHLOCK_LOCK;
	for (size_t i = 0; i < sizeof(methods) / sizeof(*methods); i++)
		if (strcmp(name, methods[i]) == 0)
			return WITHLOCK_METHOD;
	return WITHLOCK_OTHER;
}

/* What object obj is (its type's kind, cached in types). */
static enum withlock_kind
withlock_kind(const struct python_target *t, const struct python_memory *mem,
              struct withlock_types *types, uint64_t obj)
{
	enum withlock_kind kind;
	uint64_t type;

	if (obj < 4096 || withlock_u64(mem, obj + (uint64_t)t->layout.object.ob_type, &type) != 0 ||
	    type == 0)
		return WITHLOCK_OTHER;
	for (size_t k = 0; k < types->n; k++)
		if (types->type[k] == type)
			return types->kind[k];
	if (types->n == WITHLOCK_MAX_TYPES)
		return WITHLOCK_OTHER;
	kind = withlock_name_kind(t, mem, type);
	types->type[types->n] = type;
	types->kind[types->n++] = kind;
	return kind;
}

/* The lock slot value v stands for: the lock itself (3.14+), or the lock a
 * bound __exit__ belongs to (≤3.13: a builtin method's m_self, a method's
 * __self__, both right after the function, which follows the object
 * header: ob_type is the header's last field in every build). 0 if none. */
static uint64_t
withlock_lock_of(const struct python_target *t, const struct python_memory *mem,
                 struct withlock_types *types, uint64_t v)
{
	uint64_t obj = v & ~(uint64_t)WITHLOCK_TAG_BITS, self;

	if ((v & WITHLOCK_TAG_BITS) == WITHLOCK_TAG_BITS)
		return 0;
	switch (withlock_kind(t, mem, types, obj)) {
	case WITHLOCK_LOCK:
		return obj;
	case WITHLOCK_METHOD:
		if (withlock_u64(mem, obj + (uint64_t)t->layout.object.ob_type + 16, &self) == 0 &&
		    withlock_kind(t, mem, types, self) == WITHLOCK_LOCK)
			return self;
		return 0;
	default:
		return 0;
	}
}

/* Where frame f's value stack starts and how deep its with blocks reach
 * (*depth 0: none). Returns 0, or -errno when the frame cannot be read. */
static int
withlock_frame_depth(const struct python_target *t, const struct python_memory *mem,
                     const struct python_raw_frame *f, uint64_t *base, uint32_t *depth)
{
	const struct python_layout *l = &t->layout;

	*depth = 0;
	if (l->frame.f_blockstack >= 0) {
		unsigned char blocks[WITHLOCK_MAX_BLOCKS * 16];
		size_t size = (size_t)l->frame.tryblock_size;
		int32_t iblock;

		if (size == 0 || size > 16 ||
		    withlock_i32(mem, f->addr + (uint64_t)l->frame.f_iblock, &iblock) != 0)
			return -EFAULT;
		if (iblock <= 0)
			return 0;
		if (iblock > WITHLOCK_MAX_BLOCKS)
			iblock = WITHLOCK_MAX_BLOCKS;
		if (withlock_u64(mem, f->addr + (uint64_t)l->frame.f_valuestack, base) != 0 ||
		    mem->read(mem->arg, f->addr + (uint64_t)l->frame.f_blockstack, blocks,
		              (size_t)iblock * size) != 0)
			return -EFAULT;
		*depth = python_withlock_block_depth(blocks, (size_t)iblock * size, iblock, size,
		                                     (size_t)l->frame.b_level);
		return 0;
	}
	if (l->code.co_exceptiontable >= 0 && l->iframe.localsplus >= 0) {
		unsigned char table[WITHLOCK_MAX_TABLE];
		uint64_t bytes, len;
		int32_t nlocals;

		if (f->offset < 0 || l->code.unit_size <= 0)
			return 0;
		if (withlock_u64(mem, f->code + (uint64_t)l->code.co_exceptiontable, &bytes) != 0 ||
		    withlock_i32(mem, f->code + (uint64_t)l->code.co_nlocalsplus, &nlocals) != 0 ||
		    withlock_u64(mem, bytes + (uint64_t)l->bytes.ob_size, &len) != 0)
			return -EFAULT;
		if (len == 0 || nlocals < 0)
			return 0;
		if (len > sizeof(table))
			len = sizeof(table);
		if (mem->read(mem->arg, bytes + (uint64_t)l->bytes.ob_sval, table, (size_t)len) !=
		    0)
			return -EFAULT;
		if (python_withlock_exctable_depth(
		        table, (size_t)len, (uint64_t)f->offset / (uint64_t)l->code.unit_size,
		        depth) != 0)
			*depth = 0;
		*base = f->addr + (uint64_t)l->iframe.localsplus + 8 * (uint64_t)nlocals;
		return 0;
	}
	return -ENOTSUP;
}

size_t
python_withlock_held(const struct python_target *t, const struct python_memory *mem,
                     const struct python_raw_thread *th, uint64_t *locks, size_t max)
{
	struct withlock_types types = {.n = 0};
	uint64_t slots[PYTHON_WITHLOCK_MAX_DEPTH];
	size_t n = 0;

	for (size_t i = 0; i < th->nframes && n < max; i++) {
		uint64_t base = 0;
		uint32_t depth;

		if (withlock_frame_depth(t, mem, &th->frames[i], &base, &depth) != 0 || depth == 0)
			continue;
		if (depth > PYTHON_WITHLOCK_MAX_DEPTH)
			depth = PYTHON_WITHLOCK_MAX_DEPTH;
		if (mem->read(mem->arg, base, slots, depth * sizeof(*slots)) != 0)
			continue;
		for (uint32_t k = 0; k < depth && n < max; k++) {
			uint64_t lock = withlock_lock_of(t, mem, &types, slots[k]);

			if (lock != 0)
				locks[n++] = lock;
		}
	}
	return n;
}

bool
python_withlock_is_futex(const struct python_target *t, const struct python_memory *mem,
                         uint64_t obj, uint64_t futex)
{
	uint64_t inner = obj + (uint64_t)t->layout.object.ob_type + 8, word;

	if (futex < 8)
		return false;
	/* Up to 3.13.0 the lock's PyThread_type_lock is a sem_t, on whose first
	 * word its waiters sleep. */
	if (withlock_u64(mem, inner, &word) == 0 && word == futex)
		return true;
	/* Later 3.13 builds (and 3.13t) put a PyMutex there, whose waiters park
	 * in Python/parking_lot.c: each sleeps on the semaphore of a wait_entry
	 * on its own stack, {park_arg, addr, sema…}, where addr is the mutex's
	 * address. */
	return withlock_u64(mem, futex - 8, &word) == 0 && word == inner;
}
