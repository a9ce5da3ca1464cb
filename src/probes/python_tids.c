#include "python_tids.h"

#include "../xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* How much of glibc's struct pthread we read at once (it sits at the top of
 * its thread's stack: no more than fits there). */
#define PYTHON_PTHREAD_BYTES 1024
/* glibc's struct pthread keeps the tid here on x86-64 since 2.28: tried
 * first, and preferred when several offsets fit. */
#define PYTHON_GLIBC_TID_OFFSET 0x2d0

/* Does offset off of every thread's struct pthread hold one of tids, and
 * the main thread's (pid) among them? */
static bool
python_tid_offset_fits(unsigned char **pt, size_t n, size_t off, const int *tids, size_t ntids,
                       int pid)
{
	bool main_seen = false;

	for (size_t i = 0; i < n; i++) {
		int32_t v;
		bool found = false;

		if (pt[i] == NULL)
			continue;
		memcpy(&v, pt[i] + off, sizeof(v));
		for (size_t k = 0; k < ntids && !found; k++)
			found = tids[k] == v;
		if (!found)
			return false;
		main_seen |= v == pid;
	}
	return main_seen;
}

/* The host id of the thread that calls itself id (inner ids: as the
 * process sees them, inside its PID namespace), or 0. */
static int
python_host_tid(int id, const int *tids, const int *inner, size_t ntids)
{
	for (size_t k = 0; k < ntids; k++)
		if (inner[k] == id)
			return tids[k];
	return 0;
}

void
python_tids_map(const struct python_target *t, const struct python_memory *mem,
                struct python_raw *r, const int *tids, const int *inner, size_t ntids)
{
	unsigned char **pt;
	size_t off;
	bool found;
	int main_inner = t->pid;

	if (inner == NULL)
		inner = tids;
	if (t->layout.thread.native_thread_id >= 0) {
		for (size_t i = 0; i < r->nthreads; i++)
			r->threads[i].tid = python_host_tid(r->threads[i].tid, tids, inner, ntids);
		return;
	}
	if (r->nthreads == 0)
		return;
	for (size_t k = 0; k < ntids; k++)
		if (tids[k] == t->pid)
			main_inner = inner[k];
	pt = xcalloc(r->nthreads, sizeof(*pt));
	for (size_t i = 0; i < r->nthreads; i++) {
		pt[i] = xmalloc(PYTHON_PTHREAD_BYTES);
		if (r->threads[i].pthread == 0 ||
		    mem->read(mem->arg, r->threads[i].pthread, pt[i], PYTHON_PTHREAD_BYTES) != 0) {
			free(pt[i]);
			pt[i] = NULL;
		}
	}
	off = PYTHON_GLIBC_TID_OFFSET;
	found = python_tid_offset_fits(pt, r->nthreads, off, inner, ntids, main_inner);
	for (size_t o = 0; !found && o + 4 <= PYTHON_PTHREAD_BYTES; o += 4) {
		found = python_tid_offset_fits(pt, r->nthreads, o, inner, ntids, main_inner);
		off = o;
	}
	for (size_t i = 0; i < r->nthreads; i++) {
		int32_t v;

		if (found && pt[i] != NULL) {
			memcpy(&v, pt[i] + off, sizeof(v));
			r->threads[i].tid = python_host_tid(v, tids, inner, ntids);
		}
		free(pt[i]);
	}
	free(pt);
}
