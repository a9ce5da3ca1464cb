#include "dump_json.h"

#include "json.h"
#include "tasks_json.h"
#include "text.h"

#include <errno.h>
#include <string.h>

const char *
dump_json_thread_error(int err)
{
	switch (-err) {
	case 0:
		return NULL;
	case ESRCH:
		return "the thread exited";
	case ETIMEDOUT:
		return "did not stop in time (in an uninterruptible sleep, or denied a CPU for 1 "
		       "s)";
	case EPERM:
	case EACCES:
		return "no permission to trace it";
	default:
		return strerror(-err);
	}
}

/* dump --locals: a Python frame's "locals": [{name, type, repr}] and how
 * many the bounds left out. */
static void
dump_json_locals(struct json *j, const struct frame_row *f)
{
	json_key(j, "locals");
	json_array_begin(j);
	for (size_t i = 0; i < f->nlocals; i++) {
		json_object_begin(j);
		json_member_string(j, "name", f->locals[i].name);
		json_member_string(j, "type", f->locals[i].type);
		json_member_string(j, "repr", f->locals[i].repr);
		json_object_end(j);
	}
	json_array_end(j);
	json_member_count(j, "locals_omitted", (int64_t)f->locals_omitted);
}

void
dump_json_frame(struct json *j, const struct frame_row *f)
{
	json_object_begin(j);
	json_key(j, "kind");
	json_string(j, f->python ? "python" : "native");
	json_member_address(j, "address", f->python ? 0 : f->ip);
	json_key(j, "function");
	json_string(j, f->function);
	json_key(j, "module");
	json_string(j, f->module);
	json_key(j, "offset");
	if (f->python)
		json_null(j);
	else
		json_int(j, (int64_t)f->offset);
	json_key(j, "file");
	json_string(j, f->file);
	json_member_count(j, "line", f->line > 0 ? f->line : -1);
	if (f->has_locals)
		dump_json_locals(j, f);
	json_object_end(j);
}

void
dump_json_python(struct json *j, const struct python_info *p)
{
	json_key(j, "python");
	if (p == NULL || !p->version[0]) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_key(j, "version");
	json_string(j, p->version);
	json_key(j, "readable");
	json_bool(j, !p->unreadable[0]);
	json_key(j, "free_threaded");
	json_bool(j, p->free_threaded);
	json_key(j, "found_by");
	if (p->found_by != NULL)
		json_string(j, p->found_by);
	else
		json_null(j);
	json_key(j, "reason");
	if (p->unreadable[0])
		json_string(j, p->unreadable);
	else
		json_null(j);
	json_object_end(j);
}

void
dump_json_cut(struct json *j, const char *complete_key, const char *cut_key,
              const struct thread_stack *t)
{
	json_key(j, complete_key);
	if (t != NULL && t->err == 0)
		json_bool(j, t->cut[0] == '\0');
	else
		json_null(j);
	json_key(j, cut_key);
	if (t != NULL && t->err == 0 && t->cut[0] != '\0')
		json_string(j, t->cut);
	else
		json_null(j);
}

static void
dump_json_frames(struct json *j, const struct frame_row *frames, size_t n)
{
	json_array_begin(j);
	for (size_t f = 0; f < n; f++)
		dump_json_frame(j, &frames[f]);
	json_array_end(j);
}

void
dump_json_stack(struct json *j, const struct thread_stack *t, bool null_without)
{
	json_key(j, "stack");
	if (t != NULL && (t->err == 0 || !null_without))
		dump_json_frames(j, t->frames, t->nframes);
	else
		json_null(j);
	/* Only when the Python frames could not be merged: stack then holds
	 * them alone, and this the native frames. */
	if (t != NULL && t->native_frames != NULL) {
		json_key(j, "native_stack");
		dump_json_frames(j, t->native_frames, t->nnative);
	}
}

void
dump_json_write(FILE *out, const struct dump_report *d)
{
	struct json j;

	json_init(&j, out);
	json_document_begin(&j, "stacktop.dump/1", &d->taken_at);
	json_key(&j, "pid");
	json_int(&j, d->pid);
	json_key(&j, "comm");
	json_string(&j, d->comm);
	dump_json_python(&j, &d->python);
	json_key(&j, "hint");
	json_string(&j, d->hint[0] ? d->hint : NULL);
	json_key(&j, "stopped_ms");
	json_double(&j, d->stopped_ms, 3);
	json_member_count(&j, "thread_count", (int64_t)d->nthreads);
	json_key(&j, "threads");
	json_array_begin(&j);
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct thread_stack *t = &d->threads[i];
		char state[2] = {text_state(t->state), '\0'};

		json_object_begin(&j);
		json_key(&j, "tid");
		json_int(&j, t->tid);
		json_key(&j, "name");
		json_string(&j, t->name);
		json_key(&j, "python_thread_name");
		json_string(&j, t->python_name);
		json_key(&j, "holds_gil");
		if (t->holds_gil >= 0)
			json_bool(&j, t->holds_gil == 1);
		else
			json_null(&j);
		json_key(&j, "state");
		json_string(&j, state);
		json_key(&j, "error");
		json_string(&j, dump_json_thread_error(t->err));
		dump_json_stack(&j, t, false);
		dump_json_cut(&j, "complete", "cut", t);
		if (d->tasks != NULL)
			tasks_json_loop(&j, "asyncio_tasks", d->tasks, t->tid);
		json_object_end(&j);
	}
	json_array_end(&j);
	/* dump --tasks: the tasks of no running loop, and where the search
	 * for tasks ended early. */
	if (d->tasks != NULL) {
		tasks_json_loop(&j, "asyncio_tasks_not_running", d->tasks, 0);
		json_key(&j, "asyncio_tasks_stopped_ms");
		json_double(&j, d->tasks->stopped_ms, 3);
		json_member_string(&j, "asyncio_tasks_partial",
		                   d->tasks->partial[0] != '\0' ? d->tasks->partial : NULL);
	}
	json_object_end(&j);
	json_finish(&j);
}
