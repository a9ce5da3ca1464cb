#include "perfmap.h"

#include "../xmalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* How many earlier entries a lookup looks through for one that covers the
 * address, when the nearest one below it does not (a short entry inside a
 * longer one). */
#define PERFMAP_LOOKBACK 64

/* Parses a hex number (an optional 0x, at most 16 digits) at *p, moving *p
 * past it. False when there is none or it is too long. */
static bool
perfmap_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits == 16)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (digits == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

/* One line (without its newline) into m; false when it is malformed. */
static bool
perfmap_line(struct perfmap *m, const char *s, const char *end)
{
	uint64_t start, size;
	size_t len;
	char *name;

	if (!perfmap_hex(&s, end, &start) || s == end || *s != ' ')
		return false;
	s++;
	if (!perfmap_hex(&s, end, &size) || s == end || *s != ' ' || size == 0 ||
	    start + size < start)
		return false;
	s++;
	len = (size_t)(end - s);
	if (len == 0)
		return false;
	if (len > PERFMAP_MAX_NAME)
		len = PERFMAP_MAX_NAME;
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->entries = xreallocarray(m->entries, m->cap, sizeof(*m->entries));
	}
	name = xmalloc(len + 1);
	memcpy(name, s, len);
	name[len] = '\0';
	m->entries[m->n++] = (struct perfmap_entry){
	    .start = start, .size = size, .seq = m->next_seq++, .name = name};
	return true;
}

static int
perfmap_compare(const void *a, const void *b)
{
	const struct perfmap_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t
perfmap_parse(struct perfmap *m, const char *buf, size_t len)
{
	size_t at = 0, before = m->n;

	for (;;) {
		const char *nl = memchr(buf + at, '\n', len - at);
		const char *end;

		if (nl == NULL)
			break;
		end = nl;
		if (end > buf + at && end[-1] == '\r')
			end--;
		if (m->n < PERFMAP_MAX_ENTRIES)
			(void)perfmap_line(m, buf + at, end);
		at = (size_t)(nl - buf) + 1;
	}
	if (m->n != before)
		qsort(m->entries, m->n, sizeof(*m->entries), perfmap_compare);
	return at;
}

const char *
perfmap_lookup(const struct perfmap *m, uint64_t addr, uint64_t *offset)
{
	const struct perfmap_entry *best = NULL;
	size_t lo = 0, hi = m->n;

	/* The first entry that starts after addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->entries[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, k = 0; i > 0 && k < PERFMAP_LOOKBACK; i--, k++) {
		const struct perfmap_entry *e = &m->entries[i - 1];

		if (addr - e->start < e->size && (best == NULL || e->seq > best->seq))
			best = e;
	}
	if (best == NULL)
		return NULL;
	*offset = addr - best->start;
	return best->name;
}

void
perfmap_clear(struct perfmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->entries[i].name);
	free(m->entries);
	*m = (struct perfmap){0};
}
