/* The awaited-by graph of stacktop tasks (task_graph): links resolved to
 * the tasks of the report (a link to a task not in it dropped), the tree's
 * roots, cycles of two and three tasks and a task awaiting itself found
 * once each, and a chain of 10,000 tasks and a ring of 10,000 built without
 * recursion (a recursive search would overflow the stack under ASan); a
 * second look keeps only the rings it finds again. */
#include "check.h"
#include "task_graph.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A report of n tasks at addresses 0x1000 + 0x100·i, in reverse order of
 * address (task_graph_build sorts them), none awaiting anything yet. */
static struct tasks_report *
report_new(size_t n)
{
	struct tasks_report *r = xcalloc(1, sizeof(*r));

	r->tasks = xcalloc(n ? n : 1, sizeof(*r->tasks));
	r->ntasks = n;
	for (size_t i = 0; i < n; i++) {
		struct task_row *t = &r->tasks[n - 1 - i];

		t->addr = 0x1000 + 0x100 * (uint64_t)i;
		t->name = xmalloc(32);
		snprintf(t->name, 32, "task-%zu", i);
		t->state = "waiting";
		t->awaits = "";
	}
	return r;
}

static uint64_t
addr_of(size_t i)
{
	return 0x1000 + 0x100 * (uint64_t)i;
}

/* Task i (by number, before sorting) awaits task j (or any address). */
static void
await_addr(struct tasks_report *r, size_t i, uint64_t addr)
{
	struct task_row *t = &r->tasks[r->ntasks - 1 - i];

	t->awaits_addrs = xreallocarray(t->awaits_addrs, t->nawaits_addrs + 1, sizeof(uint64_t));
	t->awaits_addrs[t->nawaits_addrs++] = addr;
	t->awaits = "task";
}

/* After task_graph_build the tasks are sorted by address: task i is at i. */
static void
test_tree(void)
{
	struct tasks_report *r = report_new(5);

	/* 0 awaits 1 and 2 (a gather), 2 awaits 3, 4 awaits a task gone. */
	await_addr(r, 0, addr_of(1));
	await_addr(r, 0, addr_of(2));
	await_addr(r, 2, addr_of(3));
	await_addr(r, 4, 0xdead000);
	task_graph_build(r);
	for (size_t i = 0; i < 5; i++)
		CHECK(r->tasks[i].addr == addr_of(i));
	CHECK(r->ncycles == 0);
	CHECK(r->tasks[0].nawaits_tasks == 2 && r->tasks[0].awaits_tasks[0] == 1 &&
	      r->tasks[0].awaits_tasks[1] == 2);
	CHECK(r->tasks[1].nawaited_by == 1 && r->tasks[1].awaited_by[0] == 0);
	CHECK(r->tasks[3].nawaited_by == 1 && r->tasks[3].awaited_by[0] == 2);
	CHECK(r->tasks[4].nawaits_tasks == 0);
	CHECK(task_graph_is_root(r, 0) && !task_graph_is_root(r, 1) && !task_graph_is_root(r, 3));
	CHECK(task_graph_is_root(r, 4));
	for (size_t i = 0; i < 5; i++)
		CHECK(!r->tasks[i].in_cycle);
	tasks_report_free(r);
}

static bool
cycle_is(const struct tasks_report *r, size_t k, const size_t *want, size_t n)
{
	const struct task_cycle *c = &r->cycles[k];

	if (c->n != n)
		return false;
	/* The ring may start anywhere: find want[0], then follow. */
	for (size_t s = 0; s < n; s++) {
		if (c->tasks[s] != want[0])
			continue;
		for (size_t m = 0; m < n; m++)
			if (c->tasks[(s + m) % n] != want[m])
				return false;
		return true;
	}
	return false;
}

static void
test_cycles(void)
{
	struct tasks_report *r = report_new(8);

	/* 0 ⇄ 1; 2 → 3 → 4 → 2; 5 awaits itself; 6 awaits 0 (into a cycle,
	 * not in it); 7 alone. */
	await_addr(r, 0, addr_of(1));
	await_addr(r, 1, addr_of(0));
	await_addr(r, 2, addr_of(3));
	await_addr(r, 3, addr_of(4));
	await_addr(r, 4, addr_of(2));
	await_addr(r, 5, addr_of(5));
	await_addr(r, 6, addr_of(0));
	task_graph_build(r);
	if (CHECK(r->ncycles == 3)) {
		CHECK(cycle_is(r, 0, (const size_t[]){0, 1}, 2));
		CHECK(cycle_is(r, 1, (const size_t[]){2, 3, 4}, 3));
		CHECK(cycle_is(r, 2, (const size_t[]){5}, 1));
	}
	for (size_t i = 0; i < 6; i++)
		CHECK(r->tasks[i].in_cycle);
	CHECK(!r->tasks[6].in_cycle && !r->tasks[7].in_cycle);
	CHECK(r->tasks[5].nawaited_by == 1 && r->tasks[5].awaited_by[0] == 5);
	CHECK(task_graph_is_root(r, 6) && task_graph_is_root(r, 7) && !task_graph_is_root(r, 0));
	tasks_report_free(r);
}

