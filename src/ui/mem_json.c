#include "mem_json.h"

#include "json.h"

/* python: the collector's state and the top types, or null. */
static void
mem_json_python(struct json *j, const struct python_types *p, size_t top)
{
	if (p == NULL) {
		json_null(j);
		return;
	}
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
	for (size_t i = 0; i < p->ntypes && i < top; i++) {
		json_object_begin(j);
		json_key(j, "type");
		json_string(j, p->types[i].name);
		json_member_count(j, "count", (int64_t)p->types[i].count);
		json_member_count(j, "bytes", (int64_t)p->types[i].bytes);
		json_member_count(j, "size_errors", (int64_t)p->types[i].size_errors);
		json_object_end(j);
	}
	json_array_end(j);
	/* stopped_ms is every document's name for the stop; stop_ms stays
	 * for /1. */
	json_key(j, "stop_ms");
	json_double(j, p->stopped_ms, 3);
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
	json_key(j, "partial");
	json_bool(j, p->partial);
	json_key(j, "partial_reason");
	if (p->partial)
		json_string(j, p->partial_reason);
	else
		json_null(j);
	json_object_end(j);
}

void
mem_json_write(FILE *out, const struct mem_report *m)
{
	struct json j;

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
	/* How long the target was stopped: only --python-types stops it. */
	json_key(&j, "stopped_ms");
	json_double(&j, m->python != NULL ? m->python->stopped_ms : 0, 3);
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
	json_object_end(&j);
	json_key(&j, "python");
	mem_json_python(&j, m->python, m->python_top);
	json_object_end(&j);
	json_finish(&j);
}
