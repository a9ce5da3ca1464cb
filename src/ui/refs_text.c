#include "refs_text.h"

#include "../plural.h"
#include "../sanitize.h"

#include <inttypes.h>
#include <string.h>

/* The most of one name printed (a key's text may be long). */
#define REFS_TEXT_NAME_MAX 120

static const char *
refs_text_safe(const char *raw, char *buf, size_t size)
{
	return sanitize_text(raw, strlen(raw), buf, size);
}

/* One step as the group sees it: "global REGISTRY (dict)", "value (HxConn)". */
static void
refs_text_step(FILE *out, const struct python_refs_step *s)
{
	char name[REFS_TEXT_NAME_MAX], type[REFS_TEXT_NAME_MAX];

	if (s->name != NULL)
		fprintf(out, "%s %s", s->kind, refs_text_safe(s->name, name, sizeof(name)));
	else
		fputs(s->kind, out);
	fprintf(out, " (%s)", refs_text_safe(s->type, type, sizeof(type)));
}

/* The example as an expression: __main__.REGISTRY[17].conns[0]. */
static void
refs_text_example(FILE *out, const char *root, const struct python_refs_step *steps, size_t n)
{
	char buf[REFS_TEXT_NAME_MAX];

	if (root != NULL)
		fputs(refs_text_safe(root, buf, sizeof(buf)), out);
	for (size_t i = 0; i < n; i++) {
		const struct python_refs_step *s = &steps[i];

		if (s->name != NULL)
			fprintf(out, ".%s", refs_text_safe(s->name, buf, sizeof(buf)));
		else if (s->example != NULL)
			fprintf(out, "[%s]", refs_text_safe(s->example, buf, sizeof(buf)));
		else if (strcmp(s->kind, "cell") == 0)
			fputs(".cell_contents", out);
		else if (strcmp(s->kind, "coroutine") == 0)
			fputs(".get_coro()", out);
		else if (s->kind[0] == '_' || strncmp(s->kind, "tb_", 3) == 0 ||
		         strcmp(s->kind, "args") == 0)
			fprintf(out, ".%s", s->kind); /* an attribute of that name */
		else
			fprintf(out, ".<%s>", s->kind);
	}
}

static void
refs_text_chains(FILE *out, const struct python_refs *r, const char *type)
{
	char root[REFS_TEXT_NAME_MAX];

	for (size_t i = 0; i < r->nchains; i++) {
		const struct python_refs_chain *c = &r->chains[i];
		const struct python_refs_step *last = c->nsteps ? &c->steps[c->nsteps - 1] : NULL;

		fprintf(out, "  %" PRIu64 " of %" PRIu64 " %s: %s%s", c->count, r->instances, type,
		        c->variable == NULL ? "module " : "",
		        refs_text_safe(c->root, root, sizeof(root)));
		for (size_t k = 0; k < c->nsteps; k++) {
			fputs(k == 0 ? ", " : " -> ", out);
			refs_text_step(out, &c->steps[k]);
		}
		fputs("\n      e.g. ", out);
		refs_text_example(out, c->variable != NULL ? c->variable : c->root, c->steps,
		                  c->nsteps);
		/* A chain of no step: the root (a frame's variable) holds it. */
		fprintf(out, " at 0x%" PRIx64, last != NULL ? last->address : c->root_address);
		fputc('\n', out);
	}
	if (r->nchains < r->nchains_all)
		fprintf(out, "  ... %zu more %s (--max-chains)\n", r->nchains_all - r->nchains,
		        plural(r->nchains_all - r->nchains, "group", "groups"));
}

