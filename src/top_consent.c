#include "top_consent.h"

bool
top_consent_given(const struct top_consent *c, int pid)
{
	for (size_t i = 0; i < c->n && i < TOP_CONSENT_PIDS; i++)
		if (c->pids[i] == pid)
			return true;
	return false;
}

void
top_consent_ask(FILE *out, const char *walk, int pid, const struct python_types_expect *e,
                const char *press)
{
	fprintf(out,
	        "%s stops every thread of %d for about %.0f ms (for its %.1f MiB of anonymous "
	        "memory; never more than %.0f ms). %s\n",
	        walk, pid, e->stop_ms, (double)e->anon_kib / 1024, e->bound_ms, press);
}

void
top_consent_give(struct top_consent *c, int pid)
{
	if (!top_consent_given(c, pid))
		c->pids[c->n++ % TOP_CONSENT_PIDS] = pid;
}
