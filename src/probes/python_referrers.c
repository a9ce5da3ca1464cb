#include "python_referrers.h"

#include "../addr_index.h"
#include "../addr_order.h"
#include "../clock.h"
#include "../refs_graph.h"
#include "../string_table.h"
#include "../xmalloc.h"
#include "memory_cache.h"
#include "python_dict.h"
#include "python_locals.h"
#include "python_namer.h"
#include "python_referents.h"
#include "python_stack.h"
#include "python_string.h"
#include "python_threads.h"
#include "python_type_flags.h"
#include "target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bases followed from a class looking for __del__. */
#define REFERRERS_MAX_BASES 64
/* Cycles: the longest looked for, the nodes one search may visit, and the
 * most reported (each object in one). */
#define REFERRERS_CYCLE_DEPTH  16
#define REFERRERS_CYCLE_VISITS 4096
#define REFERRERS_MAX_CYCLES   100000

/* A variable of a thread's live frame, a root: what a running function
 * holds is alive as long as it runs. */
struct referrers_local {
	size_t thread, frame; /* in stacks */
	char *name;           /* owned */
	uint64_t value;
};

/* What is recorded while the target is stopped (the objects walked, their
 * types classified, sys.modules, and a copy of the memory their references
 * are read from), and what is read from that copy once it runs again (the
 * references that lead to another object walked). */
struct referrers_copy {
	const struct python_layout *l;
	const struct python_memory *mem; /* the stop's, until it ends */
	uint64_t *objects;               /* walked; by address once read */
	uint32_t *type_of;               /* per object: index into types */
	size_t nobjects, cap;            /* cap of the two arrays above */
	struct python_ref_buf probe;     /* one object's references, reused */
	uint64_t *types;                 /* distinct type addresses */
	struct python_ref_type *classes;
	size_t ntypes, types_cap;
	struct addr_index type_index;
	uint64_t last_type; /* of the previous object: most runs share one */
	uint32_t last_type_at;
	struct python_dict_item *modules; /* sys.modules: name -> module */
	size_t nmodules;
	struct python_raw stacks;       /* every thread's frames */
	struct referrers_local *locals; /* their variables: roots after the modules */
	size_t nlocals, locals_cap;
	struct memory_cache *copy; /* owned: the stop's copy, frozen */
	/* Read from the copy after the stop: */
	size_t *first_ref;       /* per object: its first edge (one more at the end) */
	struct python_ref *refs; /* the edges: references to an object walked */
	uint32_t *edge_to;       /* per edge: that object's index */
	size_t nrefs, refs_cap;
	uint64_t references; /* read, to objects walked or not */
	uint64_t not_copied; /* objects whose references the stop did not copy */
	bool capped;
};

static void
copy_locals_free(struct referrers_copy *c)
{
	for (size_t i = 0; i < c->nlocals; i++)
		free(c->locals[i].name);
	c->nlocals = 0;
	python_stack_raw_free(&c->stacks);
	memset(&c->stacks, 0, sizeof(c->stacks));
}

/* Each thread's frames and their variables, read in the stop: a frame
 * read after it may have returned. */
static void
copy_locals(struct referrers_copy *c, const struct python_target *t,
            const struct python_memory *mem)
{
	if (python_stack_read(t, mem, &c->stacks) != 0)
		return;
	for (size_t i = 0; i < c->stacks.nthreads; i++) {
		const struct python_raw_thread *th = &c->stacks.threads[i];

		for (size_t k = 0; k < th->nframes; k++) {
			struct python_local_value *v;
			size_t n;

			if (python_locals_values(&t->layout, mem, &th->frames[k], &v, &n) != 0)
				continue;
			for (size_t j = 0; j < n; j++) {
				if (c->nlocals == c->locals_cap) {
					c->locals_cap = c->locals_cap ? 2 * c->locals_cap : 64;
					c->locals = xreallocarray(c->locals, c->locals_cap,
					                          sizeof(*c->locals));
				}
				c->locals[c->nlocals++] =
				    (struct referrers_local){i, k, v[j].name, v[j].value};
				v[j].name = NULL; /* moved */
			}
			python_locals_values_free(v, n);
		}
	}
}

