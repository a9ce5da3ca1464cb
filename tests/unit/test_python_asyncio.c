/* The asyncio task reader (python_asyncio) over a fake address space laid
 * out as CPython 3.12 keeps tasks and coroutines: a task whose coroutine
 * chain loops (each coroutine awaiting itself, or two awaiting each other)
 * ends at the depth bound, marked cut; garbage pointers (a task, a
 * coroutine, a code object that cannot be read, a state no version has)
 * give an unknown or cut task, never a crash; a stack depth far past the
 * object is not followed; a task awaiting a task (and itself) is linked. */
#include "../fake_memory.h"
#include "check.h"
#include "probes/python_asyncio.h"
#include "probes/python_namer.h"

#include <stdlib.h>

#define SPACE 65536

#define TASK_TYPE (FAKE_BASE + 0x100)
#define CORO_TYPE (FAKE_BASE + 0x200)
#define CODE      (FAKE_BASE + 0x300)
/* Objects, 0x800 apart (a coroutine with its inline frame fits in 512). */
#define OBJ(i)   (FAKE_BASE + 0x1000 + 0x800 * (uint64_t)(i))
#define UNMAPPED 0x7000000000ull

static uint8_t space[SPACE];
static struct fake_memory fake = {space, SPACE};
static const struct python_memory mem = {fake_read, &fake, NULL};
static struct python_target target;
static const struct python_asyncio_layout *al;

static void
put32(uint64_t addr, int32_t v)
{
	memcpy(space + (addr - FAKE_BASE), &v, sizeof(v));
}

static void
put8(uint64_t addr, int8_t v)
{
	memcpy(space + (addr - FAKE_BASE), &v, sizeof(v));
}

/* A pending task at task running coroutine coro, waiting on fut_waiter. */
static void
put_task(uint64_t task, uint64_t coro, uint64_t fut_waiter)
{
	fake_put_u64(space, task + (uint64_t)target.layout.object.ob_type, TASK_TYPE);
	fake_put_u64(space, task + (uint64_t)al->task.coro, coro);
	fake_put_u64(space, task + (uint64_t)al->task.fut_waiter, fut_waiter);
	put32(task + (uint64_t)al->task.state, 0);
}

/* A coroutine suspended in an await of awaited (3.11+: its frame inline,
 * the awaited object on top of its value stack, depth slots deep). */
static void
put_coro(uint64_t coro, uint64_t awaited, int32_t depth)
{
	const struct python_layout *l = &target.layout;
	uint64_t frame = coro + (uint64_t)l->gen.gi_iframe;

	fake_put_u64(space, coro + (uint64_t)l->object.ob_type, CORO_TYPE);
	fake_put_u64(space, frame + (uint64_t)l->iframe.code, CODE);
	put8(coro + (uint64_t)al->coro.state, (int8_t)al->coro.state_suspended);
	put32(coro + (uint64_t)al->coro.stack_top, depth);
	fake_put_u64(space,
	             coro + (uint64_t)al->coro.stack_top_base +
	                 8 * (uint64_t)(depth - al->coro.stack_top_slot),
	             awaited);
}

static void
read_tasks(const uint64_t *addrs, size_t n, struct python_task **out)
{
	const uint64_t task_types[] = {TASK_TYPE};
	const struct python_asyncio_types types = {.task_types = task_types, .ntask_types = 1};
	struct python_namer *namer = python_namer_new(&target, &mem);

	python_asyncio_read(&target, al, &mem, namer, &types, addrs, n, out);
	python_namer_free(namer);
}

static void
test_loops(void)
{
	struct python_task *t;
	const uint64_t addrs[] = {OBJ(0), OBJ(2)};

	/* Task 0: a coroutine awaiting itself. Task 2: two awaiting each other. */
	put_task(OBJ(0), OBJ(1), 0);
	put_coro(OBJ(1), OBJ(1), 1);
	put_task(OBJ(2), OBJ(3), 0);
	put_coro(OBJ(3), OBJ(4), 2);
	put_coro(OBJ(4), OBJ(3), 1);
	read_tasks(addrs, 2, &t);
	for (size_t i = 0; i < 2; i++) {
		CHECK(t[i].state == PYTHON_TASK_SCHEDULED);
		CHECK(t[i].nframes == PYTHON_ASYNCIO_MAX_DEPTH);
		CHECK(t[i].truncated);
	}
	CHECK(t[0].frames[0].code == CODE &&
	      t[0].frames[0].addr == OBJ(1) + (uint64_t)target.layout.gen.gi_iframe);
	python_asyncio_tasks_free(t, 2);
}

