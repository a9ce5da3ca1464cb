/* Call frame information: how to find a caller's registers at one
 * instruction of a function, from its .eh_frame entry (x86-64 DWARF CFI):
 * the canonical frame address (CFA) as a register plus an offset, and where
 * the callee-saved registers and the return address were saved.
 *
 * The unwinder's fast path (probes/unwind): a step with these rules is a few
 * reads of the stack copy, where libunwind 1.6 masks and unmasks signals
 * around each step (two syscalls) and parses the entry again. What this
 * decoder does not take (DWARF expressions, signal frames, register-to-
 * register rules, encodings no toolchain emits for x86-64) it says so, and
 * libunwind takes the frame. A pure decoder over the bytes of an ELF file:
 * every length and offset in them is untrusted. */
#ifndef STACKTOP_CFI_H
#define STACKTOP_CFI_H

#include <stddef.h>
#include <stdint.h>

/* DWARF register numbers of x86-64 (the System V psABI). */
enum {
	CFI_RBX = 3,
	CFI_RBP = 6,
	CFI_RSP = 7,
	CFI_R12 = 12,
	CFI_R15 = 15,
	CFI_RA = 16, /* the return address column */
	CFI_NREGS = 17,
};

enum cfi_how {
	CFI_SAME,      /* the caller's value is this frame's */
	CFI_UNDEFINED, /* not recoverable; for the return address: the last frame */
	CFI_AT_CFA,    /* saved in memory at CFA + off */
	CFI_OTHER,     /* a rule this decoder does not take */
};

struct cfi_rule {
	uint8_t how; /* enum cfi_how */
	int32_t off;
};

/* The rules at one instruction: CFA = value of register cfa_reg + cfa_off. */
struct cfi_rules {
	uint8_t cfa_reg;
	int32_t cfa_off;
	struct cfi_rule reg[CFI_NREGS];
};

/* The bytes of the file at link-time addresses [vaddr, vaddr + len), or
 * NULL when they are not all in it. arg is given back. */
struct cfi_image {
	const void *(*bytes)(void *arg, uint64_t vaddr, size_t len);
	void *arg;
};

/* The binary-search table of the .eh_frame_hdr at hdr_vaddr (hdr_size
 * bytes), in the one layout every toolchain emits: *count (initial
 * location, FDE) pairs of int32 relative to hdr_vaddr, at *table (borrowed
 * from img), which lies at hdr_vaddr + 12. Returns 0, -ENOTSUP for another
 * layout, or -ENOENT for an empty or truncated table. */
int cfi_hdr_table(const struct cfi_image *img, uint64_t hdr_vaddr, uint64_t hdr_size,
                  const uint8_t **table, uint32_t *count);

/* The rules at link-time address pc, found through the .eh_frame_hdr at
 * hdr_vaddr (hdr_size bytes). Returns 0, -ENOENT when no entry covers pc,
 * -ENOTSUP for what the decoder does not take (then let libunwind), or
 * -EINVAL for malformed data. */
int cfi_find(const struct cfi_image *img, uint64_t hdr_vaddr, uint64_t hdr_size, uint64_t pc,
             struct cfi_rules *out);

#endif
