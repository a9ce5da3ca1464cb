/* libFuzzer harness for the Python frame walker and namer, and the scan for
 * an interpreter's state: arbitrary bytes as a target's memory, read
 * through a fake address space, with the interpreter's state at its start
 * (and scanned for as if it were a file's data), for each CPython version's
 * layout.
 * Garbage pointers, loops in the thread and frame chains, absurd string
 * lengths: the walk must stay bounded and never read outside what it is
 * given (the memory reader refuses everything else). */
#include "../fake_memory.h"
#include "probes/python_lockwait.h"
#include "probes/python_namer.h"
#include "probes/python_scan.h"
#include "probes/python_stack.h"
#include "probes/python_threads.h"
#include "probes/python_tids.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A choice of threads for python_want: the first, third, fifth... */
static bool
every_other_thread(void *arg, const struct python_raw_thread *th)
{
	int *seen = arg;

	(void)th;
	return (*seen)++ % 2 == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_memory fake;
	struct python_memory mem = {fake_read, &fake, NULL};
	struct python_target t;
	struct python_raw raw;
	const struct python_layout *l = fake_memory_fuzz_input(data, size, &fake);
	const int tids[] = {1, 2, 3};
	uint64_t head;

	if (l == NULL)
		return 0;
	(void)python_scan_head(l, FAKE_BASE, fake.bytes, fake.size, &mem, &head);
	memset(&t, 0, sizeof(t));
	t.pid = 1;
	t.layout = *l;
	t.head_addr = FAKE_BASE;
	t.gil_holder_addr = FAKE_BASE + 8;
	if (python_stack_read(&t, &mem, &raw) == 0) {
		struct python_namer *namer = python_namer_new(&t, &mem);

		python_tids_map(&t, &mem, &raw, tids, NULL, 3);
		python_threads_names(namer, NULL, &raw);
		for (size_t i = 0; i < raw.nthreads; i++) {
			struct python_lock_wait w;

			(void)python_lockwait_find(&t, &mem, raw.threads[i].tstate, &w);
		}
		for (size_t i = 0; i < raw.nthreads; i++) {
			for (size_t f = 0; f < raw.threads[i].nframes; f++) {
				struct frame_row row;

				python_namer_frame(namer, &raw.threads[i].frames[f], &row);
				frame_row_clear(&row);
			}
		}
		python_namer_free(namer);
		python_stack_raw_free(&raw);
	}
	/* The checked read of a running target: on memory that never changes
	 * every walk holds, or tore the same way each time; all threads, then
	 * some of them (as a CPU profile asks for those that ran). */
	if (python_stack_read_running(&t, &mem, 2, NULL, &raw) == 0)
		python_stack_raw_free(&raw);
	struct python_want some = {every_other_thread, &(int){0}, size % 2 == 0};

	if (python_stack_read_running(&t, &mem, 2, &some, &raw) == 0)
		python_stack_raw_free(&raw);
	free((void *)fake.bytes);
	return 0;
}
