#include "model.h"

#include <stdlib.h>

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nprocs; i++) {
		struct process_row *p = &r->procs[i];

		for (size_t t = 0; t < p->nthreads; t++)
			free(p->threads[t].wchan);
		free(p->threads);
		free(p->cmdline);
	}
	free(r->procs);
	free(r);
}

void
dump_report_free(struct dump_report *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nthreads; i++) {
		for (size_t f = 0; f < d->threads[i].nframes; f++) {
			free(d->threads[i].frames[f].function);
			free(d->threads[i].frames[f].module);
		}
		free(d->threads[i].frames);
	}
	free(d->threads);
	free(d);
}
