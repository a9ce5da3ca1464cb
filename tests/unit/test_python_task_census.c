/* The census of tasks record --async matches threads' stacks against
 * (python_task_census), over a fake address space laid out as CPython 3.12
 * keeps tasks: a thread whose stack holds a task's coroutine frame is in
 * that task (the innermost such frame when an eager task runs inside
 * another's step); a frame no task owns is in none; a task that finished,
 * or whose memory now holds another coroutine or name, is stale, never
 * believed; an unreadable task is stale; labels: the name, the coroutine's
 * function without one (3.6, 3.7), the address without either. */
#include "../fake_memory.h"
#include "check.h"
#include "probes/python_task_census.h"

#include <stdlib.h>

#define SPACE    65536
#define TASK(i)  (FAKE_BASE + 0x1000 + 0x400 * (uint64_t)(i))
#define CORO(i)  (FAKE_BASE + 0x8000 + 0x400 * (uint64_t)(i))
#define NAME(i)  (FAKE_BASE + 0xf000 + 0x40 * (uint64_t)(i))
#define UNMAPPED 0x7000000000ull

static uint8_t space[SPACE];
static struct fake_memory fake = {space, SPACE};
static const struct python_memory mem = {fake_read, &fake, NULL};
static const struct python_asyncio_layout *al;

/* Task i pending, running coroutine CORO(i) under name NAME(i). */
static void
put_task(int i, uint64_t coro, uint64_t name, int32_t state)
{
	fake_put_u64(space, TASK(i) + (uint64_t)al->task.coro, coro);
	fake_put_u64(space, TASK(i) + (uint64_t)al->task.name, name);
	fake_put(space, TASK(i) + (uint64_t)al->task.state, &state, sizeof(state));
}

static struct task_row
row(int i, const char *name, const char *function)
{
	struct task_row r = {.addr = TASK(i), .coro = CORO(i), .name_obj = NAME(i)};

	r.name = name != NULL ? (char *)name : NULL;
	if (function != NULL) {
		r.frames = calloc(1, sizeof(*r.frames));
		r.frames[0].function = (char *)function;
		r.nframes = 1;
	}
	/* The coroutine's frame: inline in it on 3.11+. */
	r.coro_frame = CORO(i) + 0x40;
	return r;
}

/* A thread whose frames (innermost first) are at addrs. */
static struct python_raw_thread
thread(const uint64_t *addrs, size_t n, struct python_raw_frame *room)
{
	for (size_t i = 0; i < n; i++)
		room[i] = (struct python_raw_frame){.code = 0x1234, .addr = addrs[i]};
	return (struct python_raw_thread){.frames = room, .nframes = n};
}

static void
test_find(void)
{
	struct task_row rows[4] = {row(0, "alpha", "alpha_main"), row(1, NULL, "beta_main"),
	                           row(2, NULL, NULL), row(3, "done", NULL)};
	struct tasks_report r = {.tasks = rows, .ntasks = 4};
	struct python_raw_frame room[8];
	const struct task_census_entry *e;
	struct task_census *c;

	rows[3].coro_frame = 0; /* done: no coroutine frame */
	for (int i = 0; i < 3; i++)
		put_task(i, CORO(i), NAME(i), 0);
	c = task_census_new(&r, al);
	CHECK(task_census_size(c) == 3);
	CHECK(task_census_new_since(c, NULL) == 3);
	CHECK(task_census_new_since(c, c) == 0);

	/* In alpha: its coroutine's frame under an awaited one's. */
	uint64_t in_alpha[] = {0x9999, CORO(0) + 0x40, 0x5555};
	struct python_raw_thread th = thread(in_alpha, 3, room);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_TASK);
	CHECK(e != NULL && e->task == TASK(0));
	CHECK_STR(e != NULL ? e->label : NULL, "task alpha");

	/* An eager task (1) running inside alpha's step: the innermost. */
	uint64_t eager[] = {0x9999, CORO(1) + 0x40, 0x7777, CORO(0) + 0x40};
	th = thread(eager, 4, room);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_TASK);
	CHECK(e != NULL && e->task == TASK(1));
	CHECK_STR(e != NULL ? e->label : NULL, "task beta_main()");

	/* Task 2 has neither name nor frames: its address. */
	uint64_t in_two[] = {CORO(2) + 0x40};
	char want[64];
	th = thread(in_two, 1, room);
	snprintf(want, sizeof(want), "task 0x%llx", (unsigned long long)TASK(2));
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_TASK);
	CHECK_STR(e != NULL ? e->label : NULL, want);

	/* No task's frame: none. */
	uint64_t plain[] = {0x9999, 0x5555};
	th = thread(plain, 2, room);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_NONE && e == NULL);
	CHECK(task_census_find(c, NULL, &mem, &e) == TASK_CENSUS_NONE);

	/* alpha finished; then its memory holds another coroutine; then
	 * another name: stale each time. */
	th = thread(in_alpha, 3, room);
	put_task(0, CORO(0), NAME(0), 2);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_STALE && e == NULL);
	put_task(0, CORO(5), NAME(0), 0);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_STALE);
	put_task(0, CORO(0), NAME(5), 0);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_STALE);
	put_task(0, CORO(0), NAME(0), 0);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_TASK);

	/* A census that knows a task at an address another had: new. */
	struct task_row moved[1] = {row(0, "alpha", NULL)};
	moved[0].addr = TASK(7);
	struct tasks_report r2 = {.tasks = moved, .ntasks = 1};
	struct task_census *c2 = task_census_new(&r2, al);
	CHECK(task_census_new_since(c2, c) == 1);
	task_census_free(c2);
	task_census_free(c);
	for (int i = 0; i < 4; i++)
		free(rows[i].frames);
}

static void
test_unreadable(void)
{
	struct task_row rows[1] = {row(0, "gone", NULL)};
	struct tasks_report r = {.tasks = rows, .ntasks = 1};
	struct python_raw_frame room[2];
	const struct task_census_entry *e;
	struct task_census *c;

	rows[0].addr = UNMAPPED;
	c = task_census_new(&r, al);
	uint64_t in_it[] = {CORO(0) + 0x40};
	struct python_raw_thread th = thread(in_it, 1, room);
	CHECK(task_census_find(c, &th, &mem, &e) == TASK_CENSUS_STALE && e == NULL);
	task_census_free(c);
	task_census_free(NULL);
}

int
main(void)
{
	al = python_asyncio_layout_for(3, 12);
	if (!CHECK(al != NULL))
		return check_done("test_python_task_census");
	test_find();
	test_unreadable();
	return check_done("test_python_task_census");
}
