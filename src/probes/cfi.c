#include "cfi.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Pointer encodings (the LSB's DW_EH_PE_*): a format in the low nibble, how
 * to apply it in the high one. */
enum {
	PE_ABSPTR = 0x00,
	PE_UDATA2 = 0x02,
	PE_UDATA4 = 0x03,
	PE_UDATA8 = 0x04,
	PE_SDATA2 = 0x0a,
	PE_SDATA4 = 0x0b,
	PE_SDATA8 = 0x0c,
	PE_PCREL = 0x10,
	PE_DATAREL = 0x30,
	PE_OMIT = 0xff,
};

/* How deep DW_CFA_remember_state may nest (GCC uses one or two levels). */
#define CFI_STATES 8

/* A record being read: its bytes, and the link-time address of the first. */
struct cfi_cursor {
	const uint8_t *start, *p, *end;
	uint64_t vaddr;
	bool bad; /* read past the end, or an overlong number */
};

static uint64_t
cfi_u(struct cfi_cursor *c, size_t n)
{
	uint64_t v = 0;

	if ((size_t)(c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static uint64_t
cfi_uleb(struct cfi_cursor *c)
{
	uint64_t v = 0;

	for (unsigned shift = 0; c->p < c->end; shift += 7) {
		uint8_t b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return shift < 70 ? v : (c->bad = true, 0);
	}
	c->bad = true;
	return 0;
}

static int64_t
cfi_sleb(struct cfi_cursor *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	do {
		if (c->p >= c->end || shift >= 70) {
			c->bad = true;
			return 0;
		}
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/* Skips a block: a ULEB128 length, then that many bytes. */
static void
cfi_skip_block(struct cfi_cursor *c)
{
	uint64_t len = cfi_uleb(c);

	if (len > (uint64_t)(c->end - c->p)) {
		c->bad = true;
		c->p = c->end;
	} else {
		c->p += len;
	}
}

/* A pointer in encoding enc (absolute or pc-relative). Returns false for an
 * encoding we do not take. */
static bool
cfi_pointer(struct cfi_cursor *c, uint8_t enc, uint64_t *out)
{
	uint64_t at = c->vaddr + (uint64_t)(c->p - c->start), v;

	static const struct {
		uint8_t size; /* 0: a format we do not take (LEB128 among them) */
		bool is_signed;
	} formats[16] = {
	    [PE_ABSPTR] = {8, false}, [PE_UDATA2] = {2, false}, [PE_UDATA4] = {4, false},
	    [PE_UDATA8] = {8, false}, [PE_SDATA2] = {2, true},  [PE_SDATA4] = {4, true},
	    [PE_SDATA8] = {8, true},
	};
	unsigned size = formats[enc & 0x0f].size;

	if (size == 0)
		return false;
	v = cfi_u(c, size);
	if (formats[enc & 0x0f].is_signed && size < 8 && (v >> (8 * size - 1)) & 1)
		v |= ~(uint64_t)0 << (8 * size); /* sign-extended */
	switch (enc & 0xf0) {
	case 0:
		break;
	case PE_PCREL:
		v += at;
		break;
	default:
		return false; /* textrel, datarel, funcrel, indirect: not in .eh_frame here */
	}
	*out = v;
	return !c->bad;
}

/* The record (CIE or FDE) at vaddr: its bytes after the length field. */
static bool
cfi_record(const struct cfi_image *img, uint64_t vaddr, struct cfi_cursor *c)
{
	const uint8_t *len_bytes = img->bytes(img->arg, vaddr, 4);
	uint32_t len;

	if (len_bytes == NULL)
		return false;
	memcpy(&len, len_bytes, sizeof(len));
	/* 0 ends the section; 0xffffffff is the 64-bit format, which no x86-64
	 * toolchain emits for .eh_frame. */
	if (len == 0 || len == 0xffffffffu)
		return false;
	c->start = img->bytes(img->arg, vaddr + 4, len);
	if (c->start == NULL)
		return false;
	c->p = c->start;
	c->end = c->start + len;
	c->vaddr = vaddr + 4;
	c->bad = false;
	return true;
}

/* What a CIE says for its FDEs. */
struct cfi_cie {
	uint64_t code_align;
	int64_t data_align;
	uint8_t fde_enc;
	bool has_aug_data; /* 'z': FDEs carry an augmentation length */
	struct cfi_cursor program;
};

static int
cfi_parse_cie(const struct cfi_image *img, uint64_t vaddr, struct cfi_cie *cie)
{
	struct cfi_cursor c;
	const uint8_t *aug;
	uint64_t ra;
	uint8_t version;

	if (!cfi_record(img, vaddr, &c) || cfi_u(&c, 4) != 0)
		return -EINVAL;
	version = (uint8_t)cfi_u(&c, 1);
	if (version != 1 && version != 3)
		return -ENOTSUP;
	aug = c.p;
	while (c.p < c.end && *c.p != '\0')
		c.p++;
	if (c.p >= c.end)
		return -EINVAL;
	c.p++;
	cie->code_align = cfi_uleb(&c);
	cie->data_align = cfi_sleb(&c);
	ra = version == 1 ? cfi_u(&c, 1) : cfi_uleb(&c);
	if (c.bad || ra != CFI_RA || cie->code_align == 0 || cie->code_align > 64 ||
	    cie->data_align < -64 || cie->data_align > 64)
		return -ENOTSUP; /* x86-64 has 1 and -8 */
	cie->fde_enc = PE_ABSPTR;
	cie->has_aug_data = aug[0] == 'z';
	if (cie->has_aug_data) {
		uint64_t len = cfi_uleb(&c);
		struct cfi_cursor data = c;

		if (c.bad || len > (uint64_t)(c.end - c.p))
			return -EINVAL;
		data.end = c.p + len;
		for (const uint8_t *a = aug + 1; *a != '\0'; a++) {
			uint64_t ignored;
			uint8_t enc;

			switch (*a) {
			case 'R':
				cie->fde_enc = (uint8_t)cfi_u(&data, 1);
				break;
			case 'L':
				(void)cfi_u(&data, 1); /* the LSDA's encoding: not needed */
				break;
			case 'P':
				enc = (uint8_t)cfi_u(&data, 1);
				if (!cfi_pointer(&data, enc & 0x7f, &ignored)) /* the personality */
					return -ENOTSUP;
				break;
			default:
				return -ENOTSUP; /* 'S' (a signal frame) among others */
			}
		}
		if (data.bad)
			return -EINVAL;
		c.p += len;
	} else if (aug[0] != '\0') {
		return -ENOTSUP; /* "eh" and other old forms */
	}
	cie->program = c;
	return 0;
}

/* The state the program builds: rules, and whether the CFA is a register
 * plus an offset (else an expression). */
struct cfi_state {
	struct cfi_rules rules;
	bool cfa_ok;
};

/* factor * data_align, or a value cfi_set and cfi_set_cfa refuse when the
 * product does not fit (a hostile file). */
static int64_t
cfi_scaled(int64_t factor, int64_t data_align)
{
	int64_t v;

	return __builtin_mul_overflow(factor, data_align, &v) ? INT64_MAX : v;
}

/* An unsigned factor, as cfi_scaled takes it. */
static int64_t
cfi_factor(uint64_t u)
{
	return u > INT32_MAX ? INT64_MAX / 2 : (int64_t)u;
}

static void
cfi_set(struct cfi_state *s, uint64_t reg, uint8_t how, int64_t off)
{
	if (reg >= CFI_NREGS)
		return; /* a vector register: nothing the walk needs */
	if (how == CFI_AT_CFA && (off < INT32_MIN || off > INT32_MAX))
		how = CFI_OTHER;
	s->rules.reg[reg] = (struct cfi_rule){how, how == CFI_AT_CFA ? (int32_t)off : 0};
}

static void
cfi_set_cfa(struct cfi_state *s, uint64_t reg, int64_t off)
{
	s->cfa_ok = reg < CFI_NREGS && off >= INT32_MIN && off <= INT32_MAX;
	if (s->cfa_ok) {
		s->rules.cfa_reg = (uint8_t)reg;
		s->rules.cfa_off = (int32_t)off;
	}
}

/* Runs a CFA program until the location passes pc. initial is the state
 * after the CIE's program (for DW_CFA_restore), NULL while running it. */
static int
cfi_run(struct cfi_cursor c, const struct cfi_cie *cie, uint64_t loc, uint64_t pc,
        const struct cfi_state *initial, struct cfi_state *s)
{
	struct cfi_state saved[CFI_STATES];
	size_t depth = 0;

	while (c.p < c.end && !c.bad) {
		uint8_t op = (uint8_t)cfi_u(&c, 1), low = op & 0x3f;
		uint64_t reg, delta = 0;
		bool advance = false;

		switch (op >> 6) {
		case 1: /* DW_CFA_advance_loc */
			delta = low;
			advance = true;
			break;
		case 2: /* DW_CFA_offset */
			cfi_set(s, low, CFI_AT_CFA,
			        cfi_scaled(cfi_factor(cfi_uleb(&c)), cie->data_align));
			break;
		case 3: /* DW_CFA_restore */
			if (initial != NULL && low < CFI_NREGS)
				s->rules.reg[low] = initial->rules.reg[low];
			break;
		default:
			switch (op) {
			case 0x00: /* DW_CFA_nop */
				break;
			case 0x02: /* DW_CFA_advance_loc1, 2, 4 */
			case 0x03:
			case 0x04:
				delta = cfi_u(&c, op == 0x02 ? 1 : op == 0x03 ? 2 : 4);
				advance = true;
				break;
			case 0x05: /* DW_CFA_offset_extended */
				reg = cfi_uleb(&c);
				cfi_set(s, reg, CFI_AT_CFA,
				        cfi_scaled(cfi_factor(cfi_uleb(&c)), cie->data_align));
				break;
			case 0x06: /* DW_CFA_restore_extended */
				reg = cfi_uleb(&c);
				if (initial != NULL && reg < CFI_NREGS)
					s->rules.reg[reg] = initial->rules.reg[reg];
				break;
			case 0x07: /* DW_CFA_undefined */
				cfi_set(s, cfi_uleb(&c), CFI_UNDEFINED, 0);
				break;
			case 0x08: /* DW_CFA_same_value */
				cfi_set(s, cfi_uleb(&c), CFI_SAME, 0);
				break;
			case 0x09: /* DW_CFA_register */
				reg = cfi_uleb(&c);
				(void)cfi_uleb(&c);
				cfi_set(s, reg, CFI_OTHER, 0);
				break;
			case 0x0a: /* DW_CFA_remember_state */
				if (depth == CFI_STATES)
					return -ENOTSUP;
				saved[depth++] = *s;
				break;
			case 0x0b: /* DW_CFA_restore_state */
				if (depth == 0)
					return -EINVAL;
				*s = saved[--depth];
				break;
			case 0x0c: /* DW_CFA_def_cfa */
				reg = cfi_uleb(&c);
				cfi_set_cfa(s, reg, cfi_factor(cfi_uleb(&c)));
				break;
			case 0x0d: /* DW_CFA_def_cfa_register */
				reg = cfi_uleb(&c);
				if (s->cfa_ok)
					cfi_set_cfa(s, reg, s->rules.cfa_off);
				break;
			case 0x0e: /* DW_CFA_def_cfa_offset */
				if (s->cfa_ok)
					cfi_set_cfa(s, s->rules.cfa_reg, cfi_factor(cfi_uleb(&c)));
				else
					(void)cfi_uleb(&c);
				break;
			case 0x0f: /* DW_CFA_def_cfa_expression */
				s->cfa_ok = false;
				cfi_skip_block(&c);
				break;
			case 0x10: /* DW_CFA_expression */
			case 0x16: /* DW_CFA_val_expression */
				cfi_set(s, cfi_uleb(&c), CFI_OTHER, 0);
				cfi_skip_block(&c);
				break;
			case 0x11: /* DW_CFA_offset_extended_sf */
				reg = cfi_uleb(&c);
				cfi_set(s, reg, CFI_AT_CFA,
				        cfi_scaled(cfi_sleb(&c), cie->data_align));
				break;
			case 0x12: /* DW_CFA_def_cfa_sf */
				reg = cfi_uleb(&c);
				cfi_set_cfa(s, reg, cfi_scaled(cfi_sleb(&c), cie->data_align));
				break;
			case 0x13: /* DW_CFA_def_cfa_offset_sf */
				if (s->cfa_ok)
					cfi_set_cfa(s, s->rules.cfa_reg,
					            cfi_scaled(cfi_sleb(&c), cie->data_align));
				else
					(void)cfi_sleb(&c);
				break;
			case 0x14: /* DW_CFA_val_offset, _sf */
			case 0x15:
				reg = cfi_uleb(&c);
				if (op == 0x14)
					(void)cfi_uleb(&c);
				else
					(void)cfi_sleb(&c);
				cfi_set(s, reg, CFI_OTHER, 0);
				break;
			case 0x2e: /* DW_CFA_GNU_args_size */
				(void)cfi_uleb(&c);
				break;
			case 0x2f: /* DW_CFA_GNU_negative_offset_extended */
				reg = cfi_uleb(&c);
				cfi_set(s, reg, CFI_AT_CFA,
				        cfi_scaled(-cfi_factor(cfi_uleb(&c)), cie->data_align));
				break;
			default:
				return -ENOTSUP; /* DW_CFA_set_loc and vendor opcodes */
			}
		}
		if (advance) {
			/* The rules so far hold for [loc, loc + delta). */
			if (delta * cie->code_align > pc - loc)
				return c.bad ? -EINVAL : 0;
			loc += delta * cie->code_align;
		}
	}
	return c.bad ? -EINVAL : 0;
}

int
cfi_hdr_table(const struct cfi_image *img, uint64_t hdr_vaddr, uint64_t hdr_size,
              const uint8_t **table, uint32_t *count)
{
	const uint8_t *hdr = img->bytes(img->arg, hdr_vaddr, 12);

	/* Version 1, a 4-byte eh_frame pointer, a udata4 count and a table of
	 * datarel sdata4 pairs: what every toolchain emits. */
	if (hdr == NULL || hdr_size < 12 || hdr[0] != 1 || (hdr[1] & 0x0f) != PE_SDATA4 ||
	    hdr[2] != PE_UDATA4 || hdr[3] != (PE_DATAREL | PE_SDATA4))
		return -ENOTSUP;
	memcpy(count, hdr + 8, sizeof(*count));
	if (*count == 0 || (uint64_t)*count * 8 > hdr_size - 12 ||
	    (*table = img->bytes(img->arg, hdr_vaddr + 12, (size_t)*count * 8)) == NULL)
		return -ENOENT;
	return 0;
}

/* The FDE whose range may hold pc, by the binary-search table of the
 * .eh_frame_hdr: the last entry starting at or before pc. */
static int
cfi_search(const struct cfi_image *img, uint64_t hdr_vaddr, uint64_t hdr_size, uint64_t pc,
           uint64_t *fde)
{
	const uint8_t *table;
	uint32_t count;
	size_t lo = 0, hi;
	int err = cfi_hdr_table(img, hdr_vaddr, hdr_size, &table, &count);

	if (err != 0)
		return err;
	hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int32_t start;

		memcpy(&start, table + mid * 8, sizeof(start));
		if (hdr_vaddr + (uint64_t)(int64_t)start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -ENOENT;
	int32_t off;
	memcpy(&off, table + (lo - 1) * 8 + 4, sizeof(off));
	*fde = hdr_vaddr + (uint64_t)(int64_t)off;
	return 0;
}

int
cfi_find(const struct cfi_image *img, uint64_t hdr_vaddr, uint64_t hdr_size, uint64_t pc,
         struct cfi_rules *out)
{
	struct cfi_state initial = {0}, state;
	struct cfi_cursor c;
	struct cfi_cie cie;
	uint64_t fde, cie_at, begin, range;
	int err;

	if ((err = cfi_search(img, hdr_vaddr, hdr_size, pc, &fde)) != 0)
		return err;
	if (!cfi_record(img, fde, &c))
		return -EINVAL;
	cie_at = c.vaddr - cfi_u(&c, 4); /* relative to the field itself */
	if (cie_at == c.vaddr || (err = cfi_parse_cie(img, cie_at, &cie)) != 0)
		return err == 0 ? -EINVAL : err;
	if (!cfi_pointer(&c, cie.fde_enc, &begin) || !cfi_pointer(&c, cie.fde_enc & 0x0f, &range))
		return -ENOTSUP;
	if (pc < begin || pc - begin >= range)
		return -ENOENT;
	if (cie.has_aug_data)
		cfi_skip_block(&c);
	if (c.bad)
		return -EINVAL;
	/* Every register not named keeps its value (the x86-64 psABI's
	 * callee-saved ones are the ones that matter). */
	if ((err = cfi_run(cie.program, &cie, begin, pc, NULL, &initial)) != 0)
		return err;
	state = initial;
	if ((err = cfi_run(c, &cie, begin, pc, &initial, &state)) != 0)
		return err;
	if (!state.cfa_ok)
		return -ENOTSUP;
	*out = state.rules;
	return 0;
}
