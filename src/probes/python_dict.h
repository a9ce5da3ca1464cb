/* Dicts and instance attributes of a CPython process, read from outside:
 * the items of a dict, the own attributes of an instance, and a str key
 * found by its text. Their layouts changed with almost every version:
 *   2.7        open hash table of (hash, key, value) entries (ma_table);
 *   3.6–3.10   compact dicts: an index array, then the entries; a split
 *              dict (instances of one class) keeps its values apart;
 *              an instance's dict is at tp_dictoffset;
 *   3.11+      entries without a hash for str-only keys (dk_kind); managed
 *              instance dicts before the object (3.11: or a values array,
 *              3.12: a tagged pointer, 3.13: values inline after it).
 * Pure: reads only through the struct python_memory given (a live target,
 * a copy of its heap, a fake address space in tests and the fuzzer), and
 * every count read is untrusted and bounded. */
#ifndef STACKTOP_PYTHON_DICT_H
#define STACKTOP_PYTHON_DICT_H

#include "python_layout.h"
#include "python_memory.h"
#include "python_namer.h"

#include <stddef.h>
#include <stdint.h>

/* The most items read of one dict (or one instance's attributes): larger
 * counts are taken for garbage. */
#define PYTHON_DICT_MAX_ENTRIES 65536

/* One (hash, key, value) of a dict; hash is 0 where the layout keeps none
 * (3.11+ str-keyed dicts, an instance's shared keys). */
struct python_dict_item {
	uint64_t hash, key, value;
};

/* Reads the items of dict (a PyDictObject * of the target) whose key and
 * value are both set. Returns how many, and *items (owned; NULL when 0). */
size_t python_dict_items(const struct python_layout *l, const struct python_memory *mem,
                         uint64_t dict, struct python_dict_item **items);

/* The own attributes of instance obj (what its __dict__ holds: a dict at
 * tp_dictoffset, a managed dict, or values kept in the order of the class's
 * shared keys), as items; hash is 0 for the shared-keys forms. Returns how
 * many and *items (owned; NULL when 0). */
size_t python_instance_attrs(const struct python_layout *l, const struct python_memory *mem,
                             uint64_t obj, struct python_dict_item **items);

/* The item of items whose key is the str saying name, or NULL: read
 * through namer (its target's layout and memory). Keys that are names in
 * the program (modules, attributes) are interned, one str object in every
 * dict that has the key: *cached_key (when not NULL) is tried first by
 * address (its text read again: an object freed and made again there is
 * another) and set to the key found. */
const struct python_dict_item *python_dict_find(struct python_namer *namer,
                                                const struct python_dict_item *items, size_t n,
                                                const char *name, uint64_t *cached_key);

/* The value of str key name in dict (0 when it has no such key or cannot
 * be read), through namer: a module's global, a class's __module__. */
uint64_t python_dict_get(struct python_namer *namer, uint64_t dict, const char *name);

#endif
