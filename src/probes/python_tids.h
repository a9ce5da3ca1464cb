/* Which OS thread each Python thread state is: the host TIDs of the
 * threads python_stack_read found, from native_thread_id (3.11+) or glibc's
 * struct pthread (before), translated through NSpid when the process sits in
 * another PID namespace. */
#ifndef STACKTOP_PYTHON_TIDS_H
#define STACKTOP_PYTHON_TIDS_H

#include "python_find.h"
#include "python_memory.h"
#include "python_stack.h"

#include <stddef.h>

/* Sets tid of each thread: native_thread_id on 3.11+; before, the pthread_t
 * is the address of glibc's struct pthread, whose tid field is found by
 * trying offsets until every thread's lands on one of the process's
 * threads. tids[0..ntids) are those threads (from our /proc); inner[k] is
 * tids[k] as the process itself sees it (NSpid: inside a container the
 * interpreter knows its threads by their ids in its PID namespace), or
 * inner is NULL when they are the same. Threads left unmatched keep 0. */
void python_tids_map(const struct python_target *t, const struct python_memory *mem,
                     struct python_raw *r, const int *tids, const int *inner, size_t ntids);

#endif
