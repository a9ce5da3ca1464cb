/* The with-block holder reader: exception tables as CPython 3.12 compiles
 * them (entries found, missed, cut short), block stacks, and the locks a
 * thread's frames hold over a fake address space laid out with the
 * generated 3.10, 3.12 and 3.14 layouts (a bound __exit__ below the
 * block's depth is held, one above it is being entered), 2.7's Python
 * RLock held and waited for; and a wait's
 * futex matched to its lock both ways 3.13 and before sleep. */
#include "../fake_memory.h"
#include "check.h"
#include "probes/python_withlock.h"

#define SPACE 8192

static uint8_t space[SPACE];
static struct fake_memory fake = {space, SPACE};
static const struct python_memory mem = {fake_read, &fake, NULL};

/* Where things are in the fake space. */
#define FRAME       (FAKE_BASE + 0x000)
#define VALUESTACK  (FAKE_BASE + 0x300)
#define CODE        (FAKE_BASE + 0x400)
#define TABLE       (FAKE_BASE + 0x600)
#define LOCK_TYPE   (FAKE_BASE + 0x800)
#define METHOD_TYPE (FAKE_BASE + 0x900)
#define STR_TYPE    (FAKE_BASE + 0xa00)
#define NAMES       (FAKE_BASE + 0xb00)
#define LOCK        (FAKE_BASE + 0xc00)
#define EXIT        (FAKE_BASE + 0xd00)
#define STR         (FAKE_BASE + 0xe00)
#define SEM         (FAKE_BASE + 0xf00)

/* def h():
 *     try:
 *         with a:
 *             with b:
 *                 g()
 *     except ValueError:
 *         pass
 * h.__code__.co_exceptiontable on 3.12.1; dis says (bytes, end inclusive):
 *   4 to 14 -> 134 [0], 16 to 28 -> 110 [1] lasti, 30 to 50 -> 86 [2] lasti,
 *   52 to 66 -> 110 [1] lasti, … */
static const unsigned char h_table[] = {
    130, 6, 65,  3,  0,  136, 7,   55, 3,  143, 11,  43, 5,   154, 8, 55,  3,  162, 8, 65,
    3,   0, 171, 5,  52, 9,   176, 7,  55, 3,   183, 5,  65,  0,   7, 188, 3,  65,  3, 0,
    193, 0, 3,   65, 3,  0,   193, 3,  9,  65,  15,  3,  193, 14,  1, 65,  15, 3};

/* f's: `x = 1; with a: y = 2; g()`, one entry 18 to 42 -> 62 [1] lasti. */
static const unsigned char f_table[] = {137, 13, 31, 3, 159, 5, 40, 7};

static void
put_i32(uint64_t addr, int32_t v)
{
	memcpy(space + (addr - FAKE_BASE), &v, sizeof(v));
}

/* The objects: a lock, its bound __exit__, a str. */
static void
objects(const struct python_layout *l)
{
	memset(space, 0, sizeof(space));
	fake_put_object(space, l, LOCK, LOCK_TYPE, NAMES, "_thread.lock");
	fake_put_object(space, l, EXIT, METHOD_TYPE, NAMES + 32, "builtin_function_or_method");
	fake_put_object(space, l, STR, STR_TYPE, NAMES + 64, "str");
	fake_put_u64(space, EXIT + (uint64_t)l->object.ob_type + 16, LOCK); /* m_self */
}

/* A 3.11+ frame running code whose exception table is table, its value
 * stack (after two locals) slots[0..n). */
static void
iframe(const struct python_layout *l, const unsigned char *table, size_t len, const uint64_t *slots,
       size_t n)
{
	objects(l);
	fake_put_u64(space, CODE + (uint64_t)l->code.co_exceptiontable, TABLE);
	put_i32(CODE + (uint64_t)l->code.co_nlocalsplus, 2);
	fake_put_u64(space, TABLE + (uint64_t)l->bytes.ob_size, len);
	memcpy(space + (TABLE + (uint64_t)l->bytes.ob_sval - FAKE_BASE), table, len);
	fake_put_u64(space, FRAME + (uint64_t)l->iframe.localsplus, STR);
	fake_put_u64(space, FRAME + (uint64_t)l->iframe.localsplus + 8, STR);
	for (size_t i = 0; i < n; i++)
		fake_put_u64(space, FRAME + (uint64_t)l->iframe.localsplus + 8 * (2 + i), slots[i]);
}

