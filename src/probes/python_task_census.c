#include "python_task_census.h"

#include "../xmalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most of a task object one confirmation reads: its fields up to the
 * furthest one compared (the C TaskObj's first ~200 bytes in 3.6-3.15). */
#define TASK_CENSUS_READ 256

struct task_census {
	struct task_census_entry *entries; /* sorted by frame */
	size_t n;
	const struct python_asyncio_layout *al;
	size_t read_len; /* the bytes of a task a confirmation reads */
};

static int
entry_compare(const void *a, const void *b)
{
	uint64_t x = ((const struct task_census_entry *)a)->frame;
	uint64_t y = ((const struct task_census_entry *)b)->frame;

	return (x > y) - (x < y);
}

/* "task NAME"; without a name (3.6, 3.7), after the coroutine's function
 * as Task's repr shows it ("task alpha()"); else by address. */
static char *
census_label(const struct task_row *t)
{
	char buf[320];

	if (t->name != NULL)
		snprintf(buf, sizeof(buf), "task %s", t->name);
	else if (t->nframes > 0 && t->frames[t->nframes - 1].function != NULL)
		snprintf(buf, sizeof(buf), "task %s()", t->frames[t->nframes - 1].function);
	else
		snprintf(buf, sizeof(buf), "task 0x%" PRIx64, t->addr);
	return xstrdup(buf);
}

static int32_t
max_i32(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

struct task_census *
task_census_new(const struct tasks_report *r, const struct python_asyncio_layout *al)
{
	struct task_census *c = xcalloc(1, sizeof(*c));
	int32_t furthest = max_i32(max_i32(al->task.coro, al->task.name), al->task.state);

	c->al = al;
	c->read_len = furthest >= 0 && furthest + 8 <= TASK_CENSUS_READ ? (size_t)furthest + 8 : 0;
	c->entries = xcalloc(r->ntasks ? r->ntasks : 1, sizeof(*c->entries));
	for (size_t i = 0; i < r->ntasks; i++) {
		const struct task_row *t = &r->tasks[i];

		/* A task that is done has no coroutine running, and one
		 * whose coroutine was not read cannot be recognised. */
		if (t->coro_frame == 0)
			continue;
		c->entries[c->n++] = (struct task_census_entry){
		    .frame = t->coro_frame,
		    .task = t->addr,
		    .coro = t->coro,
		    .name_obj = t->name_obj,
		    .type = t->type,
		    .pure = t->pure,
		    .label = census_label(t),
		};
	}
	qsort(c->entries, c->n, sizeof(*c->entries), entry_compare);
	return c;
}

void
task_census_free(struct task_census *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->entries[i].label);
	free(c->entries);
	free(c);
}

size_t
task_census_size(const struct task_census *c)
{
	return c != NULL ? c->n : 0;
}

size_t
task_census_new_since(const struct task_census *now, const struct task_census *before)
{
	size_t n = 0;

	for (size_t i = 0; i < now->n; i++) {
		const struct task_census_entry *e =
		    before != NULL ? bsearch(&now->entries[i], before->entries, before->n,
		                             sizeof(*before->entries), entry_compare)
		                   : NULL;

		n += e == NULL || e->task != now->entries[i].task;
	}
	return n;
}

/* Whether e's task is still the one the census saw: pending, running the
 * same coroutine under the same name. A task freed and another made at
 * its address has another coroutine or name (or is not pending). */
static bool
census_confirm(const struct task_census *c, const struct task_census_entry *e,
               const struct python_memory *mem)
{
	unsigned char buf[TASK_CENSUS_READ];
	const struct python_asyncio_layout *al = c->al;

	if (e->pure) {
		/* ob_refcnt then ob_type, the header of every object (the
		 * free-threaded build, which differs, has no census). */
		uint64_t head[2];

		return mem->read(mem->arg, e->task, head, sizeof(head)) == 0 && head[1] == e->type;
	}
	if (c->read_len == 0 || mem->read(mem->arg, e->task, buf, c->read_len) != 0)
		return false;
	if (python_memory_field_i32(buf, c->read_len, al->task.state) != 0)
		return false;
	if (python_memory_field_u64(buf, c->read_len, al->task.coro) != e->coro)
		return false;
	return al->task.name < 0 ||
	       python_memory_field_u64(buf, c->read_len, al->task.name) == e->name_obj;
}

enum task_census_match
task_census_find(const struct task_census *c, const struct python_raw_thread *py,
                 const struct python_memory *mem, const struct task_census_entry **entry)
{
	*entry = NULL;
	if (c == NULL || c->n == 0 || py == NULL)
		return TASK_CENSUS_NONE;
	/* Innermost first: the coroutines a task awaits are not in the
	 * census (only tasks' own are), but an eager task (3.12+
	 * eager_task_factory) starts running inside the step of the task
	 * that made it, its frame above that task's: the innermost is the
	 * task running now. */
	for (size_t i = 0; i < py->nframes; i++) {
		struct task_census_entry key = {.frame = py->frames[i].addr};
		const struct task_census_entry *e;

		if (key.frame == 0)
			continue;
		e = bsearch(&key, c->entries, c->n, sizeof(*c->entries), entry_compare);
		if (e == NULL)
			continue;
		if (!census_confirm(c, e, mem))
			return TASK_CENSUS_STALE;
		*entry = e;
		return TASK_CENSUS_TASK;
	}
	return TASK_CENSUS_NONE;
}
