/* libFuzzer harness for the CFI decoder on its own: the input is a header
 * then an image whose bytes sit at link-time addresses equal to their
 * offsets (as in the first segments of a PIE). The header says where the
 * .eh_frame_hdr is and which of its entries to look up, so that most inputs
 * reach the CIE, the FDE and the rules program rather than stopping at the
 * table. Seeded with the start of real binaries (tests/fuzz/cfi-seeds). */
#include "probes/cfi.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input's first bytes (tests/fuzz/cfi-seeds writes seeds so). */
struct fuzz_header {
	uint32_t hdr_vaddr; /* the .eh_frame_hdr, in the image */
	uint32_t hdr_size;
	uint32_t pick;  /* which table entry */
	uint32_t delta; /* bytes past that entry's start */
};

struct fuzz_image {
	const uint8_t *bytes;
	size_t size;
};

static const void *
fuzz_bytes(void *arg, uint64_t vaddr, size_t len)
{
	const struct fuzz_image *img = arg;

	if (vaddr > img->size || len > img->size - vaddr)
		return NULL;
	return img->bytes + vaddr;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_header h;
	struct fuzz_image image;
	struct cfi_rules rules;
	const uint8_t *table;
	uint32_t count;
	int32_t start;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	image = (struct fuzz_image){data + sizeof(h), size - sizeof(h)};
	struct cfi_image img = {fuzz_bytes, &image};

	/* An address the input names outright, then one the table lists. */
	(void)cfi_find(&img, h.hdr_vaddr, h.hdr_size, h.delta, &rules);
	if (cfi_hdr_table(&img, h.hdr_vaddr, h.hdr_size, &table, &count) != 0 || count == 0)
		return 0;
	memcpy(&start, table + (size_t)(h.pick % count) * 8, sizeof(start));
	(void)cfi_find(&img, h.hdr_vaddr, h.hdr_size,
	               (uint64_t)((int64_t)h.hdr_vaddr + start) + h.delta % 512, &rules);
	return 0;
}