static void
copy_start(void *arg, const struct python_target *t, const struct python_memory *mem)
{
	struct referrers_copy *c = arg;
	uint64_t interp = 0, modules = 0;

	/* An attempt made again starts over. */
	c->l = &t->layout;
	c->mem = mem;
	c->nobjects = c->ntypes = 0;
	c->last_type = 0;
	addr_index_clear(&c->type_index);
	free(c->modules);
	c->modules = NULL;
	c->nmodules = 0;
	if (t->layout.interp.modules >= 0 && python_stack_first_interp(t, mem, &interp) == 0 &&
	    interp != 0 &&
	    python_memory_u64(mem, interp + (uint64_t)t->layout.interp.modules, &modules) == 0)
		c->nmodules = python_dict_items(&t->layout, mem, modules, &c->modules);
	copy_locals_free(c);
	copy_locals(c, t, mem);
}

static uint32_t
copy_type(struct referrers_copy *c, uint64_t type)
{
	size_t at;

	if (c->ntypes > 0 && type == c->last_type)
		return c->last_type_at;
	at = addr_index_find_or_add(&c->type_index, type, c->ntypes);
	if (at == c->ntypes) {
		if (c->ntypes == c->types_cap) {
			c->types_cap = c->types_cap ? c->types_cap * 2 : 256;
			c->types = xreallocarray(c->types, c->types_cap, sizeof(*c->types));
			c->classes = xreallocarray(c->classes, c->types_cap, sizeof(*c->classes));
		}
		c->types[at] = type;
		python_referents_type(c->l, c->mem, type, &c->classes[at]);
		c->ntypes++;
	}
	c->last_type = type;
	c->last_type_at = (uint32_t)at;
	return (uint32_t)at;
}

/* While the target is stopped: records the object, and reads its
 * references once, for what that read copies (a list's items, a dict's
 * table, a set's, a deque's blocks, a generator's or frame's variables and
 * its code's names for them) into the stop's copy; they are read
 * again, from the copy, after the stop. */
static void
copy_object(void *arg, uint64_t obj, uint64_t type)
{
	struct referrers_copy *c = arg;
	uint32_t t = copy_type(c, type);

	if (c->nobjects == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 65536;
		c->objects = xreallocarray(c->objects, c->cap, sizeof(*c->objects));
		c->type_of = xreallocarray(c->type_of, c->cap, sizeof(*c->type_of));
	}
	c->objects[c->nobjects] = obj;
	c->type_of[c->nobjects] = t;
	c->nobjects++;
	c->probe.n = 0;
	python_referents_of(c->l, c->mem, obj, &c->classes[t], &c->probe);
}

static void
copy_keep(void *arg, struct memory_cache *copy)
{
	struct referrers_copy *c = arg;

	memory_cache_free(c->copy); /* an earlier attempt's */
	c->copy = copy;
	c->mem = NULL;
}

static void
copy_add_edge(struct referrers_copy *c, const struct python_ref *r, uint32_t to)
{
	if (c->nrefs == c->refs_cap) {
		c->refs_cap = c->refs_cap ? c->refs_cap * 2 : 65536;
		c->refs = xreallocarray(c->refs, c->refs_cap, sizeof(*c->refs));
		c->edge_to = xreallocarray(c->edge_to, c->refs_cap, sizeof(*c->edge_to));
	}
	c->refs[c->nrefs] = *r;
	c->edge_to[c->nrefs++] = to;
}

/* After the stop: puts the objects in address order (an object's index is
 * its place in it) and reads every object's references from the copy,
 * keeping those to another object walked (a str, an int is no link of a
 * chain). The layout is l: the census's target is closed by now. */
