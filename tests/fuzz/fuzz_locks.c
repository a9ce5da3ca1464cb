/* libFuzzer harness for the lock decoder and the wait-for graph: the bytes
 * are a futex wait (operation, value, hint, offset of the word in the
 * window), the memory around it, and the same bytes read as edges of a
 * graph. Nothing may crash, read outside the window or loop without
 * bound; every cycle found must be one. */
#include "probes/locks_decode.h"
#include "probes/locks_graph.h"

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_decode(data, size);
	fuzz_graph(data, size);
	return 0;
}
