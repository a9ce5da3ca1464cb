/* Python thread names, from outside: sys.modules['threading']._active maps
 * each thread's ident (its pthread_t) to its Thread object, whose name
 * attribute (_name; 2.7: _Thread__name) is what threading.current_thread()
 * .name says. Reading it means walking dicts and instance attributes, whose
 * layouts changed with almost every version:
 *   2.7        open hash table of (hash, key, value) entries (ma_table);
 *   3.6–3.10   compact dicts: an index array, then the entries; a split
 *              dict (instances of one class) keeps its values apart;
 *              an instance's dict is at tp_dictoffset;
 *   3.11+      entries without a hash for str-only keys (dk_kind); managed
 *              instance dicts before the object (3.11: or a values array,
 *              3.12: a tagged pointer, 3.13: values inline after it).
 * Everything read is untrusted: every count is bounded. */
#include "python_threads.h"

#include "../xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Bounds: a dict we walk, and a name we look for. */
#define THREADS_MAX_ENTRIES 65536

/* The part of the namer we read through. */
struct walk {
	struct python_namer *namer;
	const struct python_layout *l;
	const struct python_memory *mem;
	/* The type of str objects (2.7: of byte strings), from a key found by
	 * its text; 0 until then. A name read from a thread running on is
	 * checked to be one: a Thread renamed meanwhile may leave a freed
	 * object where its name was. */
	uint64_t str_type;
	struct python_threads_cache *cache; /* NULL: none */
};

/* The names whose key objects a cache keeps (python_threads_cache). */
static const char *const threads_cached_names[PYTHON_THREADS_CACHED] = {
    "threading",
    "_active",
    "_name",
    "_Thread__name",
};

/* The slot of name in the walk's cache, or NULL. */
static uint64_t *
walk_cached_key(const struct walk *w, const char *name)
{
	for (size_t i = 0; w->cache != NULL && i < PYTHON_THREADS_CACHED; i++)
		if (strcmp(threads_cached_names[i], name) == 0)
			return &w->cache->keys[i];
	return NULL;
}

static uint64_t
walk_ptr(const struct walk *w, uint64_t addr)
{
	uint64_t v = 0;

	if (addr == 0 || w->mem->read(w->mem->arg, addr, &v, sizeof(v)) != 0)
		return 0;
	return v;
}

static uint8_t
walk_u8(const struct walk *w, uint64_t addr)
{
	uint8_t v = 0;

	if (w->mem->read(w->mem->arg, addr, &v, sizeof(v)) != 0)
		return 0;
	return v;
}

/* One (hash, key, value) of a dict. */
struct dict_item {
	uint64_t hash, key, value;
};

