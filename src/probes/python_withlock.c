#include "python_withlock.h"

#include "../xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* CO_MAXBLOCKS (2.7-3.10): a frame has at most this many blocks. */
#define WITHLOCK_MAX_BLOCKS 20
/* An exception table longer than this is not read (a code object's is a
 * few bytes per try or with statement). */
#define WITHLOCK_MAX_TABLE 4096
/* Distinct types and code objects remembered by a cache; past them, each
 * is read again. */
#define WITHLOCK_MAX_TYPES 32
#define WITHLOCK_MAX_CODES 128
/* 3.14's _PyStackRef keeps tags in its low two bits; both set marks a
 * tagged int, no object. Clearing them is right for 3.11-3.13's plain
 * pointers too (objects are aligned to 8). */
#define WITHLOCK_TAG_BITS 3u

enum withlock_kind { WITHLOCK_OTHER, WITHLOCK_LOCK, WITHLOCK_METHOD };

/* A code object as seen (3.11+): its exception table and locals. */
struct withlock_code {
	uint64_t code;
	int32_t nlocals;      /* -1: unreadable */
	unsigned char *table; /* owned */
	size_t len;
};

struct python_withlock_cache {
	/* The types seen, and what they are: one name read per type. */
	uint64_t type[WITHLOCK_MAX_TYPES];
	enum withlock_kind kind[WITHLOCK_MAX_TYPES];
	size_t ntypes;
	struct withlock_code codes[WITHLOCK_MAX_CODES];
	size_t ncodes;
};

struct python_withlock_cache *
python_withlock_cache_new(void)
{
	return xcalloc(1, sizeof(struct python_withlock_cache));
}

void
python_withlock_cache_free(struct python_withlock_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->ncodes; i++)
		free(c->codes[i].table);
	free(c);
}

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

/* What the type at type is, by its tp_name. */
static enum withlock_kind
withlock_name_kind(const struct python_target *t, const struct python_memory *mem, uint64_t type)
{
	/* 2.7's RLock is a Python class, _RLock: its with blocks hold it. */
	static const char *const locks[] = {"_thread.lock", "thread.lock", "_RLock"};
	/* A C lock's __exit__ bound to it; a Python subclass's. */
	static const char *const methods[] = {"builtin_function_or_method", "method",
	                                      "instancemethod"};
	char name[32] = "";
	uint64_t at;

	if (python_memory_u64(mem, type + (uint64_t)t->layout.type.tp_name, &at) != 0 || at == 0)
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
              struct python_withlock_cache *types, uint64_t obj)
{
	enum withlock_kind kind;
	uint64_t type;

	if (obj < 4096 ||
	    python_memory_u64(mem, obj + (uint64_t)t->layout.object.ob_type, &type) != 0 ||
	    type == 0)
		return WITHLOCK_OTHER;
	for (size_t k = 0; k < types->ntypes; k++)
		if (types->type[k] == type)
			return types->kind[k];
	kind = withlock_name_kind(t, mem, type);
	if (types->ntypes < WITHLOCK_MAX_TYPES) {
		types->type[types->ntypes] = type;
		types->kind[types->ntypes++] = kind;
	}
	return kind;
}

/* The lock slot value v stands for: the lock itself (3.14+), or the lock a
 * bound __exit__ belongs to (≤3.13: a builtin method's m_self, a method's
 * __self__, both right after the function, which follows the object
 * header: ob_type is the header's last field in every build). 0 if none. */
static uint64_t
withlock_lock_of(const struct python_target *t, const struct python_memory *mem,
                 struct python_withlock_cache *types, uint64_t v)
{
	uint64_t obj = v & ~(uint64_t)WITHLOCK_TAG_BITS, self;

	if ((v & WITHLOCK_TAG_BITS) == WITHLOCK_TAG_BITS)
		return 0;
	switch (withlock_kind(t, mem, types, obj)) {
	case WITHLOCK_LOCK:
		return obj;
	case WITHLOCK_METHOD:
		if (python_memory_u64(mem, obj + (uint64_t)t->layout.object.ob_type + 16, &self) ==
		        0 &&
		    withlock_kind(t, mem, types, self) == WITHLOCK_LOCK)
			return self;
		return 0;
	default:
		return 0;
	}
}

