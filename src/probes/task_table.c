#include "task_table.h"

#include "../xmalloc.h"

#include <stdlib.h>
#include <string.h>

static size_t
task_hash(int id, size_t cap)
{
	return ((uint32_t)id * 2654435761u) & (cap - 1);
}

static void
task_table_place(struct task_slot *index, size_t cap, int id, uint32_t pos)
{
	size_t s = task_hash(id, cap);

	while (index[s].pos != 0)
		s = (s + 1) & (cap - 1);
	index[s] = (struct task_slot){id, pos};
}

/* Sizes the index for room tasks, at most half full, and fills it: from the tasks when a sweep has
 * moved them, else from the old index, which holds every id and position in 8 bytes where a task
 * takes 350 (a table growing to thousands of threads is indexed again at each doubling). */
static void
task_table_reindex(struct task_table *t, size_t room, bool moved)
{
	struct task_slot *old = t->index;
	size_t want = 64, old_cap = t->index_cap;

	while (want < room * 2)
		want *= 2;
	if (want == old_cap && !moved)
		return;
	t->index = xmalloc(want * sizeof(*t->index));
	xpopulate(t->index, want * sizeof(*t->index));
	memset(t->index, 0, want * sizeof(*t->index));
	t->index_cap = want;
	if (moved) {
		for (size_t i = 0; i < t->n; i++)
			task_table_place(t->index, want, t->v[i].id, (uint32_t)i + 1);
	} else {
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].pos != 0)
				task_table_place(t->index, want, old[i].id, old[i].pos);
	}
	free(old);
}

/* Room for need tasks: at least double, so that adding one at a time
 * costs a copy now and then. */
static void
task_table_grow(struct task_table *t, size_t need)
{
	size_t before = t->cap;

	t->cap = t->cap ? t->cap * 2 : 256;
	if (t->cap < need)
		t->cap = need;
	t->v = xreallocarray_populated(t->v, before, t->cap, sizeof(*t->v));
}

void
task_table_reserve(struct task_table *t, size_t count)
{
	size_t need = t->n + count;

	if (need > t->cap)
		task_table_grow(t, need);
	if (need * 2 > t->index_cap)
		task_table_reindex(t, need, false);
}

struct task *
task_table_find(const struct task_table *t, int id)
{
	if (t->index_cap == 0)
		return NULL;
	for (size_t s = task_hash(id, t->index_cap); t->index[s].pos != 0;
	     s = (s + 1) & (t->index_cap - 1))
		if (t->index[s].id == id)
			return &t->v[t->index[s].pos - 1];
	return NULL;
}

struct task *
task_table_get(struct task_table *t, int id, int pid)
{
	struct task *task = task_table_find(t, id);

	if (task != NULL)
		return task;
	if (t->n == t->cap)
		task_table_grow(t, t->n + 1);
	task = &t->v[t->n++];
	memset(task, 0, sizeof(*task));
	task->id = id;
	task->pid = pid;
	task->fd = -1;
	/* Keep the index at most half full. */
	if (t->n * 2 > t->index_cap)
		task_table_reindex(t, t->n, false);
	task_table_place(t->index, t->index_cap, id, (uint32_t)t->n);
	return task;
}

void
task_table_sweep(struct task_table *t, uint32_t gen, void (*drop)(struct task *, void *), void *arg)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].seen != gen) {
			drop(&t->v[i], arg);
			continue;
		}
		if (kept != i) /* 350 bytes: not copied onto itself */
			t->v[kept] = t->v[i];
		kept++;
	}
	if (kept != t->n) {
		t->n = kept;
		task_table_reindex(t, t->n, true);
	}
}

void
task_table_free(struct task_table *t)
{
	free(t->v);
	free(t->index);
	memset(t, 0, sizeof(*t));
}
