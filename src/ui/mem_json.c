#include "mem_json.h"

#include "json.h"

void
mem_json_write(FILE *out, const struct mem_report *m)
{
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "schema");
	json_string(&j, "stacktop.mem/1");
	json_key(&j, "pid");
	json_int(&j, m->pid);
	json_key(&j, "comm");
	json_string(&j, m->comm);
	json_member_count(&j, "rss_kib", m->rollup.rss_kib);
	json_member_count(&j, "pss_kib", m->rollup.pss_kib);
	json_member_count(&j, "uss_kib", m->rollup.uss_kib);
	json_member_count(&j, "swap_kib", m->rollup.swap_kib);
	json_key(&j, "breakdown");
	json_array_begin(&j);
	for (int k = 0; k < PROCFS_MEM_KINDS; k++) {
		json_object_begin(&j);
		json_key(&j, "kind");
		json_string(&j, procfs_mem_kind_names[k]);
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
	json_null(&j);
	json_object_end(&j);
	json_finish(&j);
}
