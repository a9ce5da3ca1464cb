/* record --async: each sample of a thread running an asyncio task names
 * the task. A census of the tasks (python_tasks: one bounded stop of the
 * whole process) at the start, and again when samples meet a task it does
 * not know; between censuses a sample costs one small read of the task
 * its stack points to (python_task_census), never a stop: 2.3 us of CPU
 * for its 200 bytes on 3.12 (measured on a loaded 2-CPU box, where a
 * --python round cost 39-42 us), where reading the running task of each
 * loop per sample would be a dict lookup (3.7-3.13) of several reads. */
#include "../clock.h"
#include "../xmalloc.h"
#include "python_task_census.h"
#include "python_tasks.h"
#include "sampler_impl.h"

#include <errno.h>
#include <stdlib.h>

/* Taking a census stops the whole process (up to PYTHON_TASKS_MAX_STOP_S
 * on a heap of millions of objects), so another is taken only when samples
 * met a task the last one did not know, no sooner than
 * SAMPLER_ASYNC_CENSUS_MIN_S after it, nor sooner than
 * SAMPLER_ASYNC_STOP_SHARE's inverse times its stop (the censuses take at
 * most 1% of the target's time); and one that found no new task doubles
 * the wait, up to SAMPLER_ASYNC_CENSUS_MAX_S (a loop that runs plain
 * callbacks, outside any task, asks for one at every sample). */
#define SAMPLER_ASYNC_CENSUS_MIN_S 1.0
#define SAMPLER_ASYNC_CENSUS_MAX_S 30.0
#define SAMPLER_ASYNC_STOP_SHARE   0.01

/* Takes a census; keeps the previous one when it fails. Returns 0 or
 * python_tasks_take_in's -errno. */
static int
sampler_async_census(struct sampler *s)
{
	struct tasks_report *r;
	struct task_census *c;
	size_t new_tasks;
	int err = python_tasks_take_in(s->fs, s->target, s->pid, false, &r);
	double now = clock_monotonic_s();

	s->census_s = now;
	if (err != 0)
		return err;
	c = task_census_new(r, python_tasks_layout(s->py));
	new_tasks = task_census_new_since(c, s->census);
	s->census_loop_tids = xreallocarray(s->census_loop_tids, r->ntasks ? r->ntasks : 1,
	                                    sizeof(*s->census_loop_tids));
	s->census_nloop_tids = 0;
	for (size_t i = 0; i < r->ntasks; i++) {
		size_t k = 0;

		while (k < s->census_nloop_tids && s->census_loop_tids[k] != r->tasks[i].loop_tid)
			k++;
		if (k == s->census_nloop_tids && r->tasks[i].loop_tid > 0)
			s->census_loop_tids[s->census_nloop_tids++] = r->tasks[i].loop_tid;
	}
	s->async.censuses++;
	s->async.stopped_ms_sum += r->stopped_ms;
	if (r->stopped_ms > s->async.stopped_ms_max)
		s->async.stopped_ms_max = r->stopped_ms;
	s->async.tasks = task_census_size(c);
	task_census_free(s->census);
	s->census = c;
	tasks_report_free(r);
	if (new_tasks > 0 || s->census_every_s == 0)
		s->census_every_s = SAMPLER_ASYNC_CENSUS_MIN_S;
	else if ((s->census_every_s *= 2) > SAMPLER_ASYNC_CENSUS_MAX_S)
		s->census_every_s = SAMPLER_ASYNC_CENSUS_MAX_S;
	if (s->census_every_s < 1e-3 * s->async.stopped_ms_max / SAMPLER_ASYNC_STOP_SHARE)
		s->census_every_s = 1e-3 * s->async.stopped_ms_max / SAMPLER_ASYNC_STOP_SHARE;
	s->census_wanted = false;
	return 0;
}

int
sampler_async_start(struct sampler *s)
{
	if (s->py == NULL || s->target == NULL)
		return -ENOEXEC;
	if (python_tasks_layout(s->py) == NULL)
		return -ENOTSUP;
	return sampler_async_census(s);
}

void
sampler_async_round(struct sampler *s)
{
	if (s->census == NULL || !s->census_wanted ||
	    clock_monotonic_s() - s->census_s < s->census_every_s)
		return;
	if (sampler_async_census(s) != 0)
		s->async.failed++;
}

/* Whether tid ran a loop at the last census. */
static bool
sampler_async_loop_thread(const struct sampler *s, int tid)
{
	for (size_t i = 0; i < s->census_nloop_tids; i++)
		if (s->census_loop_tids[i] == tid)
			return true;
	return false;
}

const struct task_census_entry *
sampler_async_task(struct sampler *s, int tid, const struct python_raw_thread *py)
{
	const struct task_census_entry *e;

	if (s->census == NULL || py == NULL)
		return NULL;
	switch (task_census_find(s->census, py, s->mem, &e)) {
	case TASK_CENSUS_TASK:
		return e;
	case TASK_CENSUS_STALE:
		/* A task of the census ended and its memory was reused. */
		s->census_wanted = true;
		return NULL;
	case TASK_CENSUS_NONE:
		/* A loop's thread outside every known task: between tasks,
		 * or in one made since; any thread when no loop ran yet. */
		if (s->census_nloop_tids == 0 || sampler_async_loop_thread(s, tid))
			s->census_wanted = true;
		return NULL;
	}
	return NULL;
}

const struct sampler_async_stats *
sampler_async_stats(const struct sampler *s)
{
	return s->census != NULL ? &s->async : NULL;
}

void
sampler_async_free(struct sampler *s)
{
	task_census_free(s->census);
	free(s->census_loop_tids);
}