static void
copy_read_references(struct referrers_copy *c, const struct python_layout *l,
                     struct addr_order *order)
{
	struct python_memory frozen = {memory_cache_read, c->copy, NULL};

	addr_order_sort(c->objects, c->type_of, c->nobjects);
	addr_order_init(order, c->objects, c->nobjects);
	c->first_ref = xmalloc((c->nobjects + 1) * sizeof(*c->first_ref));
	for (size_t i = 0; i < c->nobjects; i++) {
		uint64_t misses = memory_cache_misses(c->copy);

		c->first_ref[i] = c->nrefs;
		if (c->capped)
			continue;
		c->probe.n = 0;
		python_referents_of(l, &frozen, c->objects[i], &c->classes[c->type_of[i]],
		                    &c->probe);
		c->not_copied += memory_cache_misses(c->copy) != misses;
		c->references += c->probe.n;
		for (size_t k = 0; k < c->probe.n; k++) {
			size_t to = addr_order_find(order, c->probe.refs[k].to);

			if (to != SIZE_MAX)
				copy_add_edge(c, &c->probe.refs[k], (uint32_t)to);
		}
		if (c->nrefs > PYTHON_REFERRERS_MAX_REFS) {
			c->capped = true;
			c->nrefs = c->first_ref[i];
		}
	}
	c->first_ref[c->nobjects] = c->nrefs;
}

static void
copy_free(struct referrers_copy *c)
{
	free(c->objects);
	free(c->type_of);
	free(c->first_ref);
	free(c->refs);
	free(c->edge_to);
	python_ref_buf_free(&c->probe);
	free(c->types);
	free(c->classes);
	addr_index_free(&c->type_index);
	free(c->modules);
	copy_locals_free(c);
	free(c->locals);
	memory_cache_free(c->copy);
}

/* Naming what the chains shown go through, after the stop, from the live
 * target (a name read is a str or a type: immutable while referred to). */
struct referrers_names {
	const struct python_target *target;
	const struct python_memory *mem;
	struct python_namer *namer;
	const struct referrers_copy *copy;
	const struct addr_order *objects; /* the copy's objects, by address */
	const uint32_t *edge_to;
	char **type_names; /* per type index, read on first use */
	struct addr_index label_index;
	char **labels; /* names of labels (keys, slot names) by address, in order seen */
	size_t nlabels, labels_cap;
	struct string_table steps;
};

static const char *const referrers_kinds[PYTHON_REF_EDGE_KINDS] = {
    [PYTHON_REF_GLOBAL] = "global",
    [PYTHON_REF_ATTR] = "attribute",
    [PYTHON_REF_SLOT] = "slot",
    [PYTHON_REF_CLASS_ATTR] = "class attribute",
    [PYTHON_REF_VALUE] = "value",
    [PYTHON_REF_KEY] = "key",
    [PYTHON_REF_INDEX] = "index",
    [PYTHON_REF_MEMBER] = "member",
    [PYTHON_REF_CELL] = "cell",
    [PYTHON_REF_SELF] = "__self__",
    [PYTHON_REF_FUNC] = "__func__",
    [PYTHON_REF_LOCAL] = "local",
    [PYTHON_REF_CLOSURE] = "__closure__",
    [PYTHON_REF_DEFAULTS] = "__defaults__",
    [PYTHON_REF_KWDEFAULTS] = "__kwdefaults__",
    [PYTHON_REF_TB_FRAME] = "tb_frame",
    [PYTHON_REF_TB_NEXT] = "tb_next",
    [PYTHON_REF_ARGS] = "args",
    [PYTHON_REF_TRACEBACK] = "__traceback__",
    [PYTHON_REF_CONTEXT] = "__context__",
    [PYTHON_REF_CAUSE] = "__cause__",
    [PYTHON_REF_CORO] = "coroutine",
};