static void
test_garbage(void)
{
	struct python_task *t;
	/* An unmapped task; a misaligned one; a coroutine unmapped; a code
	 * pointer of 0; a state no version has; a depth far past the object
	 * (read fails: the chain ends there, uncut); a negative depth. */
	const uint64_t addrs[] = {UNMAPPED, OBJ(5) + 3, OBJ(6), OBJ(7), OBJ(9), OBJ(10), OBJ(12)};

	put_task(OBJ(6), UNMAPPED, 0);
	put_task(OBJ(7), OBJ(8), 0);
	put_coro(OBJ(8), 0, 1);
	fake_put_u64(space,
	             OBJ(8) + (uint64_t)target.layout.gen.gi_iframe +
	                 (uint64_t)target.layout.iframe.code,
	             0);
	put_task(OBJ(9), OBJ(8), 0);
	put32(OBJ(9) + (uint64_t)al->task.state, 7);
	put_task(OBJ(10), OBJ(11), 0);
	put_coro(OBJ(11), 0, 1);
	put32(OBJ(11) + (uint64_t)al->coro.stack_top, 65000);
	put_task(OBJ(12), OBJ(13), 0);
	put_coro(OBJ(13), 0, 1);
	put32(OBJ(13) + (uint64_t)al->coro.stack_top, -5);
	read_tasks(addrs, 7, &t);
	CHECK(t[0].state == PYTHON_TASK_UNKNOWN && t[0].nframes == 0);
	CHECK(t[1].nframes == 0);
	CHECK(t[2].nframes == 0 && t[2].truncated);
	CHECK(t[3].nframes == 0 && t[3].truncated);
	CHECK(t[4].state == PYTHON_TASK_UNKNOWN && t[4].nframes == 0);
	CHECK(t[5].nframes == 1 && !t[5].truncated);
	CHECK(t[6].nframes == 1 && !t[6].truncated);
	python_asyncio_tasks_free(t, 7);
}

static void
test_awaits_task(void)
{
	struct python_task *t;
	const uint64_t addrs[] = {OBJ(20), OBJ(22), OBJ(24)};

	/* 20 waits on task 22, 22 on itself, 24 on an object of no known kind
	 * (a future: its type is neither a task's nor a gather's). */
	put_task(OBJ(20), OBJ(21), OBJ(22));
	put_coro(OBJ(21), 0, 1);
	put_task(OBJ(22), OBJ(23), OBJ(22));
	put_coro(OBJ(23), 0, 1);
	put_task(OBJ(24), OBJ(25), OBJ(26));
	put_coro(OBJ(25), 0, 1);
	fake_put_u64(space, OBJ(26) + (uint64_t)target.layout.object.ob_type, CORO_TYPE + 8);
	read_tasks(addrs, 3, &t);
	CHECK(t[0].state == PYTHON_TASK_WAITING && t[0].awaits == PYTHON_AWAITS_TASK);
	CHECK(t[0].nawaits_tasks == 1 && t[0].awaits_tasks[0] == OBJ(22));
	CHECK(t[1].awaits == PYTHON_AWAITS_TASK && t[1].nawaits_tasks == 1 &&
	      t[1].awaits_tasks[0] == OBJ(22));
	CHECK(t[2].awaits == PYTHON_AWAITS_FUTURE && t[2].awaits_object == OBJ(26) &&
	      t[2].nawaits_tasks == 0);
	python_asyncio_tasks_free(t, 3);
}

int
main(void)
{
	const struct python_layout *l = python_layout_for(3, 12);

	al = python_asyncio_layout_for(3, 12);
	if (!CHECK(l != NULL && al != NULL))
		return check_done("test_python_asyncio");
	target.pid = 1;
	target.layout = *l;
	test_loops();
	test_garbage();
	test_awaits_task();
	CHECK(python_asyncio_layout_for(2, 7) == NULL);
	return check_done("test_python_asyncio");
}