/* Reads up to max items of dict into items (owned). Returns how many. */
static size_t
walk_dict(const struct walk *w, uint64_t dict, struct dict_item **items)
{
	const struct python_layout *l = w->l;
	size_t n = 0, count, esize, kofs, vofs, hofs;
	uint64_t keys, values, entries, size, *split = NULL;
	unsigned char *buf;

	*items = NULL;
	if (dict == 0)
		return 0;
	if (l->dict.ma_table >= 0) { /* 2.7 */
		size = walk_ptr(w, dict + (uint64_t)l->dict.ma_mask) + 1;
		entries = walk_ptr(w, dict + (uint64_t)l->dict.ma_table);
		values = 0;
		count = size;
		esize = (size_t)l->dict_entry.size, hofs = (size_t)l->dict_entry.me_hash;
		kofs = (size_t)l->dict_entry.me_key, vofs = (size_t)l->dict_entry.me_value;
	} else {
		keys = walk_ptr(w, dict + (uint64_t)l->dict.ma_keys);
		values = walk_ptr(w, dict + (uint64_t)l->dict.ma_values);
		if (keys == 0)
			return 0;
		count = walk_ptr(w, keys + (uint64_t)l->dict_keys.dk_nentries);
		if (l->dict_keys.dk_size >= 0) { /* 3.6–3.10 */
			size = walk_ptr(w, keys + (uint64_t)l->dict_keys.dk_size);
			if (size == 0 || size > THREADS_MAX_ENTRIES * 2)
				return 0;
			entries = keys + (uint64_t)l->dict_keys.dk_indices +
			          size * (size <= 0xff     ? 1
			                  : size <= 0xffff ? 2
			                                   : 4);
			esize = (size_t)l->dict_entry.size, hofs = (size_t)l->dict_entry.me_hash;
			kofs = (size_t)l->dict_entry.me_key, vofs = (size_t)l->dict_entry.me_value;
		} else { /* 3.11+ */
			uint8_t log2ix =
			    walk_u8(w, keys + (uint64_t)l->dict_keys.dk_log2_index_bytes);

			if (log2ix > 24)
				return 0;
			entries =
			    keys + (uint64_t)l->dict_keys.dk_indices + ((uint64_t)1 << log2ix);
			if (walk_u8(w, keys + (uint64_t)l->dict_keys.dk_kind) == 0) {
				esize = (size_t)l->dict_entry.size,
				hofs = (size_t)l->dict_entry.me_hash;
				kofs = (size_t)l->dict_entry.me_key;
				vofs = (size_t)l->dict_entry.me_value;
			} else { /* str keys: no hash kept */
				esize = (size_t)l->dict_unicode_entry.size, hofs = SIZE_MAX;
				kofs = (size_t)l->dict_unicode_entry.me_key;
				vofs = (size_t)l->dict_unicode_entry.me_value;
			}
		}
		if (values != 0)
			values += (uint64_t)l->dict_values.values;
	}
	if (entries == 0 || count == 0 || count > THREADS_MAX_ENTRIES || esize == 0)
		return 0;
	buf = xmalloc(count * esize);
	if (w->mem->read(w->mem->arg, entries, buf, count * esize) != 0) {
		free(buf);
		return 0;
	}
	/* A split dict's values live apart, in entry order: read at once. */
	if (values != 0) {
		split = xcalloc(count, sizeof(*split));
		if (w->mem->read(w->mem->arg, values, split, count * sizeof(*split)) != 0) {
			free(split);
			free(buf);
			return 0;
		}
	}
	*items = xcalloc(count, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct dict_item it = {0};

		memcpy(&it.key, buf + i * esize + kofs, sizeof(it.key));
		if (hofs != SIZE_MAX)
			memcpy(&it.hash, buf + i * esize + hofs, sizeof(it.hash));
		if (split != NULL)
			it.value = split[i];
		else
			memcpy(&it.value, buf + i * esize + vofs, sizeof(it.value));
		if (it.key != 0 && it.value != 0)
			(*items)[n++] = it;
	}
	free(split);
	free(buf);
	return n;
}

/* Whether str object obj says name. */
static bool
walk_key_is(const struct walk *w, uint64_t obj, const char *name)
{
	char *key = python_namer_string(w->namer, obj);
	bool match = key != NULL && strcmp(key, name) == 0;

	free(key);
	return match;
}

/* The item of str key name in items, or NULL. Keys that are names in the
 * program (modules, attributes) are interned: one str object in every dict
 * that has the key. So the one found is tried first, by address (and its
 * text read again: an object freed and made again at the address is
 * another), before every key's text is read. */
static const struct dict_item *
walk_find(const struct walk *w, const struct dict_item *items, size_t n, const char *name)
{
	uint64_t *cached = walk_cached_key(w, name);

	for (size_t i = 0; cached != NULL && *cached != 0 && i < n; i++) {
		if (items[i].key != *cached)
			continue;
		if (walk_key_is(w, items[i].key, name))
			return &items[i];
		break;
	}
	for (size_t i = 0; i < n; i++) {
		if (walk_key_is(w, items[i].key, name)) {
			if (cached != NULL)
				*cached = items[i].key;
			return &items[i];
		}
	}
	return NULL;
}

/* The value of str key name in dict, or 0; *key_type, when asked, gets
 * the type of the key that matched (a str). */
