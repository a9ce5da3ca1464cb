#include "tasks_json.h"

#include "dump_json.h"
#include "json.h"

/* Tasks are named by their addresses (id(task), as `python -m asyncio
 * pstree` shows them): the links between them are lists of addresses. */
static void
tasks_json_addrs(struct json *j, const char *key, const struct tasks_report *r, const size_t *idx,
                 size_t n)
{
	json_key(j, key);
	json_array_begin(j);
	for (size_t i = 0; i < n; i++)
		json_int(j, (int64_t)r->tasks[idx[i]].addr);
	json_array_end(j);
}

static void
tasks_json_task(struct json *j, const struct tasks_report *r, const struct task_row *t)
{
	json_object_begin(j);
	json_member_address(j, "id", t->addr);
	json_member_string(j, "name", t->name);
	json_member_string(j, "state", t->state);
	json_member_address(j, "loop", t->loop);
	json_key(j, "loop_thread"); /* the TID running its loop now */
	if (t->loop_tid > 0)
		json_int(j, t->loop_tid);
	else
		json_null(j);
	json_member_string(j, "loop_thread_name", t->loop_thread_name);
	json_key(j, "coroutine_stack");
	json_array_begin(j);
	for (size_t i = 0; i < t->nframes; i++)
		dump_json_frame(j, &t->frames[i]);
	json_array_end(j);
	json_key(j, "coroutine_stack_complete");
	json_bool(j, !t->frames_truncated);
	json_key(j, "awaits");
	if (t->awaits[0] == '\0') {
		json_null(j);
	} else {
		json_object_begin(j);
		json_member_string(j, "kind", t->awaits);
		json_member_address(j, "object", t->awaits_object);
		tasks_json_addrs(j, "tasks", r, t->awaits_tasks, t->nawaits_tasks);
		json_object_end(j);
	}
	tasks_json_addrs(j, "awaited_by", r, t->awaited_by, t->nawaited_by);
	json_key(j, "in_deadlock");
	json_bool(j, t->in_cycle);
	json_object_end(j);
}

void
tasks_json_loop(struct json *j, const char *key, const struct tasks_report *r, int tid)
{
	json_key(j, key);
	json_array_begin(j);
	for (size_t i = 0; i < r->ntasks; i++)
		if (r->tasks[i].loop_tid == tid)
			tasks_json_task(j, r, &r->tasks[i]);
	json_array_end(j);
}

void
tasks_json_write(FILE *out, const struct tasks_report *r)
{
	struct json j;

	json_init(&j, out);
	json_document_begin(&j, "stacktop.tasks/1", &r->taken_at);
	json_key(&j, "pid");
	json_int(&j, r->pid);
	json_member_string(&j, "comm", r->comm);
	dump_json_python(&j, &r->python);
	json_key(&j, "stopped_ms");
	json_double(&j, r->stopped_ms, 3);
	json_member_string(&j, "partial", r->partial[0] != '\0' ? r->partial : NULL);
	json_member_count(&j, "task_count", (int64_t)r->ntasks);
	json_key(&j, "tasks");
	json_array_begin(&j);
	for (size_t i = 0; i < r->ntasks; i++)
		tasks_json_task(&j, r, &r->tasks[i]);
	json_array_end(&j);
	json_key(&j, "deadlocks");
	json_array_begin(&j);
	for (size_t k = 0; k < r->ncycles; k++) {
		json_object_begin(&j);
		tasks_json_addrs(&j, "tasks", r, r->cycles[k].tasks, r->cycles[k].n);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}
