#include "report_json.h"

#include "../syscall_names.h"
#include "dump_json.h"
#include "json.h"
#include "text.h"

#include <string.h>

static void
json_pct(struct json *j, const char *key, double v)
{
	json_key(j, key);
	json_double(j, v, 2);
}

static void
report_json_system(struct json *j, const struct system_row *s)
{
	json_key(j, "system");
	json_object_begin(j);
	json_pct(j, "user_pct", s->user_pct);
	json_pct(j, "sys_pct", s->sys_pct);
	json_pct(j, "nice_pct", s->nice_pct);
	json_pct(j, "iowait_pct", s->iowait_pct);
	json_pct(j, "steal_pct", s->steal_pct);
	json_pct(j, "idle_pct", s->idle_pct);
	json_key(j, "cpus");
	json_int(j, s->ncpus);
	json_key(j, "load");
	json_array_begin(j);
	for (int i = 0; i < 3; i++)
		json_double(j, s->load[i], 2);
	json_array_end(j);
	json_key(j, "uptime_s");
	json_double(j, s->uptime_s, 0);
	json_member_count(j, "mem_total_kib", s->mem_total_kib);
	json_member_count(j, "mem_used_kib", s->mem_used_kib);
	json_member_count(j, "mem_available_kib", s->mem_available_kib);
	json_member_count(j, "swap_total_kib", s->swap_total_kib);
	json_member_count(j, "swap_used_kib", s->swap_used_kib);
	json_key(j, "thread_source");
	json_string(j, s->thread_source);
	/* The counts under every document's names (process_count,
	 * thread_count) and those of /1. */
	json_key(j, "processes");
	json_int(j, (int64_t)s->processes);
	json_key(j, "process_count");
	json_int(j, (int64_t)s->processes);
	json_key(j, "threads");
	json_int(j, (int64_t)s->threads);
	json_key(j, "thread_count");
	json_int(j, (int64_t)s->threads);
	json_member_count(j, "running", s->running);
	json_object_end(j);
}

static void
report_json_thread(struct json *j, const struct thread_row *t)
{
	char state[2] = {text_state(t->state), '\0'};

	json_object_begin(j);
	json_key(j, "tid");
	json_int(j, t->tid);
	json_key(j, "name");
	json_string(j, t->name);
	/* Its threading name, as dump's and locks' (null: not a Python thread,
	 * or not read). */
	json_key(j, "python_thread_name");
	json_string(j, t->python_name);
	json_key(j, "state");
	json_string(j, state);
	json_pct(j, "cpu_pct", t->cpu_pct);
	json_pct(j, "user_pct", t->user_pct);
	json_pct(j, "sys_pct", t->sys_pct);
	json_key(j, "wchan");
	json_string(j, t->wchan);
	/* The syscall the thread is blocked in, by name; null when it is running
	 * or we may not know. */
	json_key(j, "syscall");
	if (t->syscall >= 0 && syscall_name(t->syscall) != NULL)
		json_string(j, syscall_name(t->syscall));
	else
		json_null(j);
	json_member_count(j, "syscall_nr", t->syscall);
	json_pct(j, "ctxsw_voluntary_per_s", t->ctxsw_voluntary_per_s);
	json_pct(j, "ctxsw_involuntary_per_s", t->ctxsw_involuntary_per_s);
	json_pct(j, "run_delay_pct", t->run_delay_pct);
	/* report --stacks: the stack of the hottest threads; null for the others
	 * and without --stacks, with the reason when one could not be taken. */
	dump_json_stack(j, t->stack, true);
	json_key(j, "stack_error");
	json_string(j, t->stack != NULL ? dump_json_thread_error(t->stack->err) : NULL);
	dump_json_cut(j, "stack_complete", "stack_cut", t->stack);
	json_object_end(j);
}

static void
report_json_process(struct json *j, const struct process_row *p)
{
	json_object_begin(j);
	json_key(j, "pid");
	json_int(j, p->pid);
	json_key(j, "user");
	if (p->user[0])
		json_string(j, p->user);
	else
		json_null(j);
	json_member_count(j, "uid", p->uid);
	json_key(j, "comm");
	json_string(j, p->comm);
	json_key(j, "cmdline");
	if (p->cmdline != NULL)
		json_string_len(j, p->cmdline, p->cmdline_len);
	else
		json_null(j);
	json_pct(j, "cpu_pct", p->cpu_pct);
	json_pct(j, "user_pct", p->user_pct);
	json_pct(j, "sys_pct", p->sys_pct);
	json_key(j, "thread_count");
	json_int(j, p->thread_count);
	/* report --stacks: the CPython whose frames the stacks hold (null for
	 * another process, or without --stacks). */
	dump_json_python(j, p->python);
	/* report --stacks: how long the stop for its stacks took (null when
	 * none was taken). */
	json_key(j, "stopped_ms");
	if (p->nthreads > 0 && p->threads[0].stack != NULL)
		json_double(j, p->stopped_ms, 3);
	else
		json_null(j);
	json_key(j, "mem");
	json_object_begin(j);
	json_member_count(j, "rss_kib", p->mem.rss_kib);
	json_member_count(j, "anon_kib", p->mem.anon_kib);
	json_member_count(j, "file_kib", p->mem.file_kib);
	json_member_count(j, "shmem_kib", p->mem.shmem_kib);
	json_member_count(j, "swap_kib", p->mem.swap_kib);
	json_object_end(j);
	json_key(j, "threads");
	json_array_begin(j);
	for (size_t t = 0; t < p->nthreads; t++)
		report_json_thread(j, &p->threads[t]);
	json_array_end(j);
	json_object_end(j);
}

/* report --tree: the tree's sums. */
static void
report_json_tree(struct json *j, const struct report_tree *t)
{
	json_key(j, "tree");
	json_object_begin(j);
	json_key(j, "root");
	json_int(j, t->root);
	json_key(j, "process_count");
	json_int(j, (int64_t)t->process_count);
	json_pct(j, "cpu_pct", t->cpu_pct);
	json_key(j, "rss_kib");
	json_int(j, t->rss_kib);
	json_key(j, "pss_kib");
	if (t->pss_kib >= 0)
		json_int(j, t->pss_kib);
	else
		json_null(j);
	json_key(j, "hottest_pid");
	if (t->hottest_pid > 0)
		json_int(j, t->hottest_pid);
	else
		json_null(j);
	json_key(j, "capped");
	json_bool(j, t->capped);
	json_object_end(j);
}

void
report_json_write(FILE *out, const struct report *r)
{
	struct json j;

	json_init(&j, out);
	json_document_begin(&j, "stacktop.report/1", &r->taken_at);
	json_key(&j, "interval_s");
	json_double(&j, r->interval_s, 3);
	report_json_system(&j, &r->system);
	json_key(&j, "processes");
	json_array_begin(&j);
	for (size_t i = 0; i < r->nprocs; i++)
		report_json_process(&j, &r->procs[i]);
	json_array_end(&j);
	if (r->tree.root > 0)
		report_json_tree(&j, &r->tree);
	json_object_end(&j);
	json_finish(&j);
}
