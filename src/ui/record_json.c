#include "record_json.h"

#include "dump_json.h"
#include "json.h"

void
record_json_write(FILE *out, const struct record_summary *s)
{
	const struct profile *p = s->profile;
	size_t distinct = 0;
	struct json j;

	for (size_t i = 0; i < p->nstacks; i++)
		distinct += p->stacks[i].count > 0;
	json_init(&j, out);
	json_document_begin(&j, "stacktop.record/1", &s->taken_at);
	json_member_count(&j, "pid", p->tree_root > 0 ? p->tree_root : p->pid > 0 ? p->pid : -1);
	json_member_string(&j, "comm", s->comm);
	json_member_string(&j, "mode", s->mode);
	json_member_string(&j, "frames", s->frames);
	json_member_string(&j, "method", s->method);
	json_member_double(&j, "duration_s", p->duration_s, 3);
	json_member_double(&j, "rate_hz", p->requested_hz, 1);
	/* Rounds a second (-a: samples a second of all CPUs together). */
	json_member_double(&j, "rate_hz_achieved",
	                   p->duration_s <= 0               ? 0
	                   : p->pid > 0 || p->tree_root > 0 ? (double)p->ticks / p->duration_s
	                                                    : (double)p->samples / p->duration_s,
	                   1);
	json_member_count(&j, "samples", (int64_t)p->samples);
	json_member_count(&j, "rounds", (int64_t)p->ticks);
	json_member_count(&j, "rounds_late", (int64_t)p->rounds_over);
	json_member_count(&j, "distinct_stacks", (int64_t)distinct);
	json_member_count(&j, "thread_count", s->thread_count);
	json_member_count(&j, "process_count", s->process_count);
	json_member_count(&j, "errors", (int64_t)p->errors);
	json_member_count(&j, "dropped", (int64_t)p->dropped);
	json_member_count(&j, "unplaced", (int64_t)s->unplaced);
	json_member_count(&j, "lost", s->lost);
	json_member_count(&j, "gone", s->gone);
	json_member_count(&j, "kernel_threads", s->kernel_threads);
	json_member_count(&j, "own", s->own);
	/* The sampler measures each round's stop: their mean and the longest
	 * (no median: the stops are not kept one by one). */
	json_member_count(&j, "stops", (int64_t)p->stops);
	json_member_double(&j, "stopped_ms", p->stops ? p->stopped_ms_sum / (double)p->stops : 0.0,
	                   3);
	json_member_double(&j, "stopped_ms_max", p->stopped_ms_max, 3);
	json_member_double(&j, "round_ms", p->ticks ? 1e3 * p->round_s_sum / (double)p->ticks : 0.0,
	                   3);
	json_member_double(&j, "round_ms_max", 1e3 * p->round_s_max, 3);
	dump_json_python(&j, s->python);
	json_key(&j, "asyncio");
	if (s->asyncio == NULL) {
		json_null(&j);
	} else {
		json_object_begin(&j);
		json_member_count(&j, "tasks", (int64_t)s->asyncio->tasks);
		json_member_count(&j, "censuses", (int64_t)s->asyncio->censuses);
		json_member_count(&j, "censuses_failed", (int64_t)s->asyncio->failed);
		json_member_double(&j, "census_stopped_ms", s->asyncio->stopped_ms, 3);
		json_member_double(&j, "census_stopped_ms_max", s->asyncio->stopped_ms_max, 3);
		json_object_end(&j);
	}
	json_key(&j, "exited");
	json_bool(&j, s->exited);
	json_key(&j, "interrupted");
	json_bool(&j, s->interrupted);
	json_key(&j, "output");
	json_object_begin(&j);
	json_member_string(&j, "file", s->output);
	json_member_string(&j, "format", s->format);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
}
