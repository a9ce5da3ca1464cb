#include "string_table.h"

#include "xmalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys, no adversary that could choose collisions to matter
 * (a bad spread only costs probes). */
static uint64_t
string_table_hash(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The slot where key is, or the empty one where it would go. */
static size_t
string_table_slot(const struct string_table *t, const char *key, size_t len)
{
	size_t i = (size_t)string_table_hash(key, len) & (t->nslots - 1);

	for (; t->slots[i]; i = (i + 1) & (t->nslots - 1)) {
		size_t id = t->slots[i] - 1;

		if (t->lens[id] == len && memcmp(t->keys[id], key, len) == 0)
			break;
	}
	return i;
}

static void
string_table_grow(struct string_table *t)
{
	free(t->slots);
	t->nslots = t->nslots ? t->nslots * 2 : 256;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (size_t id = 0; id < t->nkeys; id++)
		t->slots[string_table_slot(t, t->keys[id], t->lens[id])] = id + 1;
}

size_t
string_table_id(struct string_table *t, const char *key, size_t len)
{
	size_t i;

	if ((t->nkeys + 1) * 2 > t->nslots)
		string_table_grow(t);
	i = string_table_slot(t, key, len);
	if (t->slots[i])
		return t->slots[i] - 1;
	t->keys = xreallocarray(t->keys, t->nkeys + 1, sizeof(*t->keys));
	t->lens = xreallocarray(t->lens, t->nkeys + 1, sizeof(*t->lens));
	t->keys[t->nkeys] = xmalloc(len + 1);
	memcpy(t->keys[t->nkeys], key, len);
	t->keys[t->nkeys][len] = '\0';
	t->lens[t->nkeys] = len;
	t->slots[i] = ++t->nkeys;
	return t->nkeys - 1;
}

void
string_table_clear(struct string_table *t)
{
	for (size_t id = 0; id < t->nkeys; id++)
		free(t->keys[id]);
	free(t->keys);
	free(t->lens);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