static void
refs_text_cycles(FILE *out, const struct python_refs *r)
{
	char type[REFS_TEXT_NAME_MAX];

	uint64_t total = 0;

	if (r->ncycles_all == 0)
		return;
	for (size_t i = 0; i < r->ncycles; i++)
		total += r->cycles[i].count;
	fprintf(out, "\nUncollectable cycles (objects with __del__): %" PRIu64 "%s in %zu %s\n",
	        total, r->ncycles < r->ncycles_all ? "+" : "", r->ncycles_all,
	        plural(r->ncycles_all, "group", "groups"));
	for (size_t i = 0; i < r->ncycles; i++) {
		const struct python_refs_cycle *c = &r->cycles[i];

		fprintf(out, "  %" PRIu64 " %s (%s): ", c->count,
		        plural(c->count, "cycle", "cycles"), c->why);
		for (size_t k = 0; k < c->nsteps; k++) {
			const struct python_refs_step *prev =
			    &c->steps[(k + c->nsteps - 1) % c->nsteps];

			if (k == 0)
				fputs(refs_text_safe(prev->type, type, sizeof(type)), out);
			fputs(" -> ", out);
			refs_text_step(out, &c->steps[k]);
		}
		fputc('\n', out);
	}
	if (r->ncycles < r->ncycles_all)
		fprintf(out, "  ... %zu more (--max-chains)\n", r->ncycles_all - r->ncycles);
}

void
refs_text_write(FILE *out, const struct python_refs *r)
{
	const struct python_types *p = r->census;
	char type[REFS_TEXT_NAME_MAX];

	refs_text_safe(r->type, type, sizeof(type));
	fprintf(out, "Referrers of %s in PID %d (CPython %s)\n", type, r->pid, p->version);
	if (r->unreadable[0] != '\0') {
		fprintf(out, "  %s\n", r->unreadable);
		return;
	}
	fprintf(out,
	        "  %" PRIu64 " %s of %s, %" PRIu64 " reached from %" PRIu64 " %s; %zu %s of "
	        "chains\n",
	        r->instances, plural(r->instances, "instance", "instances"), type, r->reached,
	        r->roots, plural(r->roots, "root", "roots"), r->nchains_all,
	        plural(r->nchains_all, "group", "groups"));
	if (p->partial)
		fprintf(out, "partial: %s; the counts are of the objects walked so far\n",
		        p->partial_reason);
	if (r->references_capped)
		fputs("partial: the reference limit was reached; objects walked after it are "
		      "counted, not followed\n",
		      out);
	if (r->objects_not_copied > 0)
		fprintf(
		    out,
		    "partial: %" PRIu64 " %s not copied in the stop (the copy's bound); "
		    "their references were followed as far as they were copied\n",
		    r->objects_not_copied,
		    plural(r->objects_not_copied, "object's storage was", "objects' storage was"));
	if (p->threads_not_stopped > 0)
		fprintf(
		    out, "warning: %zu %s; %s while the objects were read\n",
		    p->threads_not_stopped,
		    plural(p->threads_not_stopped, "thread did not stop", "threads did not stop"),
		    plural(p->threads_not_stopped, "it ran", "they ran"));
	if (r->instances == 0 && !p->partial)
		fprintf(out,
		        "  no object of type %s among the %" PRIu64 " the collector tracks: a "
		        "name spelt otherwise (module.Name, as mem --python-types shows it), or "
		        "a type whose objects it does not track (int, str, float)\n",
		        type, p->objects);
	fputc('\n', out);
	refs_text_chains(out, r, type);
	if (r->instances > r->reached)
		fprintf(out,
		        "  %" PRIu64 " of %" PRIu64 " %s: not reached from a module (held by a "
		        "frame's locals, C code, or garbage)\n",
		        r->instances - r->reached, r->instances, type);
	refs_text_cycles(out, r);
	fprintf(out,
	        "\n%" PRIu64 " objects and %" PRIu64 " references walked; stopped %.1f ms "
	        "(%d %s, bound %.0f ms), %.1f ms in all\n",
	        p->objects, r->references, p->stopped_ms, p->attempts,
	        plural((uint64_t)p->attempts, "stop", "stops"), p->max_stop_ms, p->total_ms);
}
