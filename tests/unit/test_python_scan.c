/* The scan for an interpreter's state in a fake address space: found past
 * decoys that a weaker check takes for it (an empty circular list head, a
 * pointer to itself, a thread state from another interpreter), and not
 * found where there is none. */
#include "check.h"
#include "python_layout.h"
#include "python_scan.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* The data and bss under scan at DATA, and a heap at HEAP. */
#define DATA 0x10000u
#define HEAP 0x80000u
#define SPAN 0x4000u

static unsigned char data[SPAN], heap[SPAN];

static int
fake_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (addr >= DATA && addr + len <= DATA + SPAN)
		memcpy(buf, data + (addr - DATA), len);
	else if (addr >= HEAP && addr + len <= HEAP + SPAN)
		memcpy(buf, heap + (addr - HEAP), len);
	else
		return -EFAULT;
	return 0;
}

static void
put(uint64_t addr, uint64_t value)
{
	unsigned char *base = addr >= HEAP ? heap + (addr - HEAP) : data + (addr - DATA);

	memcpy(base, &value, sizeof(value));
}

static void
test_runtime(void)
{
	const struct python_layout *l = python_layout_for(3, 11);
	struct python_memory mem = {fake_read, NULL, NULL};
	uint64_t interp = HEAP + 0x100, tstate = HEAP + 0x1000, runtime = DATA + 0x800;
	uint64_t decoy = DATA + 0x200, head = 0;

	memset(data, 0, sizeof(data));
	memset(heap, 0, sizeof(heap));
	CHECK(python_scan_head(l, DATA, data, sizeof(data), &mem, &head) == -ENOENT);

	/* An empty circular list head, twice in a row: next == prev == itself. */
	put(decoy, decoy);
	put(decoy + 8, decoy);
	/* A pointer to a thread state from some other interpreter. */
	put(DATA + 0x300, HEAP + 0x2000);
	put(DATA + 0x308, HEAP + 0x2000);
	put(HEAP + 0x2000 + (uint64_t)l->interp.threads_head, HEAP + 0x2100);
	put(HEAP + 0x2100 + (uint64_t)l->thread.interp, HEAP + 0x2200);

	/* The real one: interpreters.head and .main, one thread state. */
	put(runtime + (uint64_t)l->runtime.interpreters_head, interp);
	put(runtime + (uint64_t)l->runtime.interpreters_head + 8, interp);
	put(interp + (uint64_t)l->interp.threads_head, tstate);
	put(tstate + (uint64_t)l->thread.interp, interp);
	put(tstate + (uint64_t)l->thread.thread_id, 0x7f0000001000);
	put(tstate + (uint64_t)l->thread.native_thread_id, 4242);
	CHECK(python_scan_head(l, DATA, data, sizeof(data), &mem, &head) == 0);
	CHECK(head == runtime);

	/* A thread state with no thread id is not one. */
	put(tstate + (uint64_t)l->thread.thread_id, 0);
	CHECK(python_scan_head(l, DATA, data, sizeof(data), &mem, &head) == -ENOENT);
	/* A scan over too little memory finds nothing and reads nothing past it. */
	CHECK(python_scan_head(l, DATA, data, 7, &mem, &head) == -ENOENT);
	CHECK(python_scan_head(l, DATA, data, 0, &mem, &head) == -ENOENT);
}

static void
test_interp_head(void)
{
	const struct python_layout *l = python_layout_for(2, 7);
	struct python_memory mem = {fake_read, NULL, NULL};
	uint64_t interp = HEAP + 0x100, tstate = HEAP + 0x1000, head = 0;

	memset(data, 0, sizeof(data));
	memset(heap, 0, sizeof(heap));
	put(DATA + 0x40, interp); /* interp_head, alone */
	put(interp + (uint64_t)l->interp.threads_head, tstate);
	put(tstate + (uint64_t)l->thread.interp, interp);
	put(tstate + (uint64_t)l->thread.thread_id, 0x7f0000001000);
	CHECK(python_scan_head(l, DATA, data, sizeof(data), &mem, &head) == 0);
	CHECK(head == DATA + 0x40);
	/* A thread list that loops back on itself is not followed forever. */
	put(tstate + (uint64_t)l->thread.next, tstate);
	CHECK(python_scan_head(l, DATA, data, sizeof(data), &mem, &head) == -ENOENT);
}

int
main(void)
{
	test_runtime();
	test_interp_head();
	return check_done("python_scan");
}
