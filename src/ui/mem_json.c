#include "mem_json.h"

#include "../python_types_diff.h"
#include "../xmalloc.h"
#include "json.h"

#include <stdlib.h>

/* How many growing types the growth verdict names (as text does). */
#define MEM_JSON_GROWING_TYPES 3

/* One type's row: its census at the end, and with two censuses (c not
 * NULL) the start's and the change; null for those with one. */
static void
mem_json_type(struct json *j, const char *name, uint64_t count, uint64_t bytes,
              uint64_t size_errors, const struct python_type_change *c)
{
	json_object_begin(j);
	json_key(j, "type");
	json_string(j, name);
	json_member_count(j, "count", (int64_t)count);
	json_member_count(j, "bytes", (int64_t)bytes);
	json_member_count(j, "size_errors", (int64_t)size_errors);
	json_member_count(j, "count_before", c != NULL ? (int64_t)c->count_before : -1);
	json_member_count(j, "bytes_before", c != NULL ? (int64_t)c->bytes_before : -1);
	json_key(j, "count_delta");
	if (c != NULL)
		json_int(j, c->count_delta);
	else
		json_null(j);
	json_key(j, "bytes_delta");
	if (c != NULL)
		json_int(j, c->bytes_delta);
	else
		json_null(j);
	json_object_end(j);
}

/* Whether a census ended early, and why (null when complete). */
static void
mem_json_partial(struct json *j, const struct python_types *p)
{
	json_key(j, "partial");
	json_bool(j, p->partial);
	json_key(j, "partial_reason");
	if (p->partial)
		json_string(j, p->partial_reason);
	else
		json_null(j);
}

/* The census at the start of the window, in the names python's members
 * give the end's; null when only one was taken. */
static void
mem_json_before(struct json *j, const struct python_types *b)
{
	if (b == NULL) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_member_count(j, "objects", (int64_t)b->objects);
	json_member_count(j, "types_total", (int64_t)b->ntypes);
	json_member_count(j, "size_errors", (int64_t)b->size_errors);
	json_member_double(j, "stopped_ms", b->stopped_ms, 3);
	json_member_double(j, "stopped_ms_max", b->longest_stop_ms, 3);
	json_member_double(j, "total_ms", b->total_ms, 3);
	json_member_count(j, "attempts", b->attempts);
	json_member_count(j, "threads_not_stopped", (int64_t)b->threads_not_stopped);
	mem_json_partial(j, b);
	json_object_end(j);
}

/* python: the collector's state and the top types, or null. */
static void
mem_json_python(struct json *j, const struct python_types *p, const struct python_types *before,
                const struct python_type_change *changes, size_t nchanges, size_t top)
{
	const struct python_type_change **of_row;

	if (p == NULL) {
		json_null(j);
		return;
	}
	/* Each shown row of the end's census, with its change. */
	of_row = xcalloc(top < p->ntypes ? top + 1 : p->ntypes + 1, sizeof(*of_row));
	for (size_t i = 0; i < nchanges; i++)
		if (changes[i].after < top && changes[i].after < p->ntypes)
			of_row[changes[i].after] = &changes[i];
	json_object_begin(j);
	json_key(j, "version");
	json_string(j, p->version);
	/* Why no object was counted (a free-threaded build), else null. */
	json_key(j, "reason");
	if (p->unreadable[0])
		json_string(j, p->unreadable);
	else
		json_null(j);
	json_key(j, "gc_generations");
	json_array_begin(j);
	for (int g = 0; g < p->ngenerations; g++)
		json_int(j, p->gc_count[g]);
	json_array_end(j);
	json_key(j, "gc_thresholds");
	json_array_begin(j);
	for (int g = 0; g < p->ngenerations; g++)
		json_int(j, p->gc_threshold[g]);
	json_array_end(j);
	json_member_count(j, "garbage", p->garbage);
	json_member_count(j, "frozen", p->frozen);
	json_member_count(j, "objects", (int64_t)p->objects);
	json_member_count(j, "types_total", (int64_t)p->ntypes);
	json_member_count(j, "size_errors", (int64_t)p->size_errors);
	json_key(j, "types");
	json_array_begin(j);
	for (size_t i = 0; i < p->ntypes && i < top; i++)
		mem_json_type(j, p->types[i].name, p->types[i].count, p->types[i].bytes,
		              p->types[i].size_errors, of_row[i]);
	json_array_end(j);
	free(of_row);
	/* The same rows in the order of growth, as text lists them; a type
	 * gone by the end is here with count 0. */
	json_key(j, "types_growth");
	json_array_begin(j);
	for (size_t i = 0; i < nchanges && i < top; i++)
		mem_json_type(j, changes[i].name, changes[i].count, changes[i].bytes,
		              changes[i].size_errors, &changes[i]);
	json_array_end(j);
	json_key(j, "interval_s");
	json_double(j, python_types_interval_s(before, p), 3);
	json_key(j, "before");
	mem_json_before(j, before);
	/* stopped_ms is every document's name for the stop; stop_ms stays
	 * for /1. */
	json_key(j, "stop_ms");
	json_double(j, p->stopped_ms, 3);
	mem_json_census_stop(j, p);
	json_object_end(j);
}

