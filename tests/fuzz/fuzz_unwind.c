/* libFuzzer harness for the unwinder: the input is an ELF image, mapped as
 * one executable file mapping of a fake process, and its last bytes are also
 * the thread's registers and its stack copy. The unwinder reads the image's
 * .eh_frame_hdr and .eh_frame through libunwind, follows frame pointers
 * where no table covers an address, and names what it finds, all through
 * the same code as for a live process (unwinder_new_from). Seeded with real
 * binaries, as they are and with registers and a stack appended
 * (tests/fuzz/unwind-seeds, run by scripts/test). */
#include "model.h"
#include "probes/module.h"
#include "probes/procfs_parse.h"
#include "probes/unwind.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Small addresses, so that words the fuzzer writes into the stack land in
 * the image or the stack more often than not. */
#define IMAGE_BASE 0x10000ull
#define STACK_BASE 0x400000ull
#define MAX_FRAMES 64

/* The input's last bytes (tests/fuzz/unwind-seeds writes seeds so). */
struct fuzz_regs {
	uint32_t rip;       /* offset into the image, or (flags & 1) which FDE */
	uint16_t rsp;       /* offset into the stack copy */
	uint16_t rbp;       /* offset from the stack's start, may lie outside the copy */
	uint16_t stack_len; /* bytes of stack copy, just before these registers */
	uint16_t flags;
	uint64_t rbx;
};

struct fuzz_process {
	const uint8_t *image;
	size_t size;
	char maps[256];
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An address the image's .eh_frame_hdr table lists (entry pick, plus a few
 * bytes), so that most inputs step through the unwind tables rather than
 * miss them; 0 when the image has no such table. The table is read here the
 * way find_proc_info reads it, bounds and all. */
static uint64_t
fuzz_fde_address(const uint8_t *image, size_t size, uint32_t pick)
{
	uint64_t hdr_vaddr, hdr_size, hdr_off, first;
	const unsigned char *entry;
	struct module *m;
	uint64_t addr = 0;
	uint32_t count;
	int32_t loc;

	if (module_from_memory(image, size, &m) != 0)
		return 0;
	if (module_eh_frame_hdr(m, &hdr_vaddr, &hdr_size) == 0 && hdr_size >= 12 &&
	    module_offset_of_vaddr(m, hdr_vaddr, &hdr_off) == 0 &&
	    module_vaddr_of_offset(m, 0, &first) == 0 && module_bytes(m, hdr_off, 12) != NULL) {
		memcpy(&count, (const char *)module_bytes(m, hdr_off, 12) + 8, sizeof(count));
		if (count > 0 && count <= (hdr_size - 12) / 8) {
			entry = module_bytes(m, hdr_off + 12 + (uint64_t)(pick % count) * 8, 4);
			if (entry != NULL) {
				memcpy(&loc, entry, sizeof(loc));
				/* The image is mapped so that link-time address
				 * first is at IMAGE_BASE. */
				addr = IMAGE_BASE + (hdr_vaddr + (uint64_t)(int64_t)loc - first) +
				       (pick >> 24);
			}
		}
	}
	module_free(m);
	return addr;
}

static ssize_t
fuzz_read_maps(void *arg, char **out)
{
	const struct fuzz_process *p = arg;

	*out = strdup(p->maps);
	return *out != NULL ? (ssize_t)strlen(*out) : -ENOMEM;
}

static int
fuzz_open_module(void *arg, const struct procfs_map *map, struct module **out)
{
	const struct fuzz_process *p = arg;

	(void)map;
	return module_from_memory(p->image, p->size, out);
}

static const struct unwinder_target fuzz_target = {
    .read_maps = fuzz_read_maps,
    .open_module = fuzz_open_module,
    .read_memory = NULL, /* no live process behind it */
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_process p = {data, size, ""};
	struct thread_snapshot s = {.tid = 1};
	struct unwind_frame frames[MAX_FRAMES];
	struct unwind_end end;
	char cut[64];
	struct fuzz_regs r;
	struct unwinder *u;
	size_t n, stack_len;

	if (size < 64 + sizeof(r))
		return 0;
	memcpy(&r, data + size - sizeof(r), sizeof(r));
	stack_len = r.stack_len % (size - sizeof(r));
	snprintf(p.maps, sizeof(p.maps),
	         "%llx-%llx r-xp 00000000 00:00 1 /fuzz/image\n"
	         "%llx-%llx rw-p 00000000 00:00 0 [stack]\n",
	         IMAGE_BASE, IMAGE_BASE + ((size + 4095) & ~4095ull), STACK_BASE,
	         STACK_BASE + 0x10000);
	s.regs.rip = (r.flags & 1) ? fuzz_fde_address(data, size, r.rip) : 0;
	if (s.regs.rip == 0)
		s.regs.rip = IMAGE_BASE + r.rip % size;
	s.regs.rsp = STACK_BASE + (stack_len ? r.rsp % stack_len : 0);
	s.regs.rbp = STACK_BASE + r.rbp;
	s.regs.rbx = r.rbx;
	s.stack_start = STACK_BASE;
	s.stack = (unsigned char *)data + size - sizeof(r) - stack_len;
	s.stack_len = stack_len;

	if (unwinder_new_from(&fuzz_target, &p, &u) != 0)
		return 0;
	n = unwinder_unwind(u, &s, frames, MAX_FRAMES, &end);
	unwind_end_text(&end, cut, sizeof(cut));
	for (size_t i = 0; i < n; i++) {
		struct frame_row row;

		unwinder_symbolize(u, &frames[i], &row);
		free(row.function);
		free(row.module);
	}
	unwinder_free(u);
	return 0;
}
