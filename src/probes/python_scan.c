#include "python_scan.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static uint64_t
word_at(const unsigned char *bytes, size_t at)
{
	uint64_t w;

	memcpy(&w, bytes + at, sizeof(w));
	return w;
}

/* Reads the pointer at addr through mem, from the copy when it covers it. */
static bool
read_pointer(const struct python_memory *mem, uint64_t base, const unsigned char *bytes, size_t len,
             uint64_t addr, uint64_t *out)
{
	if (len >= sizeof(*out) && addr >= base && addr - base <= len - sizeof(*out)) {
		*out = word_at(bytes, (size_t)(addr - base));
		return true;
	}
	return mem->read(mem->arg, addr, out, sizeof(*out)) == 0;
}

/* How many thread states of a candidate interpreter are checked. */
#define PYTHON_SCAN_THREADS 16

/* Whether interp looks like a PyInterpreterState: its list of thread states
 * (up to PYTHON_SCAN_THREADS of them) all belong to it, the first has no
 * previous one, each has a thread id (and on 3.11+ a plausible TID), and
 * its next interpreter is NULL or aligned. An empty circular list head
 * (next and prev pointing to itself, as gc's are) fails the first two. */
static bool
is_interpreter(const struct python_layout *l, const struct python_memory *mem, uint64_t base,
               const unsigned char *bytes, size_t len, uint64_t interp)
{
	uint64_t tstate, next, v;

	if (interp == 0 || interp % sizeof(uint64_t) != 0)
		return false;
	if (!read_pointer(mem, base, bytes, len, interp + (uint64_t)l->interp.next, &next) ||
	    next % sizeof(uint64_t) != 0 || next == interp)
		return false;
	if (!read_pointer(mem, base, bytes, len, interp + (uint64_t)l->interp.threads_head,
	                  &tstate) ||
	    tstate == 0 || tstate == interp)
		return false;
	if (l->thread.prev >= 0 &&
	    (!read_pointer(mem, base, bytes, len, tstate + (uint64_t)l->thread.prev, &v) || v != 0))
		return false;
	for (int i = 0; tstate != 0 && i < PYTHON_SCAN_THREADS; i++) {
		if (tstate % sizeof(uint64_t) != 0 || tstate == interp ||
		    !read_pointer(mem, base, bytes, len, tstate + (uint64_t)l->thread.interp, &v) ||
		    v != interp ||
		    !read_pointer(mem, base, bytes, len, tstate + (uint64_t)l->thread.thread_id,
		                  &v) ||
		    v == 0)
			return false;
		/* A TID fits in 22 bits (PID_MAX_LIMIT). */
		if (l->thread.native_thread_id >= 0 &&
		    (!read_pointer(mem, base, bytes, len,
		                   tstate + (uint64_t)l->thread.native_thread_id, &v) ||
		     v == 0 || v > (1u << 22)))
			return false;
		if (!read_pointer(mem, base, bytes, len, tstate + (uint64_t)l->thread.next,
		                  &next) ||
		    next == tstate)
			return false;
		tstate = next;
	}
	return true;
}

int
python_scan_head(const struct python_layout *l, uint64_t addr, const unsigned char *bytes,
                 size_t len, const struct python_memory *mem, uint64_t *head)
{
	bool runtime = python_has_runtime(l->major, l->minor);
	size_t checks = 0;

	if (l->interp.threads_head < 0 || l->thread.interp < 0 ||
	    (runtime && l->runtime.interpreters_head < 0))
		return -ENOENT;
	/* The state is aligned, and so is every pointer in it. */
	for (size_t at = (8 - addr % 8) % 8; at + 2 * sizeof(uint64_t) <= len; at += 8) {
		uint64_t w = word_at(bytes, at);
		uint64_t where = addr + at;

		if (w == 0 || w % 8 != 0 || w == where)
			continue;
		/* interpreters.head, then interpreters.main: the same one. */
		if (runtime && word_at(bytes, at + 8) != w)
			continue;
		if (runtime && where < (uint64_t)l->runtime.interpreters_head)
			continue;
		if (++checks > PYTHON_SCAN_MAX_CHECKS)
			break;
		if (is_interpreter(l, mem, addr, bytes, len, w)) {
			*head = runtime ? where - (uint64_t)l->runtime.interpreters_head : where;
			return 0;
		}
	}
	return -ENOENT;
}
