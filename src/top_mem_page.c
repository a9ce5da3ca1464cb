#include "top_mem_page.h"

#include "cli.h"
#include "clock.h"
#include "probes/mem.h"
#include "python_types_diff.h"
#include "ui/mem_text.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* The growth fit: RssAnon once per interval, in windows. */
#define TOP_MEM_WINDOWS 5
/* The Python object types shown, largest first. */
#define TOP_MEM_TYPES 20

void
top_mem_page_close(struct top_mem_page *p)
{
	python_types_free(p->types);
	python_types_free(p->types_before);
	growth_series_clear(&p->anon);
	p->pid = 0;
	p->types = p->types_before = NULL;
	p->types_err = 0;
	p->asking = false;
	memset(&p->expect, 0, sizeof(p->expect));
}

/* The census; -ENOEXEC (not Python) shows nothing. */
static void
mem_page_take_types(struct top_mem_page *p, const struct procfs *fs)
{
	/* The census before is kept: the page shows what grew since. */
	python_types_free(p->types_before);
	p->types_before = p->types_err == 0 ? p->types : NULL;
	if (p->types_before == NULL)
		python_types_free(p->types);
	p->types = NULL;
	p->types_err =
	    p->pid == getpid() ? -ENOEXEC : python_types_take(fs, p->pid, NULL, &p->types);
}

static bool
mem_page_agreed(const struct top_mem_page *p, int pid)
{
	for (size_t i = 0; i < p->ncensus && i < TOP_MEM_CENSUS_PIDS; i++)
		if (p->census_pids[i] == pid)
			return true;
	return false;
}

void
top_mem_page_open(struct top_mem_page *p, const struct procfs *fs, int pid)
{
	top_mem_page_close(p);
	p->pid = pid;
	if (pid == getpid()) {
		p->types_err = -ENOEXEC;
		return;
	}
	if (mem_page_agreed(p, pid)) {
		mem_page_take_types(p, fs);
		return;
	}
	p->types_err = python_types_expect(fs, pid, NULL, &p->expect);
	p->asking = p->types_err == 0;
	/* A version or build without objects to count stops nothing: its
	 * census says why at once. */
	if (p->types_err == -ENOTSUP)
		mem_page_take_types(p, fs);
}

void
top_mem_page_census_key(struct top_mem_page *p, const struct procfs *fs)
{
	if (p->asking && !mem_page_agreed(p, p->pid))
		p->census_pids[p->ncensus++ % TOP_MEM_CENSUS_PIDS] = p->pid;
	p->asking = false;
	mem_page_take_types(p, fs);
}

/* What the page says of its Python objects under the report. */
static void
mem_page_write_python(FILE *out, const struct top_mem_page *p)
{
	char msg[256];

	if (p->types_err != 0 && p->types_err != -ENOEXEC)
		fprintf(out, "\n(Python objects: %s)\n",
		        cli_target_message(p->pid, p->types_err, msg, sizeof(msg)));
	else if (p->asking)
		fprintf(out,
		        "\nPython objects by type: a census stops every thread of %d for "
		        "about %.0f ms (for its %.1f MiB of anonymous memory; never more "
		        "than %.0f ms). Press t to take it.\n",
		        p->pid, p->expect.stop_ms, (double)p->expect.anon_kib / 1024,
		        p->expect.bound_ms);
	else if (p->types != NULL && p->types_before != NULL)
		fprintf(out,
		        "\n(Python objects: the changes since the census %.0f s before "
		        "this one; t takes them again, stopping the process for a "
		        "moment)\n",
		        python_types_interval_s(p->types_before, p->types));
	else if (p->types != NULL)
		fprintf(out, "\n(Python objects as of when this page opened; t takes them "
		             "again, and shows what changed since, stopping the process "
		             "for a moment)\n");
}

void
top_mem_page_write(FILE *out, struct top_mem_page *p, const struct procfs *fs)
{
	struct mem_report m = {0};
	char msg[256];
	int err = mem_read_usage(fs, p->pid, &m);
	int64_t kib;

	if (err == 0 && (err = mem_read_anon(fs, p->pid, &kib)) == 0) {
		growth_series_add(&p->anon, clock_monotonic_s(), kib);
		mem_report_set_growth(&m, &p->anon, TOP_MEM_WINDOWS);
	}
	m.python = p->types; /* borrowed for the write */
	m.python_before = p->types != NULL ? p->types_before : NULL;
	m.python_top = TOP_MEM_TYPES;
	if (err != 0) {
		fprintf(
		    out, "%s\n",
		    cli_target_message(p->pid, err == -ENODATA ? -ESRCH : err, msg, sizeof(msg)));
		return;
	}
	mem_text_write(out, &m);
	mem_page_write_python(out, p);
	if (m.growth.verdict == GROWTH_UNKNOWN)
		fprintf(out, "\n(growth: RssAnon is sampled every interval; a verdict "
		             "needs a few of them)\n");
}
