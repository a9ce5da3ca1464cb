#include "python_dict.h"

#include "../xmalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
dict_ptr(const struct python_memory *mem, uint64_t addr)
{
	return python_memory_word(mem, addr);
}

static uint8_t
dict_u8(const struct python_memory *mem, uint64_t addr)
{
	uint8_t v = 0;

	if (addr == 0 || mem->read(mem->arg, addr, &v, sizeof(v)) != 0)
		return 0;
	return v;
}

/* Where a dict's entries are and how one is laid out. */
struct dict_shape {
	uint64_t entries;               /* the first entry */
	uint64_t values;                /* a split dict's values (in entry order), or 0 */
	size_t count;                   /* entries in use or deleted */
	size_t esize, hofs, kofs, vofs; /* hofs SIZE_MAX: no hash kept */
};

/* The entries of a 3.11+ keys object (PyDictKeysObject *): after its index
 * array, whose size is 1 << dk_log2_index_bytes. */
static uint64_t
dict_entries_311(const struct python_layout *l, const struct python_memory *mem, uint64_t keys)
{
	uint8_t log2ix = dict_u8(mem, keys + (uint64_t)l->dict_keys.dk_log2_index_bytes);

	if (log2ix > 24)
		return 0;
	return keys + (uint64_t)l->dict_keys.dk_indices + ((uint64_t)1 << log2ix);
}

/* Fills *s for dict; false when it cannot be read or is implausible. */
static bool
dict_shape(const struct python_layout *l, const struct python_memory *mem, uint64_t dict,
           struct dict_shape *s)
{
	uint64_t keys, size;

	memset(s, 0, sizeof(*s));
	if (l->dict.ma_table >= 0) { /* 2.7 */
		s->count = (size_t)dict_ptr(mem, dict + (uint64_t)l->dict.ma_mask) + 1;
		s->entries = dict_ptr(mem, dict + (uint64_t)l->dict.ma_table);
		s->esize = (size_t)l->dict_entry.size, s->hofs = (size_t)l->dict_entry.me_hash;
		s->kofs = (size_t)l->dict_entry.me_key, s->vofs = (size_t)l->dict_entry.me_value;
		return s->entries != 0;
	}
	keys = dict_ptr(mem, dict + (uint64_t)l->dict.ma_keys);
	s->values = dict_ptr(mem, dict + (uint64_t)l->dict.ma_values);
	if (keys == 0)
		return false;
	s->count = (size_t)dict_ptr(mem, keys + (uint64_t)l->dict_keys.dk_nentries);
	if (l->dict_keys.dk_size >= 0) { /* 3.6–3.10 */
		size = dict_ptr(mem, keys + (uint64_t)l->dict_keys.dk_size);
		if (size == 0 || size > PYTHON_DICT_MAX_ENTRIES * 2)
			return false;
		s->entries = keys + (uint64_t)l->dict_keys.dk_indices +
		             size * (size <= 0xff     ? 1
		                     : size <= 0xffff ? 2
		                                      : 4);
		s->esize = (size_t)l->dict_entry.size, s->hofs = (size_t)l->dict_entry.me_hash;
		s->kofs = (size_t)l->dict_entry.me_key, s->vofs = (size_t)l->dict_entry.me_value;
	} else { /* 3.11+ */
		s->entries = dict_entries_311(l, mem, keys);
		if (dict_u8(mem, keys + (uint64_t)l->dict_keys.dk_kind) == 0) {
			s->esize = (size_t)l->dict_entry.size,
			s->hofs = (size_t)l->dict_entry.me_hash;
			s->kofs = (size_t)l->dict_entry.me_key;
			s->vofs = (size_t)l->dict_entry.me_value;
		} else { /* str keys: no hash kept */
			s->esize = (size_t)l->dict_unicode_entry.size, s->hofs = SIZE_MAX;
			s->kofs = (size_t)l->dict_unicode_entry.me_key;
			s->vofs = (size_t)l->dict_unicode_entry.me_value;
		}
	}
	if (s->values != 0)
		s->values += (uint64_t)l->dict_values.values;
	return s->entries != 0;
}

/* Reads the s.count entries at s.entries (and the values apart, when s.values
 * is set) into items: those whose key and value are set. */
static size_t
dict_read_entries(const struct python_memory *mem, const struct dict_shape *s,
                  struct python_dict_item **items)
{
	uint64_t *split = NULL;
	unsigned char *buf;
	size_t n = 0;

	*items = NULL;
	if (s->count == 0 || s->count > PYTHON_DICT_MAX_ENTRIES || s->esize == 0)
		return 0;
	buf = xmalloc(s->count * s->esize);
	if (mem->read(mem->arg, s->entries, buf, s->count * s->esize) != 0) {
		free(buf);
		return 0;
	}
	/* A split dict's values live apart, in entry order: read at once. */
	if (s->values != 0) {
		split = xcalloc(s->count, sizeof(*split));
		if (mem->read(mem->arg, s->values, split, s->count * sizeof(*split)) != 0) {
			free(split);
			free(buf);
			return 0;
		}
	}
	*items = xcalloc(s->count, sizeof(**items));
	for (size_t i = 0; i < s->count; i++) {
		struct python_dict_item it = {0};
		const unsigned char *e = buf + i * s->esize;

		memcpy(&it.key, e + s->kofs, sizeof(it.key));
		if (s->hofs != SIZE_MAX)
			memcpy(&it.hash, e + s->hofs, sizeof(it.hash));
		if (split != NULL)
			it.value = split[i];
		else
			memcpy(&it.value, e + s->vofs, sizeof(it.value));
		if (it.key != 0 && it.value != 0)
			(*items)[n++] = it;
	}
	free(split);
	free(buf);
	if (n == 0) {
		free(*items);
		*items = NULL;
	}
	return n;
}

