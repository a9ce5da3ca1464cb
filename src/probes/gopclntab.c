#include "gopclntab.h"

#include <errno.h>
#include <string.h>

static uint32_t
gopclntab_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v)); /* little-endian: x86-64 tables only */
	return v;
}

static uint64_t
gopclntab_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int
gopclntab_parse(const void *data, size_t len, uint64_t text_start, struct gopclntab *out)
{
	const uint8_t *d = data;
	uint64_t funcnames, functab, entries;

	memset(out, 0, sizeof(*out));
	if (len < 8)
		return -EINVAL;
	out->magic = gopclntab_u32(d);
	if (out->magic != GOPCLNTAB_MAGIC_116 && out->magic != GOPCLNTAB_MAGIC_118 &&
	    out->magic != GOPCLNTAB_MAGIC_120)
		return -ENOTSUP;
	/* Two zero bytes, the instruction size quantum (1 on x86), the
	 * pointer size. */
	if (d[4] != 0 || d[5] != 0 || d[6] != 1 || d[7] != 8)
		return -ENOTSUP;
	if (out->magic == GOPCLNTAB_MAGIC_116) {
		/* nfunc, nfiles, funcnameOffset, cuOffset, filetabOffset,
		 * pctabOffset, pclnOffset. */
		if (len < 8 + 7 * 8)
			return -EINVAL;
		funcnames = gopclntab_u64(d + 24);
		functab = gopclntab_u64(d + 56);
		out->entry_size = 16; /* entry PC, _func offset: uintptr each */
	} else {
		/* nfunc, nfiles, textStart, funcnameOffset, cuOffset,
		 * filetabOffset, pctabOffset, pclnOffset. */
		if (len < 8 + 8 * 8)
			return -EINVAL;
		out->text_start = gopclntab_u64(d + 24);
		funcnames = gopclntab_u64(d + 32);
		functab = gopclntab_u64(d + 64);
		out->entry_size = 8; /* entry offset from textStart, _func offset: uint32 each */
		if (out->text_start == 0)
			out->text_start = text_start;
	}
	out->nfunc = gopclntab_u64(d + 8);
	/* nfunc + 1 entries: the last one holds the end of the last function. */
	if (funcnames >= len || functab >= len || out->nfunc == 0 ||
	    out->nfunc >= (len - functab) / out->entry_size)
		return -EINVAL;
	entries = (out->nfunc + 1) * out->entry_size;
	if (entries > len - functab)
		return -EINVAL;
	out->data = d;
	out->len = len;
	out->funcnames = funcnames;
	out->functab = functab;
	return 0;
}

/* Entry i of the function table: where the function starts (relative to
 * text_start from 1.18, absolute before) and where its _func is (relative
 * to the function table). */
static void
gopclntab_entry(const struct gopclntab *t, uint64_t i, uint64_t *start, uint64_t *func)
{
	const uint8_t *e = t->data + t->functab + i * t->entry_size;

	if (t->entry_size == 8) {
		*start = gopclntab_u32(e);
		*func = gopclntab_u32(e + 4);
	} else {
		*start = gopclntab_u64(e);
		*func = gopclntab_u64(e + 8);
	}
}

const char *
gopclntab_lookup(const struct gopclntab *t, uint64_t pc, uint64_t *offset)
{
	uint64_t lo = 0, hi, rel, start, end, func, name_at, func_at;
	int32_t nameoff;
	const char *name;

	if (t->data == NULL)
		return NULL;
	if (t->entry_size == 8) {
		if (pc < t->text_start)
			return NULL;
		rel = pc - t->text_start;
	} else {
		rel = pc;
	}
	gopclntab_entry(t, t->nfunc, &end, &func);
	gopclntab_entry(t, 0, &start, &func);
	if (rel < start || rel >= end)
		return NULL;
	/* The last function that starts at or before rel (entries are
	 * sorted; a table that is not finds nothing or a neighbour, never
	 * outside the table). */
	hi = t->nfunc;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		gopclntab_entry(t, mid, &start, &func);
		if (start <= rel)
			lo = mid;
		else
			hi = mid;
	}
	gopclntab_entry(t, lo + 1, &end, &func_at);
	gopclntab_entry(t, lo, &start, &func);
	if (rel < start || rel >= end)
		return NULL;
	/* _func: the entry (uint32 offset from 1.18, uintptr before), then
	 * the name's offset into the name table (int32). */
	if (func >= t->len - t->functab)
		return NULL;
	func_at = t->functab + func;
	name_at = func_at + (t->entry_size == 8 ? 4 : 8);
	if (name_at > t->len - 4)
		return NULL;
	memcpy(&nameoff, t->data + name_at, sizeof(nameoff));
	if (nameoff < 0 || (uint64_t)nameoff >= t->len - t->funcnames)
		return NULL;
	name = (const char *)t->data + t->funcnames + (uint64_t)nameoff;
	/* The name must end inside the table, and not be empty. */
	if (name[0] == '\0' ||
	    memchr(name, '\0', t->len - (t->funcnames + (uint64_t)nameoff)) == NULL)
		return NULL;
	*offset = rel - start;
	return name;
}
