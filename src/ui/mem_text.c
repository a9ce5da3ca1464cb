#include "mem_text.h"

#include "../plural.h"
#include "../python_types_diff.h"
#include "../sanitize.h"
#include "text.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The width of the type column: dotted names longer than this are cut. */
#define MEM_TEXT_TYPE_WIDTH 60
/* How many growing types the growth verdict names. */
#define MEM_TEXT_GROWING_TYPES 3

/* A count that is -1 when unknown. */
static void
mem_text_count(FILE *out, int64_t v)
{
	if (v < 0)
		fprintf(out, "unknown");
	else
		fprintf(out, "%" PRId64, v);
}

/* A change in bytes for a person: "+812K", "-3.1M", "+512B". */
static char *
mem_text_bytes_delta(char *buf, size_t size, int64_t bytes)
{
	uint64_t abs = bytes < 0 ? -(uint64_t)bytes : (uint64_t)bytes;
	char kib[16];

	if (abs < 1024)
		snprintf(buf, size, "%+" PRId64 "B", bytes);
	else
		snprintf(buf, size, "%c%s", bytes < 0 ? '-' : '+',
		         text_kib(kib, sizeof(kib), (int64_t)(abs / 1024)));
	return buf;
}

/* What one census says of itself beyond its counts (threads left running,
 * a partial walk, sizes not read); when is "" with one census, else "at the
 * start" or "at the end". */
static void
mem_text_census_notes(FILE *out, const struct python_types *p, const char *when, bool start)
{
	const char *sep = when[0] ? " " : "";

	if (p->threads_not_stopped > 0)
		fprintf(
		    out, "warning: %zu %s%s%s; %s while the lists were read\n",
		    p->threads_not_stopped,
		    plural(p->threads_not_stopped, "thread did not stop", "threads did not stop"),
		    sep, when, plural(p->threads_not_stopped, "it ran", "they ran"));
	if (p->partial && start)
		fprintf(out, "partial: %s, %s; the changes below may be incomplete\n", when,
		        p->partial_reason);
	else if (p->partial && when[0])
		fprintf(out,
		        "partial: %s, %s; the counts below are of the objects walked so far, "
		        "the changes may be incomplete\n",
		        when, p->partial_reason);
	else if (p->partial)
		fprintf(out, "partial: %s; the counts below are of the objects walked so far\n",
		        p->partial_reason);
	if (p->size_errors > 0)
		fprintf(out,
		        "warning: %" PRIu64 " %s%s%s had a size that could not be read or "
		        "was implausible: counted, their bytes left out\n",
		        p->size_errors, plural(p->size_errors, "object", "objects"), sep, when);
}

/* The collector's state and the top types of a Python process: with one
 * census largest count first, with two (b not NULL) in the order of growth
 * (changes, nchanges), as objgraph.show_growth() lists them. */
static void
mem_text_python(FILE *out, const struct python_types *p, const struct python_types *b,
                const struct python_type_change *changes, size_t nchanges, size_t top)
{
	double interval = python_types_interval_s(b, p);
	size_t rows;

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
	fprintf(out, "objects tracked by the collector: %" PRIu64 " in %zu %s", p->objects,
	        p->ntypes, plural(p->ntypes, "type", "types"));
	if (b == NULL) {
		fprintf(out, " (target stopped for %.1f ms, %.1f ms in all", p->stopped_ms,
		        p->total_ms);
	} else {
		fprintf(out, ", %+" PRId64, (int64_t)p->objects - (int64_t)b->objects);
		if (!isnan(interval))
			fprintf(out, " in %.1f s", interval);
		fprintf(out,
		        " (target stopped for %.1f ms at the start and %.1f ms at the end, "
		        "%.1f ms in all",
		        b->stopped_ms, p->stopped_ms, b->total_ms + p->total_ms);
	}
	if (p->attempts + (b != NULL ? b->attempts : 0) > (b != NULL ? 2 : 1))
		fprintf(out, "; %d walks, the lists were changing",
		        p->attempts + (b != NULL ? b->attempts : 0));
	fprintf(out, ")\n");
	if (b != NULL)
		mem_text_census_notes(out, b, "at the start", true);
	mem_text_census_notes(out, p, b != NULL ? "at the end" : "", false);
	if (b == NULL) {
		fprintf(out, "%12s %14s  %s\n", "count", "bytes", "type");
		for (size_t i = 0; i < p->ntypes && i < top; i++) {
			const struct python_type_row *r = &p->types[i];

			fprintf(out, "%12" PRIu64 " %14" PRIu64 "  ", r->count, r->bytes);
			text_field(out, r->name, strlen(r->name), MEM_TEXT_TYPE_WIDTH, 0);
			fprintf(out, "\n");
		}
		rows = p->ntypes;
	} else {
		fprintf(out, "%12s %10s %14s %14s  %s\n", "count", "change", "bytes", "change",
		        "type");
		for (size_t i = 0; i < nchanges && i < top; i++) {
			const struct python_type_change *c = &changes[i];

			fprintf(out, "%12" PRIu64 " %+10" PRId64 " %14" PRIu64 " %+14" PRId64 "  ",
			        c->count, c->count_delta, c->bytes, c->bytes_delta);
			text_field(out, c->name, strlen(c->name), MEM_TEXT_TYPE_WIDTH, 0);
			fprintf(out, "\n");
		}
		rows = nchanges;
	}
	if (rows > top)
		fprintf(out, "(%zu more %s; --top N shows more)\n", rows - top,
		        plural(rows - top, "type", "types"));
}