/* Code object code as cache knows it, read when it does not (3.11+). */
static const struct withlock_code *
withlock_code(const struct python_target *t, const struct python_memory *mem,
              struct python_withlock_cache *cache, uint64_t code, struct withlock_code *spare)
{
	const struct python_layout *l = &t->layout;
	struct withlock_code *c = spare;
	uint64_t bytes, len;

	for (size_t i = 0; i < cache->ncodes; i++)
		if (cache->codes[i].code == code)
			return &cache->codes[i];
	if (cache->ncodes < WITHLOCK_MAX_CODES)
		c = &cache->codes[cache->ncodes++];
	*c = (struct withlock_code){.code = code, .nlocals = -1};
	if (python_memory_u64(mem, code + (uint64_t)l->code.co_exceptiontable, &bytes) != 0 ||
	    python_memory_i32(mem, code + (uint64_t)l->code.co_nlocalsplus, &c->nlocals) != 0 ||
	    python_memory_u64(mem, bytes + (uint64_t)l->bytes.ob_size, &len) != 0 ||
	    c->nlocals < 0) {
		c->nlocals = -1;
		return c;
	}
	if (len > WITHLOCK_MAX_TABLE)
		len = WITHLOCK_MAX_TABLE;
	c->table = xmalloc(len ? (size_t)len : 1);
	c->len = (size_t)len;
	if (len > 0 &&
	    mem->read(mem->arg, bytes + (uint64_t)l->bytes.ob_sval, c->table, (size_t)len) != 0)
		c->len = 0;
	return c;
}

/* 3.11+: where frame f's value stack starts and how deep its with blocks
 * reach (*depth 0: none). */
static void
withlock_iframe_depth(const struct python_target *t, const struct python_memory *mem,
                      struct python_withlock_cache *cache, const struct python_raw_frame *f,
                      uint64_t *base, uint32_t *depth)
{
	const struct python_layout *l = &t->layout;
	struct withlock_code spare = {0};
	const struct withlock_code *c;

	*depth = 0;
	if (f->offset < 0 || l->code.unit_size <= 0)
		return;
	c = withlock_code(t, mem, cache, f->code, &spare);
	if (c->nlocals >= 0 &&
	    python_withlock_exctable_depth(
	        c->table, c->len, (uint64_t)f->offset / (uint64_t)l->code.unit_size, depth) != 0)
		*depth = 0;
	*base = f->addr + (uint64_t)l->iframe.localsplus +
	        8 * (uint64_t)(c->nlocals > 0 ? c->nlocals : 0);
	if (c == &spare)
		free(spare.table);
}

/* Up to 3.10: every frame's value stack start and block stack, in one
 * readv of the bytes from f_valuestack to the end of f_blockstack (each
 * frame's window, at window bytes a frame, into buf); *depth[i] how deep
 * frame i's with blocks reach. */
static void
withlock_frame_depths(const struct python_target *t, const struct python_memory *mem,
                      const struct python_raw_thread *th, uint64_t *bases, uint32_t *depths)
{
	const struct python_layout *l = &t->layout;
	size_t size = (size_t)l->frame.tryblock_size;
	int32_t lo = l->frame.f_valuestack, hi = l->frame.f_blockstack;
	size_t window, n = th->nframes;
	struct python_read *reads;
	unsigned char *buf;

	if (l->frame.f_iblock < lo)
		lo = l->frame.f_iblock;
	if (size == 0 || size > 16 || lo < 0 || hi < lo || l->frame.f_iblock > hi)
		return;
	window = (size_t)(hi - lo) + WITHLOCK_MAX_BLOCKS * size;
	buf = xcalloc(n ? n : 1, window);
	reads = xcalloc(n ? n : 1, sizeof(*reads));
	for (size_t i = 0; i < n; i++)
		reads[i] = (struct python_read){th->frames[i].addr + (uint64_t)lo, buf + i * window,
		                                window};
	/* One read for all: a frame that fails (the last one, at the end of a
	 * mapping) makes them all be read one by one. */
	if (mem->readv == NULL || mem->readv(mem->arg, reads, n) != 0)
		for (size_t i = 0; i < n; i++)
			if (mem->read(mem->arg, reads[i].addr, reads[i].buf, window) != 0)
				memset(reads[i].buf, 0, window);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *w = buf + i * window;
		int32_t iblock;

		memcpy(&iblock, w + (l->frame.f_iblock - lo), sizeof(iblock));
		memcpy(&bases[i], w + (l->frame.f_valuestack - lo), sizeof(bases[i]));
		depths[i] =
		    iblock <= 0
		        ? 0
		        : python_withlock_block_depth(w + (hi - lo), window - (size_t)(hi - lo),
		                                      iblock, size, (size_t)l->frame.b_level);
	}
	free(reads);
	free(buf);
}

