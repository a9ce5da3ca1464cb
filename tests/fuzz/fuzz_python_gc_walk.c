/* libFuzzer harness for the collector list walk: arbitrary bytes as a
 * target's memory (through a fake address space), with three list heads at
 * its start, for each CPython version's layout. Loops that miss the head,
 * links into nowhere, misaligned links: the walk must end, within its
 * object bound, reading nothing outside what it is given. The seeds
 * (python_gc_walk_seeds) are well-formed lists to mutate. */
#include "../fake_memory.h"
#include "probes/python_gc_walk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No more objects than the bytes could hold, whatever the links say. */
#define FUZZ_MAX_OBJECTS 100000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t heads[3] = {FAKE_BASE, FAKE_BASE + 64, FAKE_BASE + 128};
	const struct python_gc_limits lim = {.max_objects = FUZZ_MAX_OBJECTS};
	struct fake_memory fake;
	struct python_memory mem = {fake_read, &fake, NULL};
	struct python_gc_tally tally;
	const struct python_layout *l = fake_memory_fuzz_input(data, size, &fake);
	uint64_t sum = 0;

	if (l == NULL)
		return 0;
	python_gc_walk(l, &mem, heads, 3, &lim, &tally);
	for (size_t i = 0; i < tally.ntypes; i++)
		sum += tally.types[i].objects;
	if (sum != tally.objects || tally.objects > FUZZ_MAX_OBJECTS)
		abort(); /* every object counted once, under the bound */
	python_gc_walk_tally_free(&tally);
	free((void *)fake.bytes);
	return 0;
}