static size_t
held(const struct python_layout *l, int64_t offset, uint64_t *locks, size_t max)
{
	struct python_target t = {0};
	struct python_raw_frame f = {.code = CODE, .offset = offset, .addr = FRAME};
	struct python_raw_thread th = {.frames = &f, .nframes = 1};
	/* A cache per call: the tests change the code object under it. */
	struct python_withlock_cache *cache = python_withlock_cache_new();
	size_t n;

	t.layout = *l;
	n = python_withlock_held(&t, &mem, cache, &th, locks, max);
	python_withlock_cache_free(cache);
	return n;
}

static void
test_exctable(void)
{
	uint32_t depth = 99;

	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 0, &depth) == -ENOENT);
	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 2, &depth) == 0 &&
	      depth == 0);
	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 8, &depth) == 0 &&
	      depth == 1);
	/* Bytes 30 and 50, the first and last of the inner with's body. */
	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 15, &depth) == 0 &&
	      depth == 2);
	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 25, &depth) == 0 &&
	      depth == 2);
	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 26, &depth) == 0 &&
	      depth == 1);
	/* The last entry, 156 to 156 (unit 78), and past it. */
	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 78, &depth) == 0 &&
	      depth == 1);
	CHECK(python_withlock_exctable_depth(h_table, sizeof(h_table), 79, &depth) == -ENOENT);
	/* Cut inside an entry, and a varint that never ends. */
	CHECK(python_withlock_exctable_depth(h_table, 6, 40, &depth) == -EINVAL);
	static const unsigned char endless[] = {0x80, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f};
	CHECK(python_withlock_exctable_depth(endless, sizeof(endless), 1, &depth) == -EINVAL);
	CHECK(python_withlock_exctable_depth(NULL, 0, 1, &depth) == -ENOENT);
}

static void
test_block_depth(void)
{
	/* PyTryBlock {b_type, b_handler, b_level}: a try at level 0, a with at
	 * 1, another at 3. */
	const int32_t blocks[] = {122, 40, 0, 122, 60, 1, 122, 80, 3};

	CHECK(python_withlock_block_depth((const unsigned char *)blocks, sizeof(blocks), 3, 12,
	                                  8) == 3);
	CHECK(python_withlock_block_depth((const unsigned char *)blocks, sizeof(blocks), 2, 12,
	                                  8) == 1);
	CHECK(python_withlock_block_depth((const unsigned char *)blocks, sizeof(blocks), 0, 12,
	                                  8) == 0);
	/* More blocks claimed than bytes given, a level outside the block. */
	CHECK(python_withlock_block_depth((const unsigned char *)blocks, 20, 3, 12, 8) == 0);
	CHECK(python_withlock_block_depth((const unsigned char *)blocks, sizeof(blocks), 1000, 12,
	                                  8) == 3);
	CHECK(python_withlock_block_depth((const unsigned char *)blocks, sizeof(blocks), 3, 12,
	                                  10) == 0);
}

static void
test_held_312(void)
{
	const struct python_layout *l = python_layout_for(3, 12);
	uint64_t locks[4] = {0};

	if (!CHECK(l != NULL))
		return;
	/* In f's with body (the call of g(), byte 34): __exit__ at the
	 * block's depth 1, a str above it. */
	const uint64_t body[] = {EXIT, STR};
	iframe(l, f_table, sizeof(f_table), body, 2);
	CHECK(held(l, 34, locks, 4) == 1 && locks[0] == LOCK);
	/* At BEFORE_WITH (byte 16), still entering: not held. */
	CHECK(held(l, 16, locks, 4) == 0);
	/* No room for what is found. */
	CHECK(held(l, 34, locks, 0) == 0);
	/* The lock's own slot below the depth, and a str there instead. */
	const uint64_t other[] = {STR, EXIT};
	iframe(l, f_table, sizeof(f_table), other, 2);
	CHECK(held(l, 34, locks, 4) == 0);
	/* A table that claims more depth than the memory has. */
	static const unsigned char deep[] = {0x80, 40, 10, 0x43, 0x7f};
	iframe(l, deep, sizeof(deep), body, 2);
	CHECK(held(l, 34, locks, 4) == 0);
}

