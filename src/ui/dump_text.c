#include "dump_text.h"

#include "dump_json.h"
#include "text.h"

#include <inttypes.h>
#include <string.h>

/* "/usr/lib/x86_64-linux-gnu/libc.so.6" -> "libc.so.6" */
static const char *
dump_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

void
dump_text_frame(FILE *out, size_t i, const struct frame_row *f)
{
	fprintf(out, "#%-3zu 0x%016" PRIx64 " in ", i, f->ip);
	if (f->function != NULL) {
		text_field(out, f->function, strlen(f->function), 200, 0);
		fprintf(out, "+0x%" PRIx64, f->offset);
		if (f->module != NULL) {
			fputs(" (", out);
			text_field(out, dump_basename(f->module), strlen(dump_basename(f->module)),
			           100, 0);
			fputc(')', out);
		}
	} else if (f->module != NULL) {
		text_field(out, dump_basename(f->module), strlen(dump_basename(f->module)), 100, 0);
		fprintf(out, "+0x%" PRIx64, f->offset);
	} else {
		fputs("??", out);
	}
	fputc('\n', out);
}

void
dump_text_write(FILE *out, const struct dump_report *d)
{
	fprintf(out, "PID %d (", d->pid);
	text_field(out, d->comm, strlen(d->comm), sizeof(d->comm), 0);
	fprintf(out, "): %zu threads, stopped for %.2f ms", d->nthreads, d->stopped_ms);
	if (d->skipped > 0)
		fprintf(out, ", %zu did not stop in time", d->skipped);
	fputc('\n', out);
	for (size_t i = 0; i < d->nthreads; i++) {
		const struct thread_stack *t = &d->threads[i];
		const char *why = dump_thread_error(t->err);

		fprintf(out, "\nThread %d (", t->tid);
		text_field(out, t->name, strlen(t->name), sizeof(t->name), 0);
		fprintf(out, ") %c:\n", text_state(t->state));
		if (why != NULL) {
			fprintf(out, "    (no stack: %s)\n", why);
			continue;
		}
		for (size_t f = 0; f < t->nframes; f++)
			dump_text_frame(out, f, &t->frames[f]);
	}
}
