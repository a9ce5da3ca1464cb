/* libFuzzer harness for the lock decoder and the wait-for graph: the bytes
 * are a futex wait (operation, value, hint, offset of the word in the
 * window), the memory around it, and the same bytes read as edges of a
 * graph; then an exception table and a block stack, and a fake address
 * space (python version, memory) where a thread's frames hold with blocks;
 * and the same bytes as a pollfd array, fd_sets and an epoll's fdinfo.
 * Nothing may crash, read outside the window or loop without bound; every
 * cycle found must be one. */
#include "../fake_memory.h"
#include "probes/locks_decode.h"
#include "probes/locks_fds.h"
#include "probes/locks_graph.h"
#include "probes/python_withlock.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_decode(const uint8_t *data, size_t size)
{
	static const int live[] = {1, 2, 3, 100, 4242};
	struct locks_futex_wait w;
	struct locks_window win;
	struct lock_wait out = {.tid = 2};
	uint8_t hint, offset;

	if (size < 18)
		return;
	memcpy(&w.op, data, 8);
	memcpy(&w.val, data + 8, 8);
	hint = data[16];
	offset = data[17];
	w.hint = (enum locks_hint)(hint % (LOCKS_HINT_PYTHON_RLOCK + 1));
	w.gil_holder = (int)(offset % 5);
	win.start = 0x10000;
	win.bytes = data + 18;
	win.len = size - 18;
	w.addr = win.start + offset - 64;
	locks_decode_futex(&w, &win, live, sizeof(live) / sizeof(live[0]), &out);
	if (out.owner != 0 && out.owner != out.claimed_owner)
		abort();
}

static void
fuzz_graph(const uint8_t *data, size_t size)
{
	size_t n = size / 2;
	int *tids = calloc(n ? n : 1, sizeof(*tids));
	int *owners = calloc(n ? n : 1, sizeof(*owners));
	struct lock_cycle *cycles;
	size_t ncycles;

	/* Small TIDs, so that edges meet. */
	for (size_t i = 0; i < n; i++) {
		tids[i] = data[2 * i] % 16;
		owners[i] = data[2 * i + 1] % 17;
	}
	ncycles = locks_graph_cycles(tids, owners, n, &cycles);
	for (size_t k = 0; k < ncycles; k++) {
		if (cycles[k].n == 0 || cycles[k].n > n)
			abort();
		free(cycles[k].tids);
	}
	free(cycles);
	free(tids);
	free(owners);
}

static void
fuzz_withlock(const uint8_t *data, size_t size)
{
	struct python_raw_frame frames[3];
	struct python_raw_thread th = {.frames = frames, .nframes = 3};
	struct python_target t = {0};
	struct python_withlock_cache *cache;
	struct fake_memory fake;
	const struct python_layout *l;
	uint64_t locks[8];
	uint32_t depth;

	if (size < 2)
		return;
	if (python_withlock_exctable_depth(data + 1, size - 1, data[0], &depth) == 0 &&
	    depth > UINT32_MAX >> 1)
		abort();
	if (python_withlock_block_depth(data + 1, size - 1, data[0], 12, 8) > INT32_MAX)
		abort();
	if ((l = fake_memory_fuzz_input(data, size, &fake)) == NULL)
		return;
	/* Frames and code objects at offsets the input picks, in its memory. */
	for (size_t i = 0; i < 3; i++) {
		size_t at = 1 + 4 * i;

		frames[i] = (struct python_raw_frame){
		    .code = FAKE_BASE + (at < size ? data[at] : 0) * 8u,
		    .offset = at + 1 < size ? data[at + 1] * 2 : -1,
		    .addr = FAKE_BASE + (at + 2 < size ? data[at + 2] : 0) * 8u,
		};
	}
	t.layout = *l;
	cache = python_withlock_cache_new();
	if (python_withlock_held(&t, &(struct python_memory){fake_read, &fake, NULL}, cache, &th,
	                         locks, 8) > 8)
		abort();
	/* Again through what the cache kept. */
	if (python_withlock_held(&t, &(struct python_memory){fake_read, &fake, NULL}, cache, &th,
	                         locks, 8) > 8)
		abort();
	python_withlock_cache_free(cache);
	free((void *)fake.bytes);
}

static void
fuzz_fds(const uint8_t *data, size_t size)
{
	const unsigned char *sets[3] = {data, size > 1 ? data + 1 : NULL, NULL};
	int fds[LOCKS_FDS_MAX];
	size_t total, n;

	n = locks_fds_poll(data, size, size > 0 ? data[0] * 64u : 0, fds, LOCKS_FDS_MAX, &total);
	if (n > LOCKS_FDS_MAX || n > total || (n < LOCKS_FDS_MAX && n != total))
		abort();
	n = locks_fds_select(sets, size > 1 ? size - 1 : 0, size > 0 ? data[0] * 16u : 0, fds,
	                     LOCKS_FDS_MAX, &total);
	if (n > LOCKS_FDS_MAX || n > total)
		abort();
	n = locks_fds_epoll((const char *)data, size, fds, LOCKS_FDS_MAX, &total);
	if (n > LOCKS_FDS_MAX || n > total)
		abort();
	for (size_t i = 0; i < n; i++)
		if (fds[i] < 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	fuzz_graph(data, size);
	fuzz_withlock(data, size);
	fuzz_fds(data, size);
	return 0;
}