static const char *
names_type(struct referrers_names *n, uint32_t t)
{
	if (n->type_names[t] == NULL)
		n->type_names[t] =
		    python_types_name_of(n->target, n->mem, n->namer, n->copy->types[t], false);
	return n->type_names[t];
}

/* The name a reference of kind kind is known by: a global's, attribute's
 * or slot's; NULL for the kinds named by position or not at all. */
static const char *
names_label(struct referrers_names *n, enum python_ref_edge kind, uint64_t label)
{
	char buf[PYTHON_TYPES_NAME_MAX];
	size_t at;

	if (kind != PYTHON_REF_GLOBAL && kind != PYTHON_REF_ATTR && kind != PYTHON_REF_SLOT &&
	    kind != PYTHON_REF_CLASS_ATTR && kind != PYTHON_REF_LOCAL)
		return NULL;
	at = addr_index_find_or_add(&n->label_index, label, n->nlabels);
	if (at < n->nlabels)
		return n->labels[at];
	if (n->nlabels == n->labels_cap) {
		n->labels_cap = n->labels_cap ? n->labels_cap * 2 : 64;
		n->labels = xreallocarray(n->labels, n->labels_cap, sizeof(*n->labels));
	}
	if (kind == PYTHON_REF_SLOT)
		n->labels[at] =
		    python_string_c(n->mem, label, buf, sizeof(buf)) ? xstrdup(buf) : NULL;
	else
		n->labels[at] = python_namer_string(n->namer, label);
	if (n->labels[at] == NULL)
		n->labels[at] = xstrdup("?");
	n->nlabels++;
	return n->labels[at];
}

/* refs_graph_step_key: kind, name and the type reached. */
static size_t
names_step_key(void *arg, size_t edge)
{
	struct referrers_names *n = arg;
	const struct python_ref *r = &n->copy->refs[edge];
	const char *name = names_label(n, r->kind, r->label);
	char *key = xasprintf("%u\n%s\n%u", r->kind, name != NULL ? name : "",
	                      n->copy->type_of[n->edge_to[edge]]);
	size_t id = string_table_id(&n->steps, key, strlen(key));

	free(key);
	return id;
}

/* The example chain's own label of reference r: a dict key's text or type,
 * an index. */
static char *
names_example(struct referrers_names *n, const struct python_ref *r)
{
	uint64_t key_type = 0;
	char *text, *out;

	if (r->kind == PYTHON_REF_INDEX)
		return xasprintf("%llu", (unsigned long long)r->label);
	if (r->kind != PYTHON_REF_VALUE)
		return NULL;
	if (python_memory_u64(n->mem, r->label + (uint64_t)n->target->layout.object.ob_type,
	                      &key_type) != 0)
		return NULL;
	text = python_types_name_of(n->target, n->mem, n->namer, key_type, false);
	if (strcmp(text, "str") == 0 || strcmp(text, "unicode") == 0) {
		char *s = python_namer_string(n->namer, r->label);

		if (s != NULL) {
			free(text);
			out = xasprintf("'%s'", s);
			free(s);
			return out;
		}
	}
	out = xasprintf("<%s>", text);
	free(text);
	return out;
}

static void
names_fill_step(struct referrers_names *n, size_t edge, struct python_refs_step *s)
{
	const struct python_ref *r = &n->copy->refs[edge];
	const char *name = names_label(n, r->kind, r->label);
	uint32_t to = n->edge_to[edge];

	s->kind = referrers_kinds[r->kind];
	s->name = name != NULL ? xstrdup(name) : NULL;
	s->example = names_example(n, r);
	s->type = xstrdup(names_type(n, n->copy->type_of[to]));
	s->address = n->copy->objects[to];
}

