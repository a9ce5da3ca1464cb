/* Python thread names, from outside: sys.modules['threading']._active maps
 * each thread's ident (its pthread_t) to its Thread object, whose name
 * attribute (_name; 2.7: _Thread__name) is what threading.current_thread()
 * .name says: read through dicts and instance attributes (python_dict). */
#include "python_threads.h"

#include "../xmalloc.h"
#include "python_dict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* The value of str key name in dict, or 0; *key_type, when asked, gets
 * the type of the key that matched (a str). */
static uint64_t
walk_dict_get_typed(const struct walk *w, uint64_t dict, const char *name, uint64_t *key_type)
{
	struct python_dict_item *items;
	size_t n = python_dict_items(w->l, w->mem, dict, &items);
	const struct python_dict_item *it =
	    python_dict_find(w->namer, items, n, name, walk_cached_key(w, name));
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

/* Attribute name of instance obj, looked up in its own attributes. */
static uint64_t
walk_attr(const struct walk *w, uint64_t obj, const char *name)
{
	struct python_dict_item *items;
	size_t n = python_instance_attrs(w->l, w->mem, obj, &items);
	const struct python_dict_item *it =
	    python_dict_find(w->namer, items, n, name, walk_cached_key(w, name));
	uint64_t v = it != NULL ? it->value : 0;

	free(items);
	return v;
}

/* Names the threads of r that belong to interpreter interp from its own
 * threading._active: each interpreter (a subinterpreter of 3.12+ too) has
 * its own modules, and its threads are listed there alone. */
static void
threads_name_interp(struct walk *w, struct python_raw *r, uint64_t interp)
{
	const struct python_layout *l = w->l;
	uint64_t modules, threading, active, *thread_of;
	struct python_dict_item *items, *again;
	size_t n, m;

	modules = walk_ptr(w, interp + (uint64_t)l->interp.modules);
	threading = walk_dict_get_typed(w, modules, "threading", &w->str_type);
	if (threading == 0 || w->str_type == 0)
		return;
	active = walk_dict_get(w, walk_ptr(w, threading + (uint64_t)l->module.md_dict), "_active");
	n = python_dict_items(l, w->mem, active, &items);
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
	m = python_dict_items(l, w->mem, active, &again);
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