static void
test_held_310(void)
{
	const struct python_layout *l = python_layout_for(3, 10);
	uint64_t locks[4] = {0};

	if (!CHECK(l != NULL))
		return;
	objects(l);
	fake_put_u64(space, FRAME + (uint64_t)l->frame.f_valuestack, VALUESTACK);
	fake_put_u64(space, VALUESTACK, EXIT);
	fake_put_u64(space, VALUESTACK + 8, STR);
	put_i32(FRAME + (uint64_t)l->frame.f_iblock, 1);
	put_i32(FRAME + (uint64_t)l->frame.f_blockstack + l->frame.b_level, 1);
	CHECK(held(l, 10, locks, 4) == 1 && locks[0] == LOCK);
	/* No block set up yet: __enter__ is still running. */
	put_i32(FRAME + (uint64_t)l->frame.f_iblock, 0);
	CHECK(held(l, 10, locks, 4) == 0);
	/* A block stack that claims more blocks than CO_MAXBLOCKS. */
	put_i32(FRAME + (uint64_t)l->frame.f_iblock, 1 << 30);
	CHECK(held(l, 10, locks, 4) == 1);
}

static void
test_held_314(void)
{
	const struct python_layout *l = python_layout_for(3, 14);
	/* 3.14's with keeps __exit__ and the lock itself: depth 2. */
	static const unsigned char table[] = {0x80, 10, 20, 5};
	const uint64_t body[] = {STR | 1, LOCK | 1, (7u << 2) | 3};
	uint64_t locks[4] = {0};

	if (!CHECK(l != NULL))
		return;
	iframe(l, table, sizeof(table), body, 3);
	CHECK(held(l, 8, locks, 4) == 1 && locks[0] == LOCK);
	CHECK(held(l, 20, locks, 4) == 0);
}

static void
test_rlock27(void)
{
	const struct python_layout *l = python_layout_for(2, 7);
	struct python_target t = {0};
	struct python_raw_frame f = {.code = CODE, .offset = 10, .addr = FRAME};
	struct python_raw_thread th = {.frames = &f, .nframes = 1};
	struct python_withlock_cache *cache;
	uint64_t locks[4] = {0};

	if (!CHECK(l != NULL))
		return;
	t.layout = *l;
	/* An _RLock (a Python class) and its __exit__ bound to it, in a with
	 * block of the frame. */
	memset(space, 0, sizeof(space));
	fake_put_object(space, l, LOCK, LOCK_TYPE, NAMES, "_RLock");
	fake_put_object(space, l, EXIT, METHOD_TYPE, NAMES + 32, "instancemethod");
	fake_put_u64(space, EXIT + (uint64_t)l->object.ob_type + 16, LOCK); /* im_self */
	fake_put_u64(space, FRAME + (uint64_t)l->frame.f_valuestack, VALUESTACK);
	fake_put_u64(space, VALUESTACK, EXIT);
	put_i32(FRAME + (uint64_t)l->frame.f_iblock, 1);
	put_i32(FRAME + (uint64_t)l->frame.f_blockstack + l->frame.b_level, 1);
	cache = python_withlock_cache_new();
	CHECK(python_withlock_held(&t, &mem, cache, &th, locks, 4) == 1 && locks[0] == LOCK);
	/* Its acquire()'s frame: self is the RLock waited for. */
	CHECK(python_withlock_rlock27(&t, &mem, cache, &th) == 0);
	fake_put_u64(space, FRAME + (uint64_t)l->frame.f_localsplus, LOCK);
	CHECK(python_withlock_rlock27(&t, &mem, cache, &th) == LOCK);
	/* Not on 3.x. */
	t.layout = *python_layout_for(3, 12);
	CHECK(python_withlock_rlock27(&t, &mem, cache, &th) == 0);
	python_withlock_cache_free(cache);
}

static void
test_futex(void)
{
	const struct python_layout *l = python_layout_for(3, 12);
	struct python_target t = {0};
	uint64_t inner;

	if (!CHECK(l != NULL))
		return;
	t.layout = *l;
	inner = LOCK + (uint64_t)l->object.ob_type + 8;
	objects(l);
	/* The lock keeps its semaphore's address. */
	fake_put_u64(space, inner, SEM);
	CHECK(python_withlock_is_futex(&t, &mem, LOCK, SEM));
	CHECK(!python_withlock_is_futex(&t, &mem, LOCK, SEM + 8));
	/* A PyMutex: the waiter's wait_entry names it before its semaphore. */
	fake_put_u64(space, inner, 0);
	fake_put_u64(space, SEM + 0x40 - 8, inner);
	CHECK(python_withlock_is_futex(&t, &mem, LOCK, SEM + 0x40));
	CHECK(!python_withlock_is_futex(&t, &mem, LOCK, SEM));
	CHECK(!python_withlock_is_futex(&t, &mem, LOCK, 0));
}

int
main(void)
{
	test_exctable();
	test_block_depth();
	test_held_312();
	test_held_310();
	test_held_314();
	test_rlock27();
	test_futex();
	return check_done("python_withlock");
}