static void
names_free(struct referrers_names *n)
{
	for (size_t i = 0; i < n->copy->ntypes; i++)
		free(n->type_names[i]);
	free(n->type_names);
	for (size_t i = 0; i < n->nlabels; i++)
		free(n->labels[i]);
	free(n->labels);
	addr_index_free(&n->label_index);
	string_table_clear(&n->steps);
}

/* Whether the type of index t is the one sought: its tp_name, or its
 * module-qualified name. */
static bool
referrers_is_sought(struct referrers_names *n, uint32_t t, const char *sought)
{
	char *q;
	bool match;

	if (strcmp(names_type(n, t), sought) == 0)
		return true;
	if (strchr(sought, '.') == NULL)
		return false;
	q = python_types_name_of(n->target, n->mem, n->namer, n->copy->types[t], true);
	match = strcmp(q, sought) == 0;
	free(q);
	return match;
}

/* Names chain ch's root, root_of (a module of sys.modules, or past them a
 * variable of a thread's frame). */
static void
referrers_root(struct referrers_names *n, size_t root_of, struct python_refs_chain *ch)
{
	const struct referrers_copy *c = n->copy;
	const struct referrers_local *v;
	const struct python_raw_thread *th;
	struct frame_row f = {0};
	char *name;

	if (root_of < c->nmodules) {
		name = python_namer_string(n->namer, c->modules[root_of].key);
		ch->root_kind = "module";
		ch->root = name != NULL ? name : xstrdup("?");
		return;
	}
	v = &c->locals[root_of - c->nmodules];
	th = &c->stacks.threads[v->thread];
	python_namer_frame(n->namer, &th->frames[v->frame], &f);
	ch->root_kind = "local";
	ch->thread = th->name != NULL ? xstrdup(th->name)
	                              : xasprintf("0x%llx", (unsigned long long)th->pthread);
	ch->function = xstrdup(f.function != NULL ? f.function : "?");
	ch->variable = xstrdup(v->name);
	ch->root = xasprintf("thread %s, frame %s, local %s", ch->thread, ch->function, v->name);
	frame_row_clear(&f);
}

static void
referrers_chains(struct referrers_names *n, const struct refs_graph_result *res,
                 const uint32_t *roots, const size_t *root_of, size_t max_chains,
                 struct python_refs *out)
{
	out->nchains_all = res->ngroups;
	out->nchains = res->ngroups < max_chains ? res->ngroups : max_chains;
	out->chains = xcalloc(out->nchains ? out->nchains : 1, sizeof(*out->chains));
	for (size_t i = 0; i < out->nchains; i++) {
		const struct refs_graph_group *g = &res->groups[i];
		struct python_refs_chain *ch = &out->chains[i];

		ch->count = g->count;
		referrers_root(n, root_of[g->root], ch);
		ch->root_address = n->copy->objects[roots[g->root]];
		ch->nsteps = g->nedges;
		ch->steps = xcalloc(g->nedges ? g->nedges : 1, sizeof(*ch->steps));
		for (size_t k = 0; k < g->nedges; k++)
			names_fill_step(n, g->edges[k], &ch->steps[k]);
	}
}

/* Whether the class at type (its namespace dict) defines __del__ itself.
 * A class walked has its attributes among the copy's edges, their names
 * read once per key (interned: one str for every class's "__del__"); a
 * class not walked has its dict read key by key from the live target. */
static bool
referrers_defines_del(struct referrers_names *n, uint64_t type, uint64_t dict)
{
	const struct referrers_copy *c = n->copy;
	size_t node = addr_order_find(n->objects, type);

	if (node == SIZE_MAX)
		return dict != 0 && python_dict_get(n->namer, dict, "__del__") != 0;
	for (size_t e = c->first_ref[node]; e < c->first_ref[node + 1]; e++)
		if (c->refs[e].kind == PYTHON_REF_CLASS_ATTR &&
		    strcmp(names_label(n, PYTHON_REF_CLASS_ATTR, c->refs[e].label), "__del__") == 0)
			return true;
	return false;
}