/* The same link read twice (a gather listing one task twice) is one edge
 * in the cycle search: still one cycle. */
static void
test_duplicate_links(void)
{
	struct tasks_report *r = report_new(2);

	await_addr(r, 0, addr_of(1));
	await_addr(r, 0, addr_of(1));
	await_addr(r, 1, addr_of(0));
	task_graph_build(r);
	CHECK(r->ncycles == 1);
	tasks_report_free(r);
}

#define LONG_CHAIN 10000

static void
test_long_chain(bool ring)
{
	struct tasks_report *r = report_new(LONG_CHAIN);

	for (size_t i = 0; i + 1 < LONG_CHAIN; i++)
		await_addr(r, i, addr_of(i + 1));
	if (ring)
		await_addr(r, LONG_CHAIN - 1, addr_of(0));
	task_graph_build(r);
	if (ring) {
		CHECK(r->ncycles == 1 && r->cycles[0].n == LONG_CHAIN);
		CHECK(r->tasks[0].in_cycle && r->tasks[LONG_CHAIN - 1].in_cycle);
	} else {
		CHECK(r->ncycles == 0);
		CHECK(task_graph_is_root(r, 0) && !task_graph_is_root(r, LONG_CHAIN - 1));
		CHECK(r->tasks[LONG_CHAIN - 1].awaited_by[0] == LONG_CHAIN - 2);
	}
	tasks_report_free(r);
}

static void
test_empty(void)
{
	struct tasks_report *r = report_new(0);

	task_graph_build(r);
	CHECK(r->ncycles == 0);
	tasks_report_free(r);
	tasks_report_free(NULL);
}

static void
test_natural_order(void)
{
	CHECK(task_graph_name_compare("worker-2", "worker-10") < 0);
	CHECK(task_graph_name_compare("worker-10", "worker-2") > 0);
	CHECK(task_graph_name_compare("worker-10", "worker-10") == 0);
	CHECK(task_graph_name_compare("a", "b") < 0);
	CHECK(task_graph_name_compare("Task-9", "Task-10") < 0);
	CHECK(task_graph_name_compare("task-99", "worker-1") < 0);
	/* Leading zeros: "007" is seven, after "6", before "08"'s… eight. */
	CHECK(task_graph_name_compare("job-6", "job-007") < 0);
	CHECK(task_graph_name_compare("job-007", "job-08") < 0);
	/* A number that overflows 64 bits still compares by its digits. */
	CHECK(task_graph_name_compare("n-99999999999999999999999", "n-100000000000000000000000") <
	      0);
	/* Unnamed tasks after named ones. */
	CHECK(task_graph_name_compare(NULL, "a") > 0 && task_graph_name_compare("a", NULL) < 0);
	CHECK(task_graph_name_compare(NULL, NULL) == 0);
}

/* Two rings (0 <-> 1, 2 <-> 3); a second look with only the first, its
 * tasks listed in another order: the second ring and its tasks' in_cycle
 * go. No second look (NULL): none is kept. */
static void
test_confirm(void)
{
	struct tasks_report *r = report_new(4), *again = report_new(4);

	await_addr(r, 0, addr_of(1));
	await_addr(r, 1, addr_of(0));
	await_addr(r, 2, addr_of(3));
	await_addr(r, 3, addr_of(2));
	task_graph_build(r);
	CHECK(r->ncycles == 2);
	await_addr(again, 1, addr_of(0));
	await_addr(again, 0, addr_of(1));
	await_addr(again, 2, addr_of(3)); /* 3 now awaits nothing: no ring */
	task_graph_build(again);
	CHECK(again->ncycles == 1);
	CHECK(task_graph_confirm(r, again) == 1);
	CHECK(r->ncycles == 1 && r->cycles[0].n == 2);
	CHECK(r->tasks[0].in_cycle && r->tasks[1].in_cycle);
	CHECK(!r->tasks[2].in_cycle && !r->tasks[3].in_cycle);
	CHECK(task_graph_confirm(r, NULL) == 1 && r->ncycles == 0 && !r->tasks[0].in_cycle);
	tasks_report_free(again);
	tasks_report_free(r);
}

int
main(void)
{
	test_tree();
	test_cycles();
	test_duplicate_links();
	test_long_chain(false);
	test_long_chain(true);
	test_empty();
	test_natural_order();
	test_confirm();
	return check_done("test_task_graph");
}
