/* The process tree from (pid, parent) links: order, the cap, loops. */
#include "check.h"
#include "proctree.h"

int
main(void)
{
	/* 1 ─ 10 ─ 11 (the tree of 10: a master, two workers, a grandchild),
	 * 20 apart; links in no order. */
	const struct proctree_link links[] = {
	    {1, 0}, {13, 10}, {10, 1}, {12, 10}, {20, 1}, {30, 12}, {11, 10},
	};
	const size_t n = sizeof(links) / sizeof(links[0]);
	int pids[8];
	bool capped = true;
	size_t got;

	got = proctree_build(links, n, 10, 8, pids, &capped);
	CHECK(got == 5 && !capped);
	CHECK(pids[0] == 10 && pids[1] == 11 && pids[2] == 12 && pids[3] == 13 && pids[4] == 30);

	/* The cap: the root and its first children, and it says so. */
	got = proctree_build(links, n, 10, 2, pids, &capped);
	CHECK(got == 2 && capped && pids[0] == 10 && pids[1] == 11);
	got = proctree_build(links, n, 10, 5, pids, &capped);
	CHECK(got == 5 && !capped);

	/* A leaf, and a root no link names: itself alone. */
	got = proctree_build(links, n, 30, 8, pids, &capped);
	CHECK(got == 1 && pids[0] == 30 && !capped);
	got = proctree_build(NULL, 0, 99, 8, pids, &capped);
	CHECK(got == 1 && pids[0] == 99);

	/* A loop (a PID reused while listed) ends, each PID once. */
	const struct proctree_link loop[] = {{2, 3}, {3, 2}, {4, 3}};
	got = proctree_build(loop, 3, 2, 8, pids, &capped);
	CHECK(got == 3 && pids[0] == 2 && pids[1] == 3 && pids[2] == 4);

	CHECK(proctree_build(links, n, 10, 0, pids, &capped) == 0);
	return check_done("proctree");
}
