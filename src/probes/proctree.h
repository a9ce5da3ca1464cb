/* A process and its descendants (--tree): py-spy's --subprocesses, for a
 * master with its workers (gunicorn, multiprocessing pools).
 *
 * The tree is found by the parent each process names (PPid, field 4 of
 * /proc/PID/stat), listed anew each time it is asked for, so that a worker
 * replaced between two looks is found by the second. */
#ifndef STACKTOP_PROCTREE_H
#define STACKTOP_PROCTREE_H

#include "procfs.h"

#include <stdbool.h>
#include <stddef.h>

/* The least and the default of --max-processes. */
#define PROCTREE_MAX_DEFAULT 64

/* One process and the parent it names. */
struct proctree_link {
	int pid;
	int ppid;
};

/* Pure: from links (n of them, in any order, borrowed), the process root
 * and its descendants, root first then breadth first (children in the
 * order of their PIDs), at most max of them, into pids (the caller's
 * array of max). *capped (may be NULL) says whether some were left out.
 * A loop in the links (a PID reused while listed) ends: each PID is
 * listed once. Returns how many were written; 0 when max is 0. */
size_t proctree_build(const struct proctree_link *links, size_t n, int root, size_t max, int *pids,
                      bool *capped);

/* Lists root and its descendants as they are now, as proctree_build does,
 * reading every process's stat under fs. A process that ends while listed
 * is left out. Returns the count and *pids (owned, free with free()), or
 * -errno: -ESRCH when root itself does not exist. */
ssize_t proctree_list(const struct procfs *fs, int root, size_t max, int **pids, bool *capped);

/* The one line that says the cap was reached, without "stacktop: " and
 * newline, into buf (size bytes). Returns buf. */
char *proctree_capped_message(int root, size_t max, char *buf, size_t size);

#endif
