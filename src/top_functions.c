#include "top_functions.h"

#include "cli.h"
#include "clock.h"
#include "plural.h"
#include "probes/syswide.h"
#include "sanitize.h"
#include "xmalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Samples per second of each busy CPU: record's default. */
#define TOP_FUNCTIONS_HZ 100
/* The rings are drained this often (seconds); they hold a second
 * (syswide.c). */
#define TOP_FUNCTIONS_DRAIN_S 0.1
/* The counts cover the last window to two windows of samples (seconds). */
#define TOP_FUNCTIONS_WINDOW_S 5.0

/* One label's counts while ranking, and the stack that last added to its
 * total (a recursion counts once). */
struct rank_slot {
	size_t index; /* into the ranking, + 1; 0 empty */
	size_t seen;  /* the stack, + 1 */
};

struct rank {
	struct top_function *fns;
	size_t n, cap;
	struct rank_slot *slots;
	size_t nslots; /* a power of two, at most half full */
};

static uint64_t
rank_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static struct rank_slot *
rank_slot(struct rank *r, const char *label)
{
	size_t i = (size_t)rank_hash(label) & (r->nslots - 1);

	while (r->slots[i].index != 0 && strcmp(r->fns[r->slots[i].index - 1].label, label) != 0)
		i = (i + 1) & (r->nslots - 1);
	return &r->slots[i];
}

/* The entry of label, added with no counts when it is new. */
static struct rank_slot *
rank_entry(struct rank *r, const char *label)
{
	struct rank_slot *slot;

	if ((r->n + 1) * 2 > r->nslots) {
		struct rank_slot *old = r->slots;
		size_t nold = r->nslots;

		r->nslots = r->nslots ? r->nslots * 2 : 256;
		r->slots = xcalloc(r->nslots, sizeof(*r->slots));
		for (size_t i = 0; i < nold; i++)
			if (old[i].index != 0)
				*rank_slot(r, r->fns[old[i].index - 1].label) = old[i];
		free(old);
	}
	slot = rank_slot(r, label);
	if (slot->index == 0) {
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 64;
			r->fns = xreallocarray(r->fns, r->cap, sizeof(*r->fns));
		}
		r->fns[r->n++] = (struct top_function){.label = xstrdup(label)};
		slot->index = r->n;
	}
	return slot;
}

static int
compare_functions(const void *a, const void *b)
{
	const struct top_function *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->label, y->label);
}

size_t
top_functions_rank(const struct profile *p, int pid, int tid, struct top_function **out,
                   uint64_t *samples)
{
	struct rank r = {0};
	char label[1024];

	*samples = 0;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct profile_stack *s = &p->stacks[i];

		if (s->count == 0 || (pid != 0 && s->pid != pid) || (tid != 0 && s->tid != tid))
			continue;
		*samples += s->count;
		for (size_t f = 0; f < s->nframes; f++) {
			struct rank_slot *slot;

			profile_frame_label(&s->frames[f], label, sizeof(label));
			/* Where a walk was cut is no function. */
			if (strncmp(label, "[cut: ", 6) == 0)
				continue;
			slot = rank_entry(&r, label);
			if (f == 0)
				r.fns[slot->index - 1].self += s->count;
			if (slot->seen != i + 1)
				r.fns[slot->index - 1].total += s->count;
			slot->seen = i + 1;
		}
	}
	free(r.slots);
	if (r.n > 0)
		qsort(r.fns, r.n, sizeof(*r.fns), compare_functions);
	*out = r.fns;
	return r.n;
}

void
top_functions_rank_free(struct top_function *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].label);
	free(f);
}

struct top_functions {
	const struct procfs *fs;
	struct syswide *session; /* NULL when refused */
	int err;                 /* syswide_new's error */
	/* The counts: the current window's samples and the previous one's. */
	struct profile *now, *before;
	double before_s, window_s, next_drain_s; /* when each window began */
	/* The scope: a process (0: all), a thread of it (0: all), and names. */
	int pid, tid;
	char process[COMM_MAX], thread[COMM_MAX];
};

static void
top_functions_scope(struct top_functions *f, const struct task_brief *sel, bool thread)
{
	f->pid = sel != NULL ? sel->pid : 0;
	f->tid = sel != NULL && thread ? sel->tid : 0;
	snprintf(f->process, sizeof(f->process), "%s", sel != NULL ? sel->comm : "");
	snprintf(f->thread, sizeof(f->thread), "%s", sel != NULL ? sel->name : "");
}

