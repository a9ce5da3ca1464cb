#include "profile_timeline.h"

#include "xmalloc.h"

#include <stdlib.h>

static int
compare_stacks_by_thread(const void *a, const void *b, void *arg)
{
	const struct profile *p = arg;
	const struct profile_stack *x = &p->stacks[*(const size_t *)a];
	const struct profile_stack *y = &p->stacks[*(const size_t *)b];

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	if (x->tid != y->tid)
		return (x->tid > y->tid) - (x->tid < y->tid);
	return (*(const size_t *)a > *(const size_t *)b) -
	       (*(const size_t *)a < *(const size_t *)b);
}

static int
compare_busiest(const void *a, const void *b)
{
	const struct timeline_thread *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (x->first->pid != y->first->pid)
		return (x->first->pid > y->first->pid) - (x->first->pid < y->first->pid);
	return (x->first->tid > y->first->tid) - (x->first->tid < y->first->tid);
}

static void
timeline_add(struct timeline_thread *t, size_t stack, double time, uint64_t weight)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->samples = xreallocarray(t->samples, t->cap, sizeof(*t->samples));
	}
	t->samples[t->n++] = (struct timeline_sample){stack, time, weight};
	t->total += weight;
}

size_t
profile_timeline(const struct profile *p, struct timeline_thread **out)
{
	size_t *order = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*order));
	size_t *thread_of = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*thread_of));
	uint64_t *left = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*left));
	struct timeline_thread *threads = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*threads));
	size_t n = 0, k = 0;

	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].count > 0)
			order[k++] = i;
	qsort_r(order, k, sizeof(*order), compare_stacks_by_thread, (void *)p);
	for (size_t i = 0; i < k; i++) {
		const struct profile_stack *s = &p->stacks[order[i]];

		if (n == 0 || threads[n - 1].first->tid != s->tid ||
		    threads[n - 1].first->pid != s->pid)
			threads[n++].first = s;
		thread_of[order[i]] = n - 1;
		left[order[i]] = s->count;
	}
	for (size_t e = 0; e < p->nevents; e++) {
		const struct profile_event *ev = &p->events[e];

		if (ev->stack >= p->nstacks || left[ev->stack] < ev->weight)
			continue; /* never: an event counts in its stack */
		left[ev->stack] -= ev->weight;
		timeline_add(&threads[thread_of[ev->stack]], ev->stack, ev->t, ev->weight);
	}
	for (size_t i = 0; i < k; i++) {
		struct timeline_thread *t = &threads[thread_of[order[i]]];

		if (left[order[i]] > 0)
			timeline_add(t, order[i], t->n > 0 ? t->samples[t->n - 1].t : 0,
			             left[order[i]]);
	}
	qsort(threads, n, sizeof(*threads), compare_busiest);
	free(order);
	free(thread_of);
	free(left);
	*out = threads;
	return n;
}

void
profile_timeline_free(struct timeline_thread *threads, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(threads[i].samples);
	free(threads);
}
