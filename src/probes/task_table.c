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
task_table_reindex(struct task_table *t)
{
	size_t want = 64;

	while (want < t->n * 2)
		want *= 2;
	if (want != t->index_cap) {
		free(t->index);
		t->index = xmalloc(want * sizeof(*t->index));
		t->index_cap = want;
	}
	memset(t->index, 0, t->index_cap * sizeof(*t->index));
	for (size_t i = 0; i < t->n; i++) {
		size_t s = task_hash(t->v[i].id, t->index_cap);

		while (t->index[s].pos != 0)
			s = (s + 1) & (t->index_cap - 1);
		t->index[s] = (struct task_slot){t->v[i].id, (uint32_t)i + 1};
	}
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
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	task = &t->v[t->n++];
	memset(task, 0, sizeof(*task));
	task->id = id;
	task->pid = pid;
	task->fd = -1;
	/* Keep the index at most half full; rebuilding also places the new task. */
	if (t->n * 2 > t->index_cap) {
		task_table_reindex(t);
	} else {
		size_t s = task_hash(id, t->index_cap);

		while (t->index[s].pos != 0)
			s = (s + 1) & (t->index_cap - 1);
		t->index[s] = (struct task_slot){id, (uint32_t)t->n};
	}
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
		t->v[kept++] = t->v[i];
	}
	if (kept != t->n) {
		t->n = kept;
		task_table_reindex(t);
	}
}

void
task_table_free(struct task_table *t)
{
	free(t->v);
	free(t->index);
	memset(t, 0, sizeof(*t));
}
