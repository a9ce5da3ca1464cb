/* The CFI decoder over a real file, this test's own executable: every
 * instruction of a function has rules, the CFA is the stack pointer or (in
 * a frame-pointer build, as AddressSanitizer makes this one) the frame
 * pointer plus a multiple of 8, the return address is saved just below the
 * CFA, and at the first instruction the CFA is rsp + 8 (only the call's
 * return address is pushed). An address no entry covers is -ENOENT, and a
 * damaged .eh_frame_hdr is refused, not followed. */
#include "cfi.h"
#include "check.h"
#include "module.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Something with a frame of its own: it calls out and keeps values across
 * the call. */
__attribute__((noinline)) int cfi_probe(int n);

__attribute__((noinline)) int
cfi_probe(int n)
{
	volatile int keep[16];

	for (int i = 0; i < 16; i++)
		keep[i] = n + i;
	return n > 0 ? cfi_probe(n - 1) + keep[n % 16] : keep[3];
}

static const void *
image_bytes(void *module, uint64_t vaddr, size_t len)
{
	uint64_t off;

	return module_offset_of_vaddr(module, vaddr, &off) == 0 ? module_bytes(module, off, len)
	                                                        : NULL;
}

/* The same file with its .eh_frame_hdr version byte damaged. */
struct damaged {
	struct module *m;
	uint64_t hdr_vaddr;
};

static const void *
damaged_bytes(void *arg, uint64_t vaddr, size_t len)
{
	static unsigned char copy[64];
	struct damaged *d = arg;
	const unsigned char *b = image_bytes(d->m, vaddr, len);

	if (b == NULL || vaddr != d->hdr_vaddr || len > sizeof(copy))
		return b;
	memcpy(copy, b, len);
	copy[0] = 7; /* no such version */
	return copy;
}

int
main(void)
{
	struct cfi_rules r;
	struct module *m;
	uint64_t hdr_vaddr, hdr_size, fn, fn_size;
	int entries = 0;

	if (!CHECK(module_open("/proc/self/exe", &m) == 0))
		return check_done("test_cfi");
	CHECK(module_eh_frame_hdr(m, &hdr_vaddr, &hdr_size) == 0);
	const char *const name = "cfi_probe";
	struct module_found found;

	module_find_symbols(m, &name, 1, &found);
	CHECK(found.found && found.size > 0);
	fn = found.vaddr;
	fn_size = found.size;
	struct cfi_image img = {image_bytes, m};

	CHECK(cfi_probe(3) != 0);
	/* At the entry, before any push. */
	if (CHECK(cfi_find(&img, hdr_vaddr, hdr_size, fn, &r) == 0)) {
		CHECK(r.cfa_reg == CFI_RSP && r.cfa_off == 8);
		CHECK(r.reg[CFI_RA].how == CFI_AT_CFA && r.reg[CFI_RA].off == -8);
	}
	/* Through the whole function. */
	for (uint64_t pc = fn; pc < fn + fn_size; pc++) {
		if (cfi_find(&img, hdr_vaddr, hdr_size, pc, &r) != 0 ||
		    (r.cfa_reg != CFI_RSP && r.cfa_reg != CFI_RBP) || r.cfa_off < 8 ||
		    r.cfa_off % 8 != 0 || r.reg[CFI_RA].how != CFI_AT_CFA ||
		    r.reg[CFI_RA].off != -8) {
			CHECK(!"rules at every instruction of cfi_probe");
			break;
		}
		entries++;
	}
	CHECK(entries == (int)fn_size);
	/* Below every entry of the table. */
	CHECK(cfi_find(&img, hdr_vaddr, hdr_size, 0, &r) == -ENOENT);
	/* A header we do not know is not followed. */
	struct damaged d = {m, hdr_vaddr};
	struct cfi_image bad = {damaged_bytes, &d};

	CHECK(cfi_find(&bad, hdr_vaddr, hdr_size, fn, &r) == -ENOTSUP);
	module_free(m);
	return check_done("test_cfi");
}
