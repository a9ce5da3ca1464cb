#include "top_mem_page.h"

#include "cli.h"
#include "clock.h"
#include "probes/mem.h"
#include "probes/python_referrers.h"
#include "python_types_diff.h"
#include "sanitize.h"
#include "ui/mem_text.h"
#include "ui/refs_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The growth fit: RssAnon once per interval, in windows. */
#define TOP_MEM_WINDOWS 5
/* The Python object types shown, largest first. */
#define TOP_MEM_TYPES 20

void
top_mem_page_refs_close(struct top_mem_page *p)
{
	python_refs_free(p->refs);
	p->refs = NULL;
	p->refs_err = 0;
	p->refs_shown = false;
	p->refs_type[0] = '\0';
}

void
top_mem_page_close(struct top_mem_page *p)
{
	/* The last census stays, for what grew when the page opens on the
	 * process again (the census then is taken at once: agreed to). */
	if (p->pid != 0 && p->types != NULL && p->types_err == 0) {
		python_types_free(p->kept);
		p->kept = p->types;
		p->kept_pid = p->pid;
		p->types = NULL;
	}
	top_mem_page_refs_close(p);
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

void
top_mem_page_clear(struct top_mem_page *p)
{
	top_mem_page_close(p);
	python_types_free(p->kept);
	p->kept = NULL;
	p->kept_pid = 0;
}

void
top_mem_page_open(struct top_mem_page *p, const struct procfs *fs, int pid)
{
	struct python_types *kept;

	top_mem_page_close(p);
	kept = p->kept_pid == pid ? p->kept : NULL;
	if (kept == NULL)
		python_types_free(p->kept);
	p->kept = NULL;
	p->kept_pid = 0;
	p->pid = pid;
	if (pid == getpid()) {
		p->types_err = -ENOEXEC;
		python_types_free(kept);
		return;
	}
	if (top_consent_given(&p->census, pid)) {
		p->types = kept; /* the census before this opening's */
		mem_page_take_types(p, fs);
		return;
	}
	python_types_free(kept);
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
	if (p->asking)
		top_consent_give(&p->census, p->pid);
	p->asking = false;
	mem_page_take_types(p, fs);
}

bool
top_mem_page_refs_offer(const struct top_mem_page *p, char *offer, size_t size, char *question,
                        size_t qsize)
{
	const struct python_types *t = p->types;
	struct python_type_change *changes = NULL;
	size_t n = 0;

	offer[0] = '\0';
	if (t == NULL || p->types_err != 0 || t->unreadable[0] != '\0') {
		snprintf(question, qsize,
		         "r: what holds a type's objects needs a census of a Python "
		         "process first%s",
		         p->asking ? " (t takes it)" : "");
		return false;
	}
	/* What grew is what one asks about: first in the growth order. */
	if (p->types_before != NULL)
		changes = python_types_diff(p->types_before, t, &n);
	if (n > 0 && python_type_change_grew(&changes[0]))
		snprintf(offer, size, "%s", changes[0].name);
	else if (t->ntypes > 0)
		snprintf(offer, size, "%s", t->types[0].name);
	free(changes);
	/* The walk is a census that also copies every object's references:
	 * its stop is longer than the census's (3-4 times on refs_service.py,
	 * CPython 3.11), within the same bound. */
	snprintf(question, qsize, "What holds type (a stop of %d longer than a census's %.0f ms)",
	         p->pid, t->stopped_ms);
	return true;
}

void
top_mem_page_refs_take(struct top_mem_page *p, const struct procfs *fs, const char *type)
{
	top_mem_page_refs_close(p);
	snprintf(p->refs_type, sizeof(p->refs_type), "%s", type);
	p->refs_err = p->pid == getpid()
	                  ? -ENOEXEC
	                  : python_referrers_take(fs, p->pid, type, PYTHON_REFERRERS_CHAINS_DEFAULT,
	                                          NULL, &p->refs);
	p->refs_shown = true;
}

/* The chains r asked for, in place of the report. */
static void
mem_page_write_refs(FILE *out, const struct top_mem_page *p)
{
	char msg[256], type[sizeof(p->refs_type) * 4];

	if (p->refs_err != 0)
		fprintf(out, "What holds %s: %s\n",
		        sanitize_text(p->refs_type, strlen(p->refs_type), type, sizeof(type)),
		        cli_target_message(p->pid, p->refs_err, msg, sizeof(msg)));
	else
		refs_text_write(out, p->refs);
	fprintf(out, "\n(taken once, when asked; r: another type, stopping the process again; "
	             "q or Esc: back to the memory page)\n");
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
		top_consent_ask(out, "\nPython objects by type: a census", p->pid, &p->expect,
		                "Press t to take it.");
	else if (p->types != NULL && p->types_before != NULL)
		fprintf(out,
		        "\n(Python objects: the changes since the census %.0f s before "
		        "this one; t takes them again, stopping the process for a "
		        "moment; r: what holds a type's objects)\n",
		        python_types_interval_s(p->types_before, p->types));
	else if (p->types != NULL)
		fprintf(out, "\n(Python objects as of when this page opened; t takes them "
		             "again, and shows what changed since, stopping the process "
		             "for a moment; r: what holds a type's objects)\n");
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
	if (p->refs_shown) {
		mem_page_write_refs(out, p);
		return;
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
