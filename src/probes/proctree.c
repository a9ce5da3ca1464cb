/* A process and its descendants, by the parent each process names. */
#include "proctree.h"

#include "../xmalloc.h"
#include "procfs_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
proctree_link_cmp(const void *a, const void *b)
{
	const struct proctree_link *x = a, *y = b;

	return x->ppid != y->ppid ? (x->ppid > y->ppid) - (x->ppid < y->ppid)
	                          : (x->pid > y->pid) - (x->pid < y->pid);
}

/* The first of sorted (n, by parent) whose parent is ppid: n when none. */
static size_t
proctree_first_child(const struct proctree_link *sorted, size_t n, int ppid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid].ppid < ppid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
proctree_build(const struct proctree_link *links, size_t n, int root, size_t max, int *pids,
               bool *capped)
{
	struct proctree_link *sorted;
	size_t count = 0;
	bool cut = false;

	if (capped != NULL)
		*capped = false;
	if (max == 0)
		return 0;
	sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	if (n > 0)
		memcpy(sorted, links, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), proctree_link_cmp);
	/* A PID is listed through its link, whose pid is then set to 0 (the
	 * sort by parent stays); the root's link is spent from the start, so
	 * that a loop (a PID reused while listed) cannot list it again. Each
	 * PID then comes once, as a listing sees one parent per process, and
	 * the whole costs O(n log n) however large the cap. */
	for (size_t i = 0; i < n; i++)
		if (sorted[i].pid == root)
			sorted[i].pid = 0;
	pids[count++] = root;
	/* Breadth first: pids[] is the queue; each entry's children (a run
	 * of the links sorted by parent) are appended after it. */
	for (size_t head = 0; head < count && !cut; head++) {
		for (size_t i = proctree_first_child(sorted, n, pids[head]);
		     i < n && sorted[i].ppid == pids[head]; i++) {
			if (sorted[i].pid == 0)
				continue;
			if (count == max) {
				cut = true;
				break;
			}
			pids[count++] = sorted[i].pid;
			sorted[i].pid = 0;
		}
	}
	free(sorted);
	if (capped != NULL)
		*capped = cut;
	return count;
}

ssize_t
proctree_list(const struct procfs *fs, int root, size_t max, int **pids, bool *capped)
{
	struct proctree_link *links;
	size_t nlinks = 0;
	int *all = NULL;
	ssize_t nall;
	struct procfs_stat st;
	int err;

	*pids = NULL;
	if ((err = procfs_read_task_stat(fs, root, root, &st)) != 0)
		return procfs_is_gone(err) ? -ESRCH : err;
	nall = procfs_list_ids(fs, ".", &all);
	if (nall < 0)
		return nall;
	links = xcalloc((size_t)nall + 1, sizeof(*links));
	for (ssize_t i = 0; i < nall; i++) {
		/* Gone since listed: not part of the tree any more. */
		if (procfs_read_task_stat(fs, all[i], all[i], &st) != 0)
			continue;
		links[nlinks++] = (struct proctree_link){all[i], st.ppid};
	}
	free(all);
	*pids = xcalloc(max ? max : 1, sizeof(**pids));
	nall = (ssize_t)proctree_build(links, nlinks, root, max, *pids, capped);
	free(links);
	return nall;
}

char *
proctree_capped_message(int root, size_t max, char *buf, size_t size)
{
	snprintf(buf, size,
	         "the tree of %d has more than %zu processes: only the first %zu are followed "
	         "(--max-processes raises the cap)",
	         root, max, max);
	return buf;
}