size_t
python_dict_items(const struct python_layout *l, const struct python_memory *mem, uint64_t dict,
                  struct python_dict_item **items)
{
	struct dict_shape s;

	*items = NULL;
	if (dict == 0 || !dict_shape(l, mem, dict, &s))
		return 0;
	return dict_read_entries(mem, &s, items);
}

/* The attributes kept in a values array that follows the order of a
 * class's shared keys (3.11+ instances that have no dict of their own). */
static size_t
dict_shared_values(const struct python_layout *l, const struct python_memory *mem, uint64_t keys,
                   uint64_t values, struct python_dict_item **items)
{
	struct dict_shape s = {0};

	*items = NULL;
	if (keys == 0)
		return 0;
	s.entries = dict_entries_311(l, mem, keys);
	s.count = (size_t)dict_ptr(mem, keys + (uint64_t)l->dict_keys.dk_nentries);
	s.values = values + (uint64_t)l->dict_values.values;
	s.esize = (size_t)l->dict_unicode_entry.size, s.hofs = SIZE_MAX;
	s.kofs = (size_t)l->dict_unicode_entry.me_key;
	s.vofs = (size_t)l->dict_unicode_entry.me_value;
	return s.entries != 0 ? dict_read_entries(mem, &s, items) : 0;
}

size_t
python_instance_attrs(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
                      struct python_dict_item **items)
{
	uint64_t type = dict_ptr(mem, obj + (uint64_t)l->object.ob_type), dict, flags, values = 0;

	*items = NULL;
	if (type == 0)
		return 0;
	flags = dict_ptr(mem, type + (uint64_t)l->type.tp_flags);
	if (l->type.flag_managed_dict < 0 || !(flags & (uint64_t)l->type.flag_managed_dict)) {
		/* ≤3.10, and 3.11+ types whose instances keep their dict where
		 * tp_dictoffset says (C types such as _asyncio.Future): a negative
		 * offset counts from the end of a variable-size object, which no
		 * type read here is. */
		int64_t off = l->type.tp_dictoffset >= 0
		                  ? (int64_t)dict_ptr(mem, type + (uint64_t)l->type.tp_dictoffset)
		                  : 0;

		return off > 0 && off < 4096
		           ? python_dict_items(l, mem, dict_ptr(mem, obj + (uint64_t)off), items)
		           : 0;
	}
	dict = dict_ptr(mem, obj - (uint64_t)l->instance.dict_before);
	if (l->instance.values_before >= 0 && dict == 0) /* 3.11: values apart */
		values = dict_ptr(mem, obj - (uint64_t)l->instance.values_before);
	else if (l->instance.values_before < 0 && l->type.flag_inline_values < 0 && (dict & 1))
		values = dict + 1, dict = 0; /* 3.12: the values' address minus 1 */
	else if (l->type.flag_inline_values >= 0 && dict == 0 &&
	         (flags & (uint64_t)l->type.flag_inline_values)) /* 3.13: after the object */
		values = obj + dict_ptr(mem, type + (uint64_t)l->type.tp_basicsize);
	if (dict != 0)
		return python_dict_items(l, mem, dict, items);
	if (values == 0)
		return 0;
	return dict_shared_values(l, mem, dict_ptr(mem, type + (uint64_t)l->type.ht_cached_keys),
	                          values, items);
}

/* Whether str object obj says name. */
static bool
dict_key_is(struct python_namer *namer, uint64_t obj, const char *name)
{
	char *key = python_namer_string(namer, obj);
	bool match = key != NULL && strcmp(key, name) == 0;

	free(key);
	return match;
}

const struct python_dict_item *
python_dict_find(struct python_namer *namer, const struct python_dict_item *items, size_t n,
                 const char *name, uint64_t *cached_key)
{
	for (size_t i = 0; cached_key != NULL && *cached_key != 0 && i < n; i++) {
		if (items[i].key != *cached_key)
			continue;
		if (dict_key_is(namer, items[i].key, name))
			return &items[i];
		break;
	}
	for (size_t i = 0; i < n; i++) {
		if (dict_key_is(namer, items[i].key, name)) {
			if (cached_key != NULL)
				*cached_key = items[i].key;
			return &items[i];
		}
	}
	return NULL;
}

uint64_t
python_dict_get(struct python_namer *namer, uint64_t dict, const char *name)
{
	const struct python_target *t = python_namer_target(namer);
	struct python_dict_item *items;
	size_t n = python_dict_items(&t->layout, python_namer_memory(namer), dict, &items);
	const struct python_dict_item *it = python_dict_find(namer, items, n, name, NULL);
	uint64_t v = it != NULL ? it->value : 0;

	free(items);
	return v;
}
