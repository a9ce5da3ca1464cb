#include "mem_text.h"

#include "text.h"

#include <math.h>
#include <string.h>

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
	for (int k = 0; k < PROCFS_MEM_KINDS; k++)
		fprintf(out, "  %-6s %9s\n", procfs_mem_kind_names[k],
		        text_kib(a, sizeof(a), m->breakdown.kib[k]));
	fprintf(out, "anon growth over %.1f s (%zu samples, minima of %zu windows of %.1f s): ",
	        g->span_s, m->samples, g->windows, g->window_s);
	if (isnan(g->kib_per_min))
		fprintf(out, "unknown");
	else
		fprintf(out, "%+.0f KiB/min, %s", g->kib_per_min, growth_verdict_name(g->verdict));
	fprintf(out, " (RssAnon %s -> %s)\n", text_kib(a, sizeof(a), m->anon_first_kib),
	        text_kib(b, sizeof(b), m->anon_last_kib));
}