static uint64_t
walk_dict_get_typed(const struct walk *w, uint64_t dict, const char *name, uint64_t *key_type)
{
	struct dict_item *items;
	size_t n = walk_dict(w, dict, &items);
	const struct dict_item *it = walk_find(w, items, n, name);
	uint64_t v = it != NULL ? it->value : 0;

	if (it != NULL && key_type != NULL)
		*key_type = walk_ptr(w, it->key + (uint64_t)w->l->object.ob_type);
	free(items);
	return v;
}

static uint64_t
walk_dict_get(const struct walk *w, uint64_t dict, const char *name)
{
	return walk_dict_get_typed(w, dict, name, NULL);
}

/* The value of attribute name in a values array that follows the order of
 * a class's shared keys (3.11+ instances that have no dict of their own). */
static uint64_t
walk_shared_value(const struct walk *w, uint64_t keys, uint64_t values, const char *name)
{
	const struct python_layout *l = w->l;
	uint8_t log2ix = walk_u8(w, keys + (uint64_t)l->dict_keys.dk_log2_index_bytes);
	uint64_t count = walk_ptr(w, keys + (uint64_t)l->dict_keys.dk_nentries);
	uint64_t entries =
	    keys + (uint64_t)l->dict_keys.dk_indices + ((uint64_t)1 << (log2ix & 31));
	uint64_t esize = (uint64_t)l->dict_unicode_entry.size;
	struct dict_item *items;
	const struct dict_item *found;
	unsigned char *buf;
	uint64_t v;

	if (keys == 0 || log2ix > 24 || count > THREADS_MAX_ENTRIES || esize == 0)
		return 0;
	/* The keys as a dict's items, read at once, their values the indexes. */
	buf = xmalloc(count * esize + 1);
	if (w->mem->read(w->mem->arg, entries, buf, count * esize) != 0) {
		free(buf);
		return 0;
	}
	items = xcalloc(count + 1, sizeof(*items));
	for (uint64_t i = 0; i < count; i++) {
		items[i].value = i;
		memcpy(&items[i].key, buf + i * esize + (uint64_t)l->dict_unicode_entry.me_key,
		       sizeof(items[i].key));
	}
	free(buf);
	found = walk_find(w, items, (size_t)count, name);
	v = found != NULL ? walk_ptr(w, values + (uint64_t)l->dict_values.values + 8 * found->value)
	                  : 0;
	free(items);
	return v;
}

/* Attribute name of instance obj, looked up in its own attributes. */
static uint64_t
walk_attr(const struct walk *w, uint64_t obj, const char *name)
{
	const struct python_layout *l = w->l;
	uint64_t type = walk_ptr(w, obj + (uint64_t)l->object.ob_type), dict, flags, values = 0;

	if (type == 0)
		return 0;
	if (l->type.tp_dictoffset >= 0) { /* ≤3.10: the dict at tp_dictoffset */
		int64_t off = (int64_t)walk_ptr(w, type + (uint64_t)l->type.tp_dictoffset);

		return off > 0 && off < 4096
		           ? walk_dict_get(w, walk_ptr(w, obj + (uint64_t)off), name)
		           : 0;
	}
	flags = walk_ptr(w, type + (uint64_t)l->type.tp_flags);
	if (l->type.flag_managed_dict < 0 || !(flags & (uint64_t)l->type.flag_managed_dict))
		return 0;
	dict = walk_ptr(w, obj - (uint64_t)l->instance.dict_before);
	if (l->instance.values_before >= 0 && dict == 0) /* 3.11: values apart */
		values = walk_ptr(w, obj - (uint64_t)l->instance.values_before);
	else if (l->instance.values_before < 0 && l->type.flag_inline_values < 0 && (dict & 1))
		values = dict + 1, dict = 0; /* 3.12: the values' address minus 1 */
	else if (l->type.flag_inline_values >= 0 && dict == 0 &&
	         (flags & (uint64_t)l->type.flag_inline_values)) /* 3.13: after the object */
		values = obj + walk_ptr(w, type + (uint64_t)l->type.tp_basicsize);
	if (dict != 0)
		return walk_dict_get(w, dict, name);
	if (values == 0)
		return 0;
	return walk_shared_value(w, walk_ptr(w, type + (uint64_t)l->type.ht_cached_keys), values,
	                         name);
}

