#include "dump_text.h"

#include "../plural.h"
#include "dump_json.h"
#include "tasks_text.h"
#include "text.h"

#include <inttypes.h>
#include <string.h>

/* dump --locals: under a Python frame, a line per variable,
 * "        count = 3", and what the bounds left out. */
static void
dump_text_locals(FILE *out, const struct frame_row *f)
{
	for (size_t i = 0; i < f->nlocals; i++) {
		const struct frame_local *v = &f->locals[i];

		fputs("        ", out);
		text_field(out, v->name, strlen(v->name), 100, 0);
		fputs(" = ", out);
		text_field(out, v->repr, strlen(v->repr), 255, 0);
		fputc('\n', out);
	}
	if (f->locals_omitted > 0)
		fprintf(out, "        (%zu more not shown)\n", f->locals_omitted);
}

/* "#3   (python)           in Worker.run (/srv/app/worker.py:42)" */
static void
dump_text_python_frame(FILE *out, size_t i, const struct frame_row *f)
{
	fprintf(out, "#%-3zu %-18s in ", i, "(python)");
	text_field(out, f->function, strlen(f->function), 200, 0);
	fputs(" (", out);
	if (f->file != NULL)
		text_field(out, f->file, strlen(f->file), 200, 0);
	else
		fputs("??", out);
	if (f->line > 0)
		fprintf(out, ":%d", f->line);
	fputs(")\n", out);
	dump_text_locals(out, f);
}

void
dump_text_frame(FILE *out, size_t i, const struct frame_row *f)
{
	if (f->python) {
		dump_text_python_frame(out, i, f);
		return;
	}
	fprintf(out, "#%-3zu 0x%016" PRIx64 " in ", i, f->ip);
	if (f->signal) {
		fputs("<signal handler called>\n", out); /* as gdb shows it */
		return;
	}
	if (f->function != NULL) {
		text_field(out, f->function, strlen(f->function), 200, 0);
		fprintf(out, "+0x%" PRIx64, f->offset);
		if (f->module != NULL) {
			fputs(" (", out);
			text_field(out, text_basename(f->module), strlen(text_basename(f->module)),
			           100, 0);
			fputc(')', out);
		}
	} else if (f->module != NULL) {
		text_field(out, text_basename(f->module), strlen(text_basename(f->module)), 100, 0);
		fprintf(out, "+0x%" PRIx64, f->offset);
	} else {
		fputs("??", out);
	}
	fputc('\n', out);
}

void
dump_text_cut(FILE *out, int indent, const struct thread_stack *t)
{
	if (t->cut[0] == '\0')
		return;
	fprintf(out, "%*s... stack cut: ", indent, "");
	text_field(out, t->cut, strlen(t->cut), sizeof(t->cut), 0);
	fputc('\n', out);
}

void
dump_text_python(FILE *out, const struct python_info *p)
{
	if (p->version[0])
		fprintf(out, ", Python %s%s", p->version,
		        p->free_threaded ? " (free-threaded)" : "");
}

void
dump_text_python_unreadable(FILE *out, const struct python_info *p)
{
	if (p->unreadable[0])
		fprintf(out, "(%s)\n", p->unreadable);
}

void
dump_text_write(FILE *out, const struct dump_report *d)
{
	fprintf(out, "PID %d (", d->pid);
	text_field(out, d->comm, strlen(d->comm), sizeof(d->comm), 0);
	fprintf(out, "): %zu %s", d->nthreads, plural(d->nthreads, "thread", "threads"));
	dump_text_python(out, &d->python);
	fprintf(out, ", stopped for %.2f ms", d->stopped_ms);
	if (d->skipped > 0)
		fprintf(out, ", %zu did not stop in time", d->skipped);
	fputc('\n', out);
	dump_text_python_unreadable(out, &d->python);
	if (d->hint[0] != '\0')
		fprintf(out, "(%s)\n", d->hint);
	if (d->tasks != NULL)
		fprintf(out, "%zu asyncio %s, found in a second stop of %.2f ms\n",
		        d->tasks->ntasks, plural(d->tasks->ntasks, "task", "tasks"),
		        d->tasks->stopped_ms);
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct thread_stack *t = &d->threads[i];
		const char *why = dump_json_thread_error(t->err);

		fprintf(out, "\nThread %d (", t->tid);
		text_field(out, t->name, strlen(t->name), sizeof(t->name), 0);
		if (t->python_name != NULL) {
			fputs(", Python \"", out);
			text_field(out, t->python_name, strlen(t->python_name), 100, 0);
			fputc('"', out);
		}
		fprintf(out, ") %c%s:\n", text_state(t->state),
		        t->holds_gil == 1 ? ", holds the GIL" : "");
		if (why != NULL) {
			fprintf(out, "    (no stack: %s)\n", why);
			continue;
		}
		if (t->native_frames != NULL)
			fputs("    (the Python and native stacks do not line up: both follow)\n",
			      out);
		for (size_t f = 0; f < t->nframes; f++)
			dump_text_frame(out, f, &t->frames[f]);
		if (t->native_frames != NULL)
			fputs("    native:\n", out);
		for (size_t f = 0; f < t->nnative; f++)
			dump_text_frame(out, f, &t->native_frames[f]);
		dump_text_cut(out, 0, t);
		if (tasks_text_loop_has(d->tasks, t->tid)) {
			fputs("    asyncio tasks of the event loop this thread runs:\n", out);
			tasks_text_loop(out, d->tasks, t->tid, 4, true);
		}
	}
	if (d->tasks != NULL && d->tasks->partial[0] != '\0')
		fprintf(out, "\n(the search for asyncio tasks ended early: %s)\n",
		        d->tasks->partial);
	if (tasks_text_loop_has(d->tasks, 0)) {
		fputs("\nasyncio tasks of event loops not running now:\n", out);
		tasks_text_loop(out, d->tasks, 0, 2, true);
	}
}