/* Whether the class at type (or a base) defines __del__: its objects in a
 * cycle were never freed before 3.4 (PEP 442), and left in gc.garbage. */
static bool
referrers_has_del(struct referrers_names *n, uint64_t type)
{
	const struct python_layout *l = &n->target->layout;

	for (int depth = 0; depth < REFERRERS_MAX_BASES && type != 0; depth++) {
		uint64_t dict = python_memory_word(n->mem, type + (uint64_t)l->type.tp_dict);
		uint64_t flags = python_memory_word(n->mem, type + (uint64_t)l->type.tp_flags);

		if (l->type.tp_dict < 0 || l->type.tp_base < 0)
			return false;
		/* A static type (object, a builtin) defines no __del__ in Python. */
		if (!(flags & PYTHON_TPFLAG_HEAPTYPE))
			return false;
		if (referrers_defines_del(n, type, dict))
			return true;
		type = python_memory_word(n->mem, type + (uint64_t)l->type.tp_base);
	}
	return false;
}

/* The items of gc.garbage, as nodes marked in garbage: the list that is
 * the gc module's global "garbage" (2.7, and 3.x with gc.DEBUG_SAVEALL). */
static void
referrers_garbage(struct referrers_names *n, const struct refs_graph *g, const size_t *root_of,
                  bool *garbage)
{
	for (size_t r = 0; r < g->nroots && root_of[r] < n->copy->nmodules; r++) {
		char *name = python_namer_string(n->namer, n->copy->modules[root_of[r]].key);
		bool gc = name != NULL && strcmp(name, "gc") == 0;
		uint32_t m = g->roots[r];

		free(name);
		for (size_t e = g->first_edge[m]; gc && e < g->first_edge[m + 1]; e++) {
			const struct python_ref *ref = &n->copy->refs[e];
			const char *label = names_label(n, ref->kind, ref->label);
			uint32_t list = g->edge_to[e];

			if (label == NULL || strcmp(label, "garbage") != 0 ||
			    list == REFS_GRAPH_NONE)
				continue;
			for (size_t k = g->first_edge[list]; k < g->first_edge[list + 1]; k++)
				if (g->edge_to[k] != REFS_GRAPH_NONE)
					garbage[g->edge_to[k]] = true;
		}
	}
}

static int
referrers_cycles_by_count(const void *a, const void *b)
{
	const struct python_refs_cycle *x = a, *y = b;

	return x->count != y->count ? (x->count > y->count ? -1 : 1) : 0;
}

/* The uncollectable cycles: through each object of a class with __del__
 * that is in gc.garbage or that no module reaches, the shortest cycle of
 * such objects back to it; each object in one cycle at most; grouped as
 * chains are. */
static void
referrers_cycles(struct referrers_names *n, const struct refs_graph *g,
                 const struct refs_graph_result *res, const size_t *root_of, size_t max_cycles,
                 struct python_refs *out)
{
	const struct referrers_copy *c = n->copy;
	size_t nn = c->nobjects ? c->nobjects : 1;
	bool *garbage = xcalloc(nn, sizeof(*garbage)), *set = xcalloc(nn, sizeof(*set));
	/* Per type: 0 not looked at yet, 1 no __del__, 2 __del__; looked at only
	 * for the types of objects in set (each class's dict read key by key
	 * from the live target: thousands of reads for all of them). */
	unsigned char *del = xcalloc(c->ntypes ? c->ntypes : 1, sizeof(*del));
	struct refs_graph_cycles scratch = {0};
	struct string_table groups = {0};
	size_t *sig = NULL, sig_cap = 0;

