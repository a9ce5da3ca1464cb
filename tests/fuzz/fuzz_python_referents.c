/* libFuzzer harness for the references reader: arbitrary bytes as a
 * target's memory (a fake address space), a type at its start classified
 * and an object after it read for its references, as each CPython version
 * lays them out, and each class forced in turn (a list whose items point
 * anywhere, a dict whose tables lie, a set mask of 2^60, a deque's blocks
 * in a loop, slots at any offset, a generator or frame whose code and
 * slots lie). Every read is bounded: it must end,
 * reading nothing outside what it is given, and give no reference that is
 * not an aligned, non-null address. */
#include "../fake_memory.h"
#include "probes/python_referents.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the object is: after room for a type object. */
#define FUZZ_OBJECT (FAKE_BASE + 512)
/* A deque's blocks may loop: this many references, at most, from one read. */
#define FUZZ_MAX_REFS ((size_t)1 << 26)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_memory fake;
	struct python_memory mem = {fake_read, &fake, NULL};
	const struct python_layout *l = fake_memory_fuzz_input(data, size, &fake);
	struct python_ref_buf buf = {0};
	struct python_ref_type t;

	if (l == NULL)
		return 0;
	python_referents_type(l, &mem, FAKE_BASE, &t);
	if (t.nslots > PYTHON_REFERENTS_MAX_SLOTS)
		abort();
	python_referents_of(l, &mem, FUZZ_OBJECT, &t, &buf);
	for (int cls = PYTHON_REF_OTHER; cls <= PYTHON_REF_FRAME; cls++) {
		t.cls = (enum python_ref_class)cls;
		t.attributes = cls % 2 == 0;
		python_referents_of(l, &mem, FUZZ_OBJECT, &t, &buf);
	}
	for (size_t i = 0; i < buf.n; i++)
		if (buf.refs[i].to == 0 || (buf.refs[i].to & 7) != 0 ||
		    buf.refs[i].kind >= PYTHON_REF_EDGE_KINDS || buf.n > FUZZ_MAX_REFS)
			abort();
	python_ref_buf_free(&buf);
	free((void *)fake.bytes);
	return 0;
}
