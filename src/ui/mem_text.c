#include "mem_text.h"

#include "../plural.h"
#include "text.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* The width of the type column: dotted names longer than this are cut. */
#define MEM_TEXT_TYPE_WIDTH 60

/* A count that is -1 when unknown. */
static void
mem_text_count(FILE *out, int64_t v)
{
	if (v < 0)
		fprintf(out, "unknown");
	else
		fprintf(out, "%" PRId64, v);
}

/* The collector's state and the top types of a Python process. */
static void
mem_text_python(FILE *out, const struct python_types *p, size_t top)
{
	if (p->unreadable[0]) {
		fprintf(out, "python %s: %s\n", p->version, p->unreadable);
		return;
	}
	fprintf(out, "python %s collector:", p->version);
	for (int g = 0; g < p->ngenerations; g++)
		fprintf(out, "  gen%d %" PRId64 "/%" PRId64, g, p->gc_count[g], p->gc_threshold[g]);
	fprintf(out, " (count/threshold)\n");
	fprintf(out, "gc.garbage: ");
	mem_text_count(out, p->garbage);
	fprintf(out, " %s", plural((uint64_t)p->garbage, "object", "objects"));
	if (p->frozen >= 0)
		fprintf(out, "   frozen by gc.freeze(): %" PRId64 " %s", p->frozen,
		        plural((uint64_t)p->frozen, "object", "objects"));
	fprintf(out, "\n");
	fprintf(out,
	        "objects tracked by the collector: %" PRIu64 " in %zu %s "
	        "(target stopped for %.1f ms, %.1f ms in all",
	        p->objects, p->ntypes, plural(p->ntypes, "type", "types"), p->stopped_ms,
	        p->total_ms);
	if (p->attempts > 1)
		fprintf(out, "; %d walks, the lists were changing", p->attempts);
	fprintf(out, ")\n");
	if (p->threads_not_stopped > 0)
		fprintf(out, "warning: %zu %s while the lists were read\n", p->threads_not_stopped,
		        plural(p->threads_not_stopped, "thread did not stop; it ran",
		               "threads did not stop; they ran"));
	if (p->partial)
		fprintf(out, "partial: %s; the counts below are of the objects walked so far\n",
		        p->partial_reason);
	if (p->size_errors > 0)
		fprintf(out,
		        "warning: %" PRIu64 " %s a size that could not be read or "
		        "was implausible: counted, their bytes left out\n",
		        p->size_errors, plural(p->size_errors, "object had", "objects had"));
	fprintf(out, "%12s %14s  %s\n", "count", "bytes", "type");
	for (size_t i = 0; i < p->ntypes && i < top; i++) {
		const struct python_type_row *r = &p->types[i];

		fprintf(out, "%12" PRIu64 " %14" PRIu64 "  ", r->count, r->bytes);
		text_field(out, r->name, strlen(r->name), MEM_TEXT_TYPE_WIDTH, 0);
		fprintf(out, "\n");
	}
	if (p->ntypes > top)
		fprintf(out, "(%zu more %s; --top N shows more)\n", p->ntypes - top,
		        plural(p->ntypes - top, "type", "types"));
}

void
mem_text_write(FILE *out, const struct mem_report *m)
{
	char a[16], b[16], c[16], d[16];
	const struct growth *g = &m->growth;

	fprintf(out, "PID %d (", m->pid);
	text_field(out, m->comm, strlen(m->comm), sizeof(m->comm), 0);
	fprintf(out, ")\n");
	fprintf(
	    out, "rss %s   pss %s   uss %s   swap %s\n", text_kib(a, sizeof(a), m->rollup.rss_kib),
	    text_kib(b, sizeof(b), m->rollup.pss_kib), text_kib(c, sizeof(c), m->rollup.uss_kib),
	    text_kib(d, sizeof(d), m->rollup.swap_kib));
	fprintf(out, "resident by kind:\n");
	for (int k = 0; k < MEM_KINDS; k++)
		fprintf(out, "  %-6s %9s\n", mem_kind_names[k],
		        text_kib(a, sizeof(a), m->breakdown.kib[k]));
	fprintf(out, "anon growth over %.1f s (%zu %s, minima of %zu %s of %.1f s): ", g->span_s,
	        m->samples, plural(m->samples, "sample", "samples"), g->windows,
	        plural(g->windows, "window", "windows"), g->window_s);
	if (isnan(g->kib_per_min))
		fprintf(out, "unknown");
	else
		fprintf(out, "%+.0f KiB/min, %s", g->kib_per_min, growth_verdict_name(g->verdict));
	fprintf(out, " (RssAnon %s -> %s)\n", text_kib(a, sizeof(a), m->anon_first_kib),
	        text_kib(b, sizeof(b), m->anon_last_kib));
	if (m->python != NULL)
		mem_text_python(out, m->python, m->python_top);
}