	referrers_garbage(n, g, root_of, garbage);
	for (size_t i = 0; i < c->nobjects; i++)
		set[i] = garbage[i] || res->parent[i] == REFS_GRAPH_NONE;
	for (size_t r = 0; r < g->nroots; r++)
		set[g->roots[r]] = garbage[g->roots[r]];
	for (uint32_t v = 0; v < c->nobjects && out->ncycles_all < REFERRERS_MAX_CYCLES; v++) {
		size_t *edges, len, id;

		uint32_t t = c->type_of[v];

		if (!set[v])
			continue;
		if (del[t] == 0)
			del[t] =
			    c->classes[t].attributes && referrers_has_del(n, c->types[t]) ? 2 : 1;
		if (del[t] != 2)
			continue;
		len = refs_graph_cycle(g, v, set, REFERRERS_CYCLE_DEPTH, REFERRERS_CYCLE_VISITS,
		                       &scratch, &edges);
		if (len == 0)
			continue;
		if (len + 1 > sig_cap) {
			sig_cap = 2 * (len + 1);
			sig = xreallocarray(sig, sig_cap, sizeof(*sig));
		}
		sig[0] = garbage[v];
		for (size_t k = 0; k < len; k++) {
			sig[k + 1] = names_step_key(n, edges[k]);
			set[n->edge_to[edges[k]]] = false; /* in one cycle at most */
		}
		id = string_table_id(&groups, (const char *)sig, (len + 1) * sizeof(*sig));
		if (id == out->ncycles_all) {
			out->cycles =
			    xreallocarray(out->cycles, ++out->ncycles_all, sizeof(*out->cycles));
			out->cycles[id] = (struct python_refs_cycle){
			    .why = garbage[v] ? "in gc.garbage"
			           : n->target->layout.major == 2
			               ? "__del__, reached from no module: "
			                 "never freed (2.7)"
			               : "__del__, reached from no module: "
			                 "freed only by a collection"};
			out->cycles[id].nsteps = len;
			out->cycles[id].steps = xcalloc(len, sizeof(*out->cycles[id].steps));
			for (size_t k = 0; k < len; k++)
				names_fill_step(n, edges[k], &out->cycles[id].steps[k]);
		}
		out->cycles[id].count++;
		free(edges);
	}
	if (out->ncycles_all > 1) /* (cycles is NULL when there are none) */
		qsort(out->cycles, out->ncycles_all, sizeof(*out->cycles),
		      referrers_cycles_by_count);
	out->ncycles = out->ncycles_all < max_cycles ? out->ncycles_all : max_cycles;
	for (size_t i = out->ncycles; i < out->ncycles_all; i++) {
		for (size_t k = 0; k < out->cycles[i].nsteps; k++) {
			free(out->cycles[i].steps[k].name);
			free(out->cycles[i].steps[k].example);
			free(out->cycles[i].steps[k].type);
		}
		free(out->cycles[i].steps);
	}
	string_table_clear(&groups);
	refs_graph_cycles_free(&scratch);
	free(sig);
	free(del);
	free(set);
	free(garbage);
}