uint64_t
python_threads_dict_lookup(struct python_namer *namer, uint64_t dict, const char *name)
{
	const struct python_target *t = python_namer_target(namer);
	struct walk w = {namer, &t->layout, python_namer_memory(namer), 0, NULL};

	return dict != 0 ? walk_dict_get(&w, dict, name) : 0;
}

/* Names the threads of r that belong to interpreter interp from its own
 * threading._active: each interpreter (a subinterpreter of 3.12+ too) has
 * its own modules, and its threads are listed there alone. */
static void
threads_name_interp(struct walk *w, struct python_raw *r, uint64_t interp)
{
	const struct python_layout *l = w->l;
	uint64_t modules, threading, active, *thread_of;
	struct dict_item *items, *again;
	size_t n, m;

	modules = walk_ptr(w, interp + (uint64_t)l->interp.modules);
	threading = walk_dict_get_typed(w, modules, "threading", &w->str_type);
	if (threading == 0 || w->str_type == 0)
		return;
	active = walk_dict_get(w, walk_ptr(w, threading + (uint64_t)l->module.md_dict), "_active");
	n = walk_dict(w, active, &items);
	thread_of = xcalloc(r->nthreads + 1, sizeof(*thread_of));
	for (size_t i = 0; i < n; i++) {
		/* The key is the ident, an int whose hash is itself (below 2**61 -
		 * 1, as every pthread_t is). */
		uint64_t ident = items[i].hash, name;

		for (size_t k = 0; k < r->nthreads; k++) {
			if (r->threads[k].pthread != ident || ident == 0 ||
			    r->threads[k].interp != interp || r->threads[k].name != NULL)
				continue;
			name =
			    walk_attr(w, items[i].value, l->major == 2 ? "_Thread__name" : "_name");
			if (name == 0 ||
			    walk_ptr(w, name + (uint64_t)l->object.ob_type) != w->str_type)
				continue;
			r->threads[k].name = python_namer_string(w->namer, name);
			thread_of[k] = items[i].value;
		}
	}
	/* Read from a process that runs on, a thread that ended meanwhile may
	 * have left its Thread (and its name) freed and reused: a name is kept
	 * when _active still maps its ident to the same Thread, which it then
	 * kept alive all along. (Read while stopped, this costs one read.) */
	m = walk_dict(w, active, &again);
	for (size_t k = 0; k < r->nthreads; k++) {
		bool held = false;

		for (size_t i = 0; i < m && thread_of[k] != 0 && !held; i++)
			held = again[i].hash == r->threads[k].pthread &&
			       again[i].value == thread_of[k];
		if (thread_of[k] != 0 && !held) {
			free(r->threads[k].name);
			r->threads[k].name = NULL;
		}
	}
	free(thread_of);
	free(again);
	free(items);
}

void
python_threads_names(struct python_namer *namer, struct python_threads_cache *cache,
                     struct python_raw *r)
{
	const struct python_target *t = python_namer_target(namer);
	struct walk w = {namer, &t->layout, python_namer_memory(namer), 0, cache};
	const struct python_layout *l = &t->layout;

	if (l->interp.modules < 0 || l->module.md_dict < 0)
		return;
	/* Each interpreter once (a subinterpreter's threads are in its own
	 * threading._active), in the order its threads were read. */
	for (size_t k = 0; k < r->nthreads; k++) {
		bool seen = r->threads[k].interp == 0;

		for (size_t j = 0; j < k && !seen; j++)
			seen = r->threads[j].interp == r->threads[k].interp;
		if (!seen)
			threads_name_interp(&w, r, r->threads[k].interp);
	}
}
