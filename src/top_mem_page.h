/* The live view's memory page (m): the mem report of one process, the
 * growth of its RssAnon over the refreshes since the page opened, and for a
 * Python process its objects by type. A census of the objects stops the
 * whole process, for longer the more memory it has: so it is never taken
 * on every refresh, and the first time for a process only once the page
 * has said how long it would stop it and the user pressed t; t takes it
 * again, and the page then shows what changed since the census before. */
#ifndef STACKTOP_TOP_MEM_PAGE_H
#define STACKTOP_TOP_MEM_PAGE_H

#include "growth.h"
#include "probes/procfs.h"
#include "probes/python_types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Processes whose census the user agreed to, remembered (the oldest
 * forgotten first). */
#define TOP_MEM_CENSUS_PIDS 32

struct top_mem_page {
	int pid; /* the process shown; 0 while closed */
	struct python_types *types;
	struct python_types *types_before; /* the census t replaced, for what grew */
	int types_err;
	bool asking; /* the expected stop is shown, t takes the census */
	struct python_types_expect expect;
	struct growth_series anon; /* RssAnon, once per refresh */
	/* Kept from one opening to the next. */
	int census_pids[TOP_MEM_CENSUS_PIDS];
	size_t ncensus;
};

/* Opens the page on pid: the census at once if the user agreed to one of
 * pid before, else the stop it would take, to be asked. */
void top_mem_page_open(struct top_mem_page *p, const struct procfs *fs, int pid);

/* t: the census, agreed to for this process from now. */
void top_mem_page_census_key(struct top_mem_page *p, const struct procfs *fs);

/* The page's text, once per refresh (RssAnon read and added to the fit). */
void top_mem_page_write(FILE *out, struct top_mem_page *p, const struct procfs *fs);

/* Forgets the process shown (its censuses and history); the consents stay. */
void top_mem_page_close(struct top_mem_page *p);

#endif