size_t
python_withlock_held(const struct python_target *t, const struct python_memory *mem,
                     struct python_withlock_cache *cache, const struct python_raw_thread *th,
                     uint64_t *locks, size_t max)
{
	const struct python_layout *l = &t->layout;
	uint64_t slots[PYTHON_WITHLOCK_MAX_DEPTH], *bases;
	uint32_t *depths;
	size_t n = 0;

	if (th->nframes == 0 || max == 0)
		return 0;
	bases = xcalloc(th->nframes, sizeof(*bases));
	depths = xcalloc(th->nframes, sizeof(*depths));
	if (l->frame.f_blockstack >= 0)
		withlock_frame_depths(t, mem, th, bases, depths);
	else if (l->code.co_exceptiontable >= 0 && l->iframe.localsplus >= 0)
		for (size_t i = 0; i < th->nframes; i++)
			withlock_iframe_depth(t, mem, cache, &th->frames[i], &bases[i], &depths[i]);
	for (size_t i = 0; i < th->nframes && n < max; i++) {
		uint32_t depth =
		    depths[i] < PYTHON_WITHLOCK_MAX_DEPTH ? depths[i] : PYTHON_WITHLOCK_MAX_DEPTH;

		if (depth == 0 || mem->read(mem->arg, bases[i], slots, depth * sizeof(*slots)) != 0)
			continue;
		for (uint32_t k = 0; k < depth && n < max; k++) {
			uint64_t lock = withlock_lock_of(t, mem, cache, slots[k]);

			if (lock != 0)
				locks[n++] = lock;
		}
	}
	free(bases);
	free(depths);
	return n;
}

uint64_t
python_withlock_rlock27(const struct python_target *t, const struct python_memory *mem,
                        struct python_withlock_cache *cache, const struct python_raw_thread *th)
{
	const struct python_layout *l = &t->layout;
	uint64_t self;
	char name[sizeof("_RLock")];
	uint64_t type, at;

	if (l->major != 2 || l->frame.f_localsplus < 0 || th->nframes == 0 ||
	    python_memory_u64(mem, th->frames[0].addr + (uint64_t)l->frame.f_localsplus, &self) !=
	        0 ||
	    withlock_kind(t, mem, cache, self) != WITHLOCK_LOCK ||
	    python_memory_u64(mem, self + (uint64_t)l->object.ob_type, &type) != 0 ||
	    python_memory_u64(mem, type + (uint64_t)l->type.tp_name, &at) != 0 ||
	    mem->read(mem->arg, at, name, sizeof(name)) != 0 ||
	    memcmp(name, "_RLock", sizeof(name)) != 0)
		return 0;
	return self;
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
	if (python_memory_u64(mem, inner, &word) == 0 && word == futex)
		return true;
	/* Later 3.13 builds (and 3.13t) put a PyMutex there, whose waiters park
	 * in Python/parking_lot.c: each sleeps on the semaphore of a wait_entry
	 * on its own stack, {park_arg, addr, sema…}, where addr is the mutex's
	 * address. */
	return python_memory_u64(mem, futex - 8, &word) == 0 && word == inner;
}
