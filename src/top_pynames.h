/* The live view's Python thread names: each Python process's threading
 * names, read from its memory without stopping it, kept and read again
 * every few seconds while its rows are drawn. */
#ifndef STACKTOP_TOP_PYNAMES_H
#define STACKTOP_TOP_PYNAMES_H

#include "probes/procfs.h"

struct top_pynames;

struct top_pynames *top_pynames_new(const struct procfs *fs);
void top_pynames_free(struct top_pynames *n);

/* The threading name of thread tid of process pid, or NULL (not Python, or
 * a thread without a name). The first ask for a process reads its names
 * (about 1 ms for a Python one, tens of microseconds to find another is
 * not); later asks read them again once they are older than a few
 * seconds. Borrowed until the next call. */
const char *top_pynames_get(struct top_pynames *n, int pid, int tid);

#endif