/* Finds and groups the chains on the copy c (the target running again). */
static void
referrers_walk(const struct python_target *t, const struct python_memory *mem,
               struct referrers_copy *c, const struct addr_order *objects, const char *sought,
               size_t max_chains, struct python_refs *out)
{
	struct referrers_names n = {.target = t, .mem = mem, .copy = c, .objects = objects};
	struct refs_graph g = {.nnodes = c->nobjects,
	                       .first_edge = c->first_ref,
	                       .max_depth = PYTHON_REFERRERS_MAX_DEPTH};
	struct refs_graph_result res;
	bool *type_sought = xcalloc(c->ntypes ? c->ntypes : 1, sizeof(*type_sought));
	bool *sought_node = xcalloc(c->nobjects ? c->nobjects : 1, sizeof(*sought_node));
	size_t nmax = c->nmodules + c->nlocals + 1;
	uint32_t *roots = xcalloc(nmax, sizeof(*roots));
	size_t *root_of = xcalloc(nmax, sizeof(*root_of));
	size_t *root_key = xcalloc(nmax, sizeof(*root_key));

	n.namer = python_namer_new(t, mem);
	n.edge_to = c->edge_to;
	n.type_names = xcalloc(c->ntypes ? c->ntypes : 1, sizeof(*n.type_names));
	for (uint32_t i = 0; i < c->ntypes; i++)
		type_sought[i] = referrers_is_sought(&n, i, sought);
	for (size_t i = 0; i < c->nobjects; i++)
		sought_node[i] = type_sought[c->type_of[i]];
	/* The roots: each module of sys.modules that was walked (a module is a
	 * tracked object), then each variable of a thread's frame that holds an
	 * object walked: a module's chain is preferred where both reach. */
	for (size_t i = 0; i < c->nmodules + c->nlocals; i++) {
		uint64_t obj =
		    i < c->nmodules ? c->modules[i].value : c->locals[i - c->nmodules].value;
		size_t at = addr_order_find(objects, obj);

		if (at == SIZE_MAX)
			continue;
		root_of[g.nroots] = i;
		/* Each root's own key: modules are told apart by address. */
		root_key[g.nroots] = g.nroots;
		roots[g.nroots++] = (uint32_t)at;
	}
	python_threads_names(n.namer, NULL, &c->stacks);
	g.edge_to = c->edge_to;
	g.roots = roots;
	g.sought = sought_node;
	refs_graph_chains(&g, root_key, names_step_key, &n, &res);
	out->instances = res.sought;
	out->reached = res.reached;
	out->roots = g.nroots;
	referrers_chains(&n, &res, roots, root_of, max_chains, out);
	referrers_cycles(&n, &g, &res, root_of, max_chains, out);
	refs_graph_result_free(&res);
	names_free(&n);
	python_namer_free(n.namer);
	free(root_key);
	free(root_of);
	free(roots);
	free(sought_node);
	free(type_sought);
}

int
python_referrers_take(const struct procfs *fs, int pid, const char *type, size_t max_chains,
                      const struct python_types_limits *lim, struct python_refs **out)
{
	struct python_types_limits ours = {PYTHON_TYPES_MAX_OBJECTS, PYTHON_TYPES_MAX_STOP_S,
	                                   PYTHON_TYPES_MAX_COPY_BYTES, NULL};
	struct referrers_copy copy = {0};
	struct python_types_visitor visitor = {
	    .start = copy_start, .object = copy_object, .keep_copy = copy_keep, .arg = &copy};
	struct addr_order order = {0};
	double start = clock_monotonic_s();
	struct python_refs *r;
	struct target *handle;
	int err;

	*out = NULL;
	if (lim != NULL)
		ours = *lim;
	ours.visitor = &visitor;
	if ((err = target_open(fs, pid, TARGET_PYTHON, false, &handle)) != 0)
		return err;
	r = xcalloc(1, sizeof(*r));
	r->pid = pid;
	r->type = xstrdup(type);
	if ((err = python_types_take_in(fs, handle, pid, &ours, &r->census)) != 0) {
		target_close(handle);
		copy_free(&copy);
		python_refs_free(r);
		return err;
	}
	if (r->census->unreadable[0] != '\0') {
		snprintf(r->unreadable, sizeof(r->unreadable), "%s", r->census->unreadable);
	} else {
		if (copy.copy != NULL)
			copy_read_references(&copy, &target_python(handle)->layout, &order);
		r->references = copy.references;
		r->references_capped = copy.capped;
		r->objects_not_copied = copy.not_copied;
		referrers_walk(target_python(handle), target_memory(handle), &copy, &order, type,
		               max_chains, r);
	}
	target_close(handle);
	addr_order_free(&order);
	copy_free(&copy);
	/* The whole take, the walk of the copy and the naming included. */
	r->census->total_ms = (clock_monotonic_s() - start) * 1e3;
	clock_gettime(CLOCK_REALTIME, &r->taken_at);
	*out = r;
	return 0;
}