/* The types behind a growing verdict: the first that grew, in the order of
 * growth; or that none of the collector's objects did. */
static void
mem_text_growing_types(FILE *out, const struct python_types *p, const struct python_types *b,
                       const struct python_type_change *changes, size_t nchanges)
{
	char delta[24];
	size_t i;

	fprintf(out, "growing types:");
	for (i = 0;
	     i < nchanges && i < MEM_TEXT_GROWING_TYPES && python_type_change_grew(&changes[i]);
	     i++) {
		fprintf(out, "%s ", i > 0 ? "," : "");
		text_field(out, changes[i].name, strlen(changes[i].name), MEM_TEXT_TYPE_WIDTH, 0);
		fprintf(out, " %+" PRId64 " (%s)", changes[i].count_delta,
		        mem_text_bytes_delta(delta, sizeof(delta), changes[i].bytes_delta));
	}
	if (i == 0)
		fprintf(out, " none of the objects the collector tracks grew (the growth is in "
		             "untracked objects: str, bytes, int; or outside Python's objects)");
	if (p->partial || b->partial)
		fprintf(out, " (a census was partial: may be incomplete)");
	fprintf(out, "\n");
}

void
mem_text_write(FILE *out, const struct mem_report *m)
{
	char a[16], b[16], c[16], d[16];
	const struct growth *g = &m->growth;
	const struct python_types *after = m->python, *before = m->python_before;
	size_t nchanges = 0;
	struct python_type_change *changes =
	    after != NULL && before != NULL ? python_types_diff(before, after, &nchanges) : NULL;

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
	/* With a census at each end, the verdict names what grew. */
	if (g->verdict == GROWTH_GROWING && after != NULL && before != NULL &&
	    !after->unreadable[0])
		mem_text_growing_types(out, after, before, changes, nchanges);
	if (after != NULL)
		mem_text_python(out, after, before, changes, nchanges, m->python_top);
	free(changes);
}

static void
mem_text_tree_line(FILE *out, const char *pid, const char *comm, const struct mem_rollup *r)
{
	char a[32], b[32], c[32], d[32];

	fprintf(out, "%8s  %-16s %9s %9s %9s %9s\n", pid, comm, text_kib(a, sizeof(a), r->rss_kib),
	        text_kib(b, sizeof(b), r->pss_kib), text_kib(c, sizeof(c), r->uss_kib),
	        text_kib(d, sizeof(d), r->swap_kib));
}

void
mem_text_tree_write(FILE *out, const struct mem_tree *t)
{
	char pid[16], comm[4 * COMM_MAX];

	fprintf(out, "%8s  %-16s %9s %9s %9s %9s\n", "PID", "COMMAND", "RSS", "PSS", "USS", "SWAP");
	for (size_t i = 0; i < t->nrows; i++) {
		const struct mem_tree_row *r = &t->rows[i];

		snprintf(pid, sizeof(pid), "%d", r->pid);
		sanitize_text(r->comm, strlen(r->comm), comm, sizeof(comm));
		mem_text_tree_line(out, pid, comm, &r->rollup);
	}
	snprintf(comm, sizeof(comm), "%zu %s", t->nrows, plural(t->nrows, "process", "processes"));
	mem_text_tree_line(out, "TREE", comm, &t->sum);
	fprintf(out,
	        "(PSS shares each page among the processes that map it: the tree's PSS is "
	        "what it holds;\n RSS counts shared copy-on-write pages in every worker%s)\n",
	        t->capped ? "; capped by --max-processes" : "");
}