int
top_functions_new(const struct procfs *fs, const struct task_brief *sel, struct top_functions **out)
{
	struct top_functions *f = xcalloc(1, sizeof(*f));
	const char *env = getenv("STACKTOP_PERF");

	f->fs = fs;
	f->err = env != NULL && strcmp(env, "0") == 0
	             ? -ECANCELED
	             : syswide_new(fs, TOP_FUNCTIONS_HZ, TARGET_AUTO, &f->session);
	f->now = profile_new(0, "");
	f->before = profile_new(0, "");
	f->before_s = f->window_s = clock_monotonic_s();
	f->next_drain_s = f->window_s + TOP_FUNCTIONS_DRAIN_S;
	top_functions_scope(f, sel, false);
	*out = f;
	return f->err;
}

void
top_functions_free(struct top_functions *f)
{
	if (f == NULL)
		return;
	syswide_free(f->session);
	profile_free(f->now);
	profile_free(f->before);
	free(f);
}

double
top_functions_due(const struct top_functions *f)
{
	return f->session != NULL ? f->next_drain_s : clock_monotonic_s() + 3600;
}

void
top_functions_poll(struct top_functions *f)
{
	double now = clock_monotonic_s();

	if (f->session == NULL)
		return;
	if (now - f->window_s >= TOP_FUNCTIONS_WINDOW_S) {
		profile_free(f->before);
		f->before = f->now;
		f->now = profile_new(0, "");
		f->before_s = f->window_s;
		f->window_s = now;
	}
	syswide_round(f->session, f->now);
	f->next_drain_s = now + TOP_FUNCTIONS_DRAIN_S;
}

bool
top_functions_key(struct top_functions *f, int key, const struct task_brief *sel)
{
	switch (key) {
	case 'a':
		top_functions_scope(f, NULL, false);
		return true;
	case 'p':
	case 't':
		if (sel != NULL)
			top_functions_scope(f, sel, key == 't');
		return true;
	default:
		return false;
	}
}

/* Both windows' rankings, merged: one profile's stacks and the other's. */
static size_t
top_functions_merged(const struct top_functions *f, struct top_function **out, uint64_t *samples)
{
	struct top_function *a, *b;
	uint64_t na_samples, nb_samples;
	size_t na = top_functions_rank(f->now, f->pid, f->tid, &a, &na_samples);
	size_t nb = top_functions_rank(f->before, f->pid, f->tid, &b, &nb_samples);
	size_t n = na;

	/* Few functions are hot: a linear match of the older window's is
	 * cheap enough for a page drawn once an interval. */
	a = xreallocarray(a, na + nb + 1, sizeof(*a));
	for (size_t i = 0; i < nb; i++) {
		size_t k = 0;

		while (k < na && strcmp(a[k].label, b[i].label) != 0)
			k++;
		if (k < na) {
			a[k].self += b[i].self;
			a[k].total += b[i].total;
			free(b[i].label);
		} else {
			a[n++] = b[i];
		}
	}
	free(b);
	if (n > 0)
		qsort(a, n, sizeof(*a), compare_functions);
	*samples = na_samples + nb_samples;
	*out = a;
	return n;
}

void
top_functions_write(FILE *out, const struct top_functions *f, size_t max)
{
	char clean[1024], msg[256];
	struct top_function *fns;
	uint64_t samples;
	size_t n;

	if (f->session == NULL) {
		fprintf(out, "%s\n", cli_system_wide_message(f->err, msg, sizeof(msg)));
		return;
	}
	n = top_functions_merged(f, &fns, &samples);
	if (f->pid == 0) {
		fprintf(out, "every process");
	} else {
		sanitize_text(f->process, strlen(f->process), clean, sizeof(clean));
		fprintf(out, "process %s (%d)", clean, f->pid);
	}
	if (f->tid != 0) {
		sanitize_text(f->thread, strlen(f->thread), clean, sizeof(clean));
		fprintf(out, ", thread %s (%d)", clean, f->tid);
	}
	fprintf(out, ": %" PRIu64 " %s, last %.0f s\n", samples,
	        plural(samples, "sample", "samples"), clock_monotonic_s() - f->before_s);
	fprintf(out,
	        "%d Hz of each busy CPU; a: every process  p: the selected process  t: the "
	        "selected thread\n\n",
	        TOP_FUNCTIONS_HZ);
	fprintf(out, "  SELF%%  TOTAL%%  FUNCTION\n");
	for (size_t i = 0; i < n && i < max; i++) {
		sanitize_text(fns[i].label, strlen(fns[i].label), clean, sizeof(clean));
		fprintf(out, " %6.1f  %6.1f  %s\n", 100.0 * (double)fns[i].self / (double)samples,
		        100.0 * (double)fns[i].total / (double)samples, clean);
	}
	if (n == 0)
		fprintf(out, "(no samples yet: nothing of this scope ran on a CPU)\n");
	top_functions_rank_free(fns, n);
}
