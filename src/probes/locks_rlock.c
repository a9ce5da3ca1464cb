#include "locks_rlock.h"

#include "../xmalloc.h"
#include "procfs_parse.h"
#include "ptrace.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* glibc's struct pthread is smaller than this, and its tid is well inside. */
#define PTHREAD_SCAN_BYTES 2048
/* The memory is read in blocks of this size. */
#define SCAN_BLOCK (1u << 20)

int
locks_rlock_fields_match(const uint64_t words[4])
{
	return words[0] != 0 && words[0] % 8 == 0 && words[2] != 0 && words[3] >= 1 &&
	       words[3] < (1u << 31);
}

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int
locks_rlock_tid_of_ident(const struct python_memory *mem, uint64_t ident, const int *tids,
                         size_t ntids)
{
	unsigned char buf[PTHREAD_SCAN_BYTES];
	int found = 0;

	if (ident == 0 || mem->read(mem->arg, ident, buf, sizeof(buf)) != 0)
		return 0;
	/* The tid field is an int somewhere in the struct: take it when one
	 * live TID of the process, and only one, appears there. */
	for (size_t at = 0; at + sizeof(int) <= sizeof(buf); at += sizeof(int)) {
		int v;

		memcpy(&v, buf + at, sizeof(v));
		for (size_t i = 0; i < ntids && v > 0; i++) {
			if (tids[i] != v)
				continue;
			if (found != 0 && found != v)
				return 0;
			found = v;
		}
	}
	return found;
}

/* Whether the type at addr is named "_thread.RLock". */
static bool
locks_rlock_is_type(const struct python_memory *mem, uint64_t type, uint64_t tp_name_at)
{
	static const char want[] = "_thread.RLock";
	char name[sizeof(want)];
	uint64_t name_at;

	return mem->read(mem->arg, type + tp_name_at, &name_at, sizeof(name_at)) == 0 &&
	       mem->read(mem->arg, name_at, name, sizeof(name)) == 0 &&
	       memcmp(name, want, sizeof(want)) == 0;
}

/* Scans one block of memory copied from address base for RLocks whose lock
 * is one of futexes[0..n) (sorted); sets owner_at[i] for those found.
 * Returns how many are still missing. */
static size_t
locks_rlock_scan_block(const struct python_memory *mem, uint64_t base, const unsigned char *block,
                       size_t len, const uint64_t *futexes, size_t n, uint64_t tp_name_at,
                       uint64_t *owner_at, size_t missing)
{
	for (size_t at = 8; at + 3 * sizeof(uint64_t) <= len && missing > 0; at += 8) {
		uint64_t words[4];
		const uint64_t *hit;

		memcpy(&words[1], block + at, sizeof(uint64_t));
		hit = bsearch(&words[1], futexes, n, sizeof(*futexes), compare_u64);
		if (hit == NULL || owner_at[hit - futexes] != 0)
			continue;
		memcpy(words, block + at - 8, sizeof(words));
		if (locks_rlock_fields_match(words) &&
		    locks_rlock_is_type(mem, words[0], tp_name_at)) {
			owner_at[hit - futexes] = base + at + 8;
			missing--;
		}
	}
	return missing;
}

void
locks_rlock_find(int pid, const char *maps, size_t maps_len, const uint64_t *futexes,
                 size_t nfutexes, uint64_t tp_name_at, uint64_t *owners_at)
{
	struct python_memory mem = {python_memory_live, &pid, python_memory_live_v};
	struct procfs_map *m;
	size_t nmaps = procfs_parse_maps(maps, maps_len, &m), budget = LOCKS_RLOCK_SCAN_MAX;
	unsigned char *block = xmalloc(SCAN_BLOCK);
	size_t n = nfutexes, missing = 0;
	uint64_t *sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	uint64_t *idents = xcalloc(n ? n : 1, sizeof(*idents));

	/* Sorted and without repeats (two threads may wait for one RLock). */
	memcpy(sorted, futexes, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), compare_u64);
	for (size_t i = 0; i < n; i++)
		if (missing == 0 || sorted[missing - 1] != sorted[i])
			sorted[missing++] = sorted[i];
	n = missing;

	for (size_t i = 0; i < nmaps && missing > 0 && budget > 0; i++) {
		bool anon = m[i].path[0] == '\0' || strcmp(m[i].path, "[heap]") == 0;

		if (!anon || strcmp(m[i].perms, "rw-p") != 0)
			continue;
		/* Blocks overlap by a few words, so that an object across a
		 * boundary is seen whole in one of them. */
		for (uint64_t at = m[i].start; at < m[i].end && missing > 0 && budget > 0;) {
			size_t len =
			    m[i].end - at < SCAN_BLOCK ? (size_t)(m[i].end - at) : SCAN_BLOCK;
			ssize_t got = ptrace_read_memory(pid, at, block, len);

			if (got <= 0)
				break;
			missing = locks_rlock_scan_block(&mem, at, block, (size_t)got, sorted, n,
			                                 tp_name_at, idents, missing);
			budget = budget > (size_t)got ? budget - (size_t)got : 0;
			if ((size_t)got < len || at + (uint64_t)got >= m[i].end)
				break;
			at += (uint64_t)got - 32;
		}
	}
	for (size_t i = 0; i < nfutexes; i++) {
		const uint64_t *hit = bsearch(&futexes[i], sorted, n, sizeof(*sorted), compare_u64);

		owners_at[i] = hit != NULL ? idents[hit - sorted] : 0;
	}
	free(sorted);
	free(idents);
	free(block);
	free(m);
}