void
mem_json_census_stop(struct json *j, const struct python_types *p)
{
	json_key(j, "stopped_ms");
	json_double(j, p->stopped_ms, 3);
	json_key(j, "longest_stop_ms");
	json_double(j, p->longest_stop_ms, 3);
	/* The longest stop under record's name for it; longest_stop_ms stays
	 * for /1. */
	json_key(j, "stopped_ms_max");
	json_double(j, p->longest_stop_ms, 3);
	json_key(j, "max_stop_ms");
	json_double(j, p->max_stop_ms, 3);
	json_key(j, "total_ms");
	json_double(j, p->total_ms, 3);
	json_member_count(j, "attempts", p->attempts);
	json_member_count(j, "threads_not_stopped", (int64_t)p->threads_not_stopped);
	mem_json_partial(j, p);
}

void
mem_json_write(FILE *out, const struct mem_report *m)
{
	struct json j;

	const struct python_types *p = m->python, *b = m->python_before;
	size_t nchanges = 0;
	struct python_type_change *changes =
	    p != NULL && b != NULL ? python_types_diff(b, p, &nchanges) : NULL;

	json_init(&j, out);
	json_document_begin(&j, "stacktop.mem/1", &m->taken_at);
	json_key(&j, "pid");
	json_int(&j, m->pid);
	json_key(&j, "comm");
	json_string(&j, m->comm);
	json_member_count(&j, "rss_kib", m->rollup.rss_kib);
	json_member_count(&j, "pss_kib", m->rollup.pss_kib);
	json_member_count(&j, "uss_kib", m->rollup.uss_kib);
	json_member_count(&j, "swap_kib", m->rollup.swap_kib);
	/* How long the target was stopped: only --python-types stops it,
	 * once for each census. */
	json_key(&j, "stopped_ms");
	json_double(&j, (p != NULL ? p->stopped_ms : 0) + (b != NULL ? b->stopped_ms : 0), 3);
	json_key(&j, "breakdown");
	json_array_begin(&j);
	for (int k = 0; k < MEM_KINDS; k++) {
		json_object_begin(&j);
		json_key(&j, "kind");
		json_string(&j, mem_kind_names[k]);
		json_member_count(&j, "kib", m->breakdown.kib[k]);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "growth");
	json_object_begin(&j);
	json_key(&j, "window_s");
	json_double(&j, m->growth.span_s, 2);
	json_key(&j, "min_window_s");
	json_double(&j, m->growth.window_s, 2);
	json_key(&j, "samples");
	json_int(&j, (int64_t)m->samples);
	json_key(&j, "anon_kib_per_min");
	json_double(&j, m->growth.kib_per_min, 1);
	json_key(&j, "verdict");
	json_string(&j, growth_verdict_name(m->growth.verdict));
	/* The types behind a growing verdict, as text names them: null
	 * without two censuses. */
	json_key(&j, "growing_types");
	if (p == NULL || b == NULL) {
		json_null(&j);
	} else {
		json_array_begin(&j);
		for (size_t i = 0;
		     m->growth.verdict == GROWTH_GROWING && i < nchanges &&
		     i < MEM_JSON_GROWING_TYPES && python_type_change_grew(&changes[i]);
		     i++)
			json_string(&j, changes[i].name);
		json_array_end(&j);
	}
	json_object_end(&j);
	json_key(&j, "python");
	mem_json_python(&j, p, b, changes, nchanges, m->python_top);
	json_object_end(&j);
	json_finish(&j);
	free(changes);
}

static void
mem_json_rollup(struct json *j, const struct mem_rollup *r)
{
	json_member_count(j, "rss_kib", r->rss_kib);
	json_member_count(j, "pss_kib", r->pss_kib);
	json_member_count(j, "uss_kib", r->uss_kib);
	json_member_count(j, "swap_kib", r->swap_kib);
}

void
mem_json_tree_write(FILE *out, const struct mem_tree *t)
{
	struct json j;

	json_init(&j, out);
	json_document_begin(&j, "stacktop.mem_tree/1", &t->taken_at);
	json_key(&j, "root");
	json_int(&j, t->root);
	json_key(&j, "processes");
	json_array_begin(&j);
	for (size_t i = 0; i < t->nrows; i++) {
		json_object_begin(&j);
		json_key(&j, "pid");
		json_int(&j, t->rows[i].pid);
		json_key(&j, "comm");
		json_string(&j, t->rows[i].comm);
		mem_json_rollup(&j, &t->rows[i].rollup);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "tree");
	json_object_begin(&j);
	json_key(&j, "process_count");
	json_int(&j, (int64_t)t->nrows);
	mem_json_rollup(&j, &t->sum);
	json_key(&j, "capped");
	json_bool(&j, t->capped);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
}
