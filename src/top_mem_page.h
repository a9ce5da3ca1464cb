/* The live view's memory page (m): the mem report of one process, the
 * growth of its RssAnon over the refreshes since the page opened, and for a
 * Python process its objects by type. A census of the objects stops the
 * whole process, for longer the more memory it has: so it is never taken
 * on every refresh, and the first time for a process only once the page
 * has said how long it would stop it and the user pressed t; t takes it
 * again, and the page then shows what changed since the census before (the
 * last census of the process shown before is kept when the page closes, so
 * that the page opened again on it shows what changed since). Once a census
 * is in, r asks for a type and shows what holds its objects (mem
 * --python-refs TYPE): taken once, with the stop it took. */
#ifndef STACKTOP_TOP_MEM_PAGE_H
#define STACKTOP_TOP_MEM_PAGE_H

#include "growth.h"
#include "probes/procfs.h"
#include "probes/python_types.h"
#include "python_refs.h"
#include "top_consent.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct top_mem_page {
	int pid; /* the process shown; 0 while closed */
	struct python_types *types;
	struct python_types *types_before; /* the census t replaced, for what grew */
	int types_err;
	bool asking; /* the expected stop is shown, t takes the census */
	struct python_types_expect expect;
	struct growth_series anon; /* RssAnon, once per refresh */
	/* What holds one type's objects, shown instead of the report while
	 * refs_shown; taken once, on r's answer. */
	bool refs_shown;
	struct python_refs *refs;
	int refs_err;
	char refs_type[64];
	/* Kept from one opening to the next. */
	struct top_consent census; /* the processes whose census the user agreed to */
	struct python_types *kept; /* the last census of kept_pid, for what grew */
	int kept_pid;
};

/* Opens the page on pid: the census at once if the user agreed to one of
 * pid before, else the stop it would take, to be asked. */
void top_mem_page_open(struct top_mem_page *p, const struct procfs *fs, int pid);

/* t: the census, agreed to for this process from now. */
void top_mem_page_census_key(struct top_mem_page *p, const struct procfs *fs);

/* The page's text, once per refresh (RssAnon read and added to the fit). */
void top_mem_page_write(FILE *out, struct top_mem_page *p, const struct procfs *fs);

/* Whether r may ask for a type now: true with the type to offer first in
 * offer (raw target text; size bytes): the one that grew most since the
 * census before, else the one with the most objects; and in question what
 * the answer will stop (the census's stop, as a reference). False, with
 * why in question, before a census of a Python process is in. */
bool top_mem_page_refs_offer(const struct top_mem_page *p, char *offer, size_t size, char *question,
                             size_t qsize);

/* r's answer: what holds the objects of type (mem --python-refs TYPE),
 * taken now (the process stopped once) and shown until
 * top_mem_page_refs_close. */
void top_mem_page_refs_take(struct top_mem_page *p, const struct procfs *fs, const char *type);

/* Back from the chains to the memory page (the chains are freed). */
void top_mem_page_refs_close(struct top_mem_page *p);

/* Forgets the process shown (its history; its last census is kept for the
 * next opening on it); the consents stay. */
void top_mem_page_close(struct top_mem_page *p);

/* Frees everything close keeps (not p). */
void top_mem_page_clear(struct top_mem_page *p);

#endif
