#include "profile_chrometrace.h"

#include "../profile_timeline.h"
#include "../string_table.h"
#include "json.h"
#include "text.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const char *const trace_categories[] = {
    [PROFILE_FRAME_NOTE] = "stacktop",
    [PROFILE_FRAME_PYTHON] = "python",
    [PROFILE_FRAME_NATIVE] = "native",
    [PROFILE_FRAME_KERNEL] = "kernel",
};

/* A span's name: a Python frame "function (file.py)", without the line (a
 * span is a call; its line moves while it runs and is in its args), a
 * native one profile_frame_label's. Raw: the JSON writer escapes it. */
static const char *
trace_name(const struct frame_row *f, char *buf, size_t size)
{
	if (f->python) {
		const char *file = f->file ? strrchr(f->file, '/') : NULL;

		file = file ? file + 1 : f->file ? f->file : "?";
		snprintf(buf, size, "%s (%s)", f->function ? f->function : "?", file);
		return buf;
	}
	return profile_frame_label(f, buf, size);
}

/* Whether a and b are the same call site's frame, as far as a span goes:
 * the same function in the same file (Python) or module (native). */
static bool
trace_same_frame(const struct frame_row *a, const struct frame_row *b)
{
	if (a->python != b->python || !text_same(a->function, b->function))
		return false;
	if (a->python)
		return text_same(a->file, b->file);
	if (!text_same(a->module, b->module))
		return false;
	/* Unnamed native code is known by its offset alone. */
	return a->function != NULL || a->offset == b->offset;
}

static void
trace_ids(struct json *j, int pid, int tid)
{
	json_key(j, "pid");
	json_int(j, pid);
	json_key(j, "tid");
	json_int(j, tid);
}

static void
trace_metadata(struct json *j, const char *name, int pid, int tid, const char *key,
               const char *text, int64_t value)
{
	json_object_begin(j);
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "ph");
	json_string(j, "M");
	trace_ids(j, pid, tid);
	json_key(j, "args");
	json_object_begin(j);
	json_key(j, key);
	if (text != NULL)
		json_string(j, text);
	else
		json_int(j, value);
	json_object_end(j);
	json_object_end(j);
}

/* One thread's spans, written as they are: */
struct trace_thread {
	struct json *j;
	int pid, tid;
	const struct profile_stack *open; /* whose frames are open, NULL none */
	size_t nopen;                     /* how many, from its root */
};

/* A B (begin) or E (end) event of frame f at t seconds. */
static void
trace_event(struct trace_thread *th, const struct frame_row *f, bool begin, double t)
{
	struct json *j = th->j;
	char name[1024];

	json_object_begin(j);
	json_key(j, "name");
	json_string(j, trace_name(f, name, sizeof(name)));
	json_key(j, "cat");
	json_string(j, trace_categories[profile_frame_kind(f)]);
	json_key(j, "ph");
	json_string(j, begin ? "B" : "E");
	json_key(j, "ts");
	json_double(j, t * 1e6, 3);
	trace_ids(j, th->pid, th->tid);
	if (begin && (f->python ? f->file != NULL : f->module != NULL)) {
		json_key(j, "args");
		json_object_begin(j);
		json_key(j, f->python ? "file" : "module");
		json_string(j, f->python ? f->file : f->module);
		if (f->python && f->line > 0) {
			json_key(j, "line");
			json_int(j, f->line);
		}
		json_object_end(j);
	}
	json_object_end(j);
}

/* Closes the open frames down to keep (innermost first) at t. */
static void
trace_close(struct trace_thread *th, size_t keep, double t)
{
	const struct profile_stack *s = th->open;

	for (; th->nopen > keep; th->nopen--)
		trace_event(th, &s->frames[s->nframes - th->nopen], false, t);
	if (th->nopen == 0)
		th->open = NULL;
}

/* Makes s's frames the open ones at t: those it shares with the open
 * stack from the root stay, the others end, its own begin. */
static void
trace_switch(struct trace_thread *th, const struct profile_stack *s, double t)
{
	size_t common = 0;

	while (th->open != NULL && common < th->nopen && common < s->nframes &&
	       trace_same_frame(&th->open->frames[th->open->nframes - 1 - common],
	                        &s->frames[s->nframes - 1 - common]))
		common++;
	trace_close(th, common, t);
	for (size_t d = common; d < s->nframes; d++)
		trace_event(th, &s->frames[s->nframes - 1 - d], true, t);
	th->open = s->nframes > 0 ? s : NULL;
	th->nopen = s->nframes;
}

static void
trace_thread_spans(struct trace_thread *th, const struct profile *p,
                   const struct timeline_thread *tl, double period)
{
	double end = 0;

	for (size_t i = 0; i < tl->n; i++) {
		const struct timeline_sample *ts = &tl->samples[i];

		/* Not sampled for more than a period past the last sample's
		 * end: what ran then is unknown, nothing stays open. */
		if (th->open != NULL && ts->t - end > period)
			trace_close(th, 0, end);
		trace_switch(th, &p->stacks[ts->stack], ts->t);
		end = ts->t + (double)ts->weight * period;
	}
	trace_close(th, 0, end);
}

void
profile_chrometrace_write(FILE *out, const struct profile *p)
{
	struct timeline_thread *threads;
	size_t n = profile_timeline(p, &threads);
	struct string_table processes = {0};
	/* A profile of no round has no period: a sample then stands for the
	 * default rate's 10 ms. */
	double period = profile_period_s(p) > 0 ? profile_period_s(p) : 0.01;
	char title[64 + COMM_MAX];
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "traceEvents");
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		const struct profile_stack *first = threads[i].first;
		struct trace_thread th = {
		    .j = &j,
		    .pid = first->pid != 0 ? first->pid : p->pid,
		    .tid = first->tid,
		};
		size_t seen = processes.nkeys;

		/* Each process named once, as the first of its threads comes. */
		string_table_id(&processes, (const char *)&th.pid, sizeof(th.pid));
		if (processes.nkeys > seen)
			trace_metadata(&j, "process_name", th.pid, th.pid, "name",
			               first->pid != 0 ? first->process : p->comm, 0);
		trace_metadata(&j, "thread_name", th.pid, th.tid, "name", first->thread, 0);
		trace_metadata(&j, "thread_sort_index", th.pid, th.tid, "sort_index", NULL,
		               (int64_t)i);
		trace_thread_spans(&th, p, &threads[i], period);
	}
	json_array_end(&j);
	json_key(&j, "displayTimeUnit");
	json_string(&j, "ms");
	json_key(&j, "otherData");
	json_object_begin(&j);
	json_key(&j, "producer");
	json_string(&j, "stacktop " STACKTOP_VERSION);
	json_key(&j, "recording");
	json_string(&j, profile_title(p, title, sizeof(title)));
	json_key(&j, "period_us");
	json_double(&j, period * 1e6, 3);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
	string_table_clear(&processes);
	profile_timeline_free(threads, n);
}
