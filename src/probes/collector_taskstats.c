/* The collector's taskstats source: threads queued during a sample, then
 * read in one netlink sweep, with CPU in microseconds, context switches and
 * run delay, and no file per thread (probes/taskstats). */
#include "../xmalloc.h"
#include "collector_impl.h"

#include <string.h>

/* The taskstats source: thread tid queued for the sweep's one query. */
static int
collector_taskstats_queue(struct collector *c, struct task *proc, int tid, int dirfd)
{
	int pid = proc->id;

	(void)dirfd;
	if (c->npending == c->pending_cap) {
		c->pending_cap = c->pending_cap ? c->pending_cap * 2 : 1024;
		c->pending_tids = xreallocarray(c->pending_tids, c->pending_cap, sizeof(int));
		c->pending_pids = xreallocarray(c->pending_pids, c->pending_cap, sizeof(int));
	}
	c->pending_tids[c->npending] = tid;
	c->pending_pids[c->npending++] = pid;
	return 0;
}

/* A thread's CPU time from taskstats: its exact time on a CPU when delay
 * accounting gives it, else the sum of its user and system time, which the
 * kernel counts in clock ticks (4 ms here): too coarse for the first
 * screen's 10 ms interval, or to tell which thread ran in a short one. */
static uint64_t
collector_cpu_total_us(const struct taskstats_sample *a)
{
	return a->run_ns > 0 ? a->run_ns / 1000 : a->user_us + a->sys_us;
}

/* Splits the exact total into user and system time in the proportion of
 * the tick counts (as the kernel does for /proc/PID/stat), keeping each no
 * smaller than at the previous read (prev, NULL for a new thread) so that
 * no part of the time goes backwards. */
static void
collector_split_cpu(const struct taskstats_sample *a, const struct task_counters *prev,
                    uint64_t *user_us, uint64_t *sys_us)
{
	uint64_t total = collector_cpu_total_us(a), ticks = a->user_us + a->sys_us;
	uint64_t user =
	    ticks > 0 ? (uint64_t)((double)total * (double)a->user_us / (double)ticks) : total;

	if (prev != NULL) {
		if (user < prev->user_us)
			user = prev->user_us;
		if (total - (user < total ? user : total) < prev->sys_us)
			user = total >= prev->sys_us ? total - prev->sys_us : prev->user_us;
	}
	if (user > total)
		user = total;
	*user_us = user;
	*sys_us = total - user;
}

/* Applies the taskstats answers for the queued threads [from, to). */
static void
collector_apply_taskstats(struct collector *c, size_t from, size_t to)
{
	collector_sample_reserve(c, c->pending_tids + from, to - from);
	for (size_t i = from; i < to; i++) {
		const struct taskstats_sample *a = &c->answers[i];
		struct task *task;
		struct task_before b;
		uint64_t user_us, sys_us;
		bool same;

		if (!a->ok)
			continue; /* gone since the listing */
		task = task_table_get(&c->tasks, c->pending_tids[i], c->pending_pids[i]);
		b = collector_sample_before(task);
		/* taskstats has no exact start time (its btime jitters by a second),
		 * so a reused id shows as a start a few seconds off or as counters
		 * that went backwards. */
		same = a->btime_s + 2 >= task->identity && a->btime_s <= task->identity + 2 &&
		       collector_cpu_total_us(a) >= collector_cpu_us(&task->cur);
		collector_sample_see(c, task, a->btime_s, same);
		if (!task->has_base)
			task->born_after_base = a->btime_s + 1 >= c->base_real_s;
		memcpy(task->st.comm, a->comm, sizeof(a->comm));
		task->st.nice = a->nice;
		task->has_stat = false;
		collector_split_cpu(a, same ? &task->cur : NULL, &user_us, &sys_us);
		task->cur = (struct task_counters){
		    .user_us = user_us,
		    .sys_us = sys_us,
		    .ctxsw_voluntary = (int64_t)(a->ctxsw_voluntary & INT64_MAX),
		    .ctxsw_involuntary = (int64_t)(a->ctxsw_involuntary & INT64_MAX),
		    .delay_ns = (int64_t)(a->delay_ns & INT64_MAX),
		};
		collector_sample_note_thread(c, task, &b);
	}
}

/* Queries the queued threads from index `from` on. Returns 0 or -errno. */
static int
collector_query_taskstats(struct collector *c, size_t from)
{
	c->answers = xreallocarray(c->answers, c->npending ? c->npending : 1, sizeof(*c->answers));
	return taskstats_query(c->taskstats, c->pending_tids + from, c->npending - from,
	                       c->answers + from);
}

/* Reads the threads queued from index from on through taskstats. With
 * relist, a thread gone from a process whose list was trusted (not listed
 * in this sample) means the list may be stale: that process is listed again
 * and its new threads queried. Returns 0, or -errno when the socket failed
 * (the caller then falls back to stat files). */
static int
collector_taskstats_sweep(struct collector *c, size_t from, bool relist)
{
	size_t first = c->npending;
	int err;

	if (first == from)
		return 0;
	if ((err = collector_query_taskstats(c, from)) != 0)
		return err;
	collector_apply_taskstats(c, from, first);
	for (size_t i = from; relist && i < first; i++) {
		struct task *proc;

		if (c->answers[i].ok)
			continue;
		proc = task_table_find(&c->procs, c->pending_pids[i]);
		if (proc != NULL && proc->listed != c->gen)
			(void)collector_sample_relist(c, proc);
	}
	if (c->npending == first)
		return 0;
	err = collector_query_taskstats(c, first);
	if (err == 0)
		collector_apply_taskstats(c, first, c->npending);
	return err;
}

const struct collector_source collector_taskstats = {
    "taskstats",
    true,
    collector_taskstats_queue,
    collector_taskstats_sweep,
};
