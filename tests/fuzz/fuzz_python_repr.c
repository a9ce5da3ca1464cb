/* libFuzzer harness for what dump --locals reads of a target: arbitrary
 * bytes as its memory (a fake address space), for each CPython version's
 * layout. The first words of the space are the objects to describe
 * (python_repr) and a frame's code object and address (python_locals):
 * garbage types, lengths and digits, strings that claim any length,
 * objects that are their own type or cell, tuples of names pointing
 * anywhere. Each must end, within its bounds, reading nothing outside
 * what it is given, with a NUL-terminated text. */
#include "../fake_memory.h"
#include "probes/python_locals.h"
#include "probes/python_repr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_OBJECTS 4

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_memory fake;
	struct python_memory mem = {fake_read, &fake, NULL};
	const struct python_layout *l = fake_memory_fuzz_input(data, size, &fake);
	struct python_raw_frame frame = {0};
	struct frame_row row = {0};
	struct python_repr r;

	if (l == NULL)
		return 0;
	for (size_t i = 0; i < FUZZ_OBJECTS; i++) {
		(void)python_repr(l, &mem, fake_word(&fake, i), &r);
		if (strnlen(r.text, sizeof(r.text)) == sizeof(r.text) ||
		    strnlen(r.type, sizeof(r.type)) == sizeof(r.type))
			abort(); /* always a NUL-terminated text */
	}
	frame.code = fake_word(&fake, FUZZ_OBJECTS);
	frame.addr = fake_word(&fake, FUZZ_OBJECTS + 1);
	(void)python_locals_read(l, &mem, &frame, &row);
	if (row.nlocals > PYTHON_LOCALS_MAX)
		abort();
	frame_row_clear(&row);
	free((void *)fake.bytes);
	return 0;
}
