#include "profile_gecko.h"

#include "../profile_timeline.h"
#include "../string_table.h"
#include "../xmalloc.h"
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* meta.categories, indexed by enum profile_frame_kind (each with the one
 * subcategory "Other" the format wants). */
static const struct gecko_category {
	const char *name;
	const char *color;
} gecko_categories[] = {
    [PROFILE_FRAME_NOTE] = {"Other", "grey"},
    [PROFILE_FRAME_PYTHON] = {"Python", "yellow"},
    [PROFILE_FRAME_NATIVE] = {"Native", "blue"},
    [PROFILE_FRAME_KERNEL] = {"Kernel", "orange"},
};

/* A row of a thread's frame table, and the key that makes it distinct. */
struct gecko_frame {
	size_t location; /* index into the thread's strings */
	int64_t line;    /* 0: none */
	int64_t kind;    /* enum profile_frame_kind */
};

/* A row of a thread's stack table: a frame on top of a prefix. */
struct gecko_stack {
	size_t prefix; /* SIZE_MAX: a root */
	size_t frame;
};

/* One thread's tables, filled as its samples are written; each row is its
 * key in the table (string_table keeps the bytes). */
struct gecko_tables {
	struct string_table strings;
	struct string_table frames; /* keys: struct gecko_frame */
	struct string_table stacks; /* keys: struct gecko_stack */
};

/* The location string of a frame, in the forms the profiler reads: a
 * Python frame "function (path:line)" (as a script's frame: its file and
 * line are shown, and "JS only" keeps it), a native one "function (in
 * library)", stacktop's notes and the kernel their label. */
static const char *
gecko_location(const struct frame_row *f, char *buf, size_t size)
{
	char label[1024];
	const char *module;

	if (f->python) {
		const char *function = f->function ? f->function : "?";
		const char *file = f->file ? f->file : "?";

		if (f->line > 0)
			snprintf(buf, size, "%s (%s:%d)", function, file, f->line);
		else
			snprintf(buf, size, "%s (%s)", function, file);
		return buf;
	}
	profile_frame_label(f, label, sizeof(label));
	if (f->function == NULL || f->module == NULL) /* the label names its module */
		snprintf(buf, size, "%s", label);
	else {
		module = strrchr(f->module, '/');
		snprintf(buf, size, "%s (in %s)", label, module ? module + 1 : f->module);
	}
	return buf;
}

static size_t
gecko_frame_id(struct gecko_tables *t, const struct frame_row *f)
{
	char location[4096];
	struct gecko_frame row;

	gecko_location(f, location, sizeof(location));
	memset(&row, 0, sizeof(row)); /* keys compare as bytes */
	row.location = string_table_id(&t->strings, location, strlen(location));
	row.line = f->python && f->line > 0 ? f->line : 0;
	row.kind = profile_frame_kind(f);
	return string_table_id(&t->frames, (const char *)&row, sizeof(row));
}

/* The stack table's index of s's frames (root first), added as needed;
 * SIZE_MAX for a stack with no frame. */
static size_t
gecko_stack_id(struct gecko_tables *t, const struct profile_stack *s)
{
	size_t top = SIZE_MAX;

	for (size_t f = s->nframes; f > 0; f--) {
		struct gecko_stack row;

		memset(&row, 0, sizeof(row));
		row.prefix = top;
		row.frame = gecko_frame_id(t, &s->frames[f - 1]);
		top = string_table_id(&t->stacks, (const char *)&row, sizeof(row));
	}
	return top;
}

/* Opens the member key, a table of the Gecko format: its schema (each
 * column's name and index) and the array of its rows ("data"), left open
 * for the rows. Close with gecko_table_end. */
static void
gecko_table_begin(struct json *j, const char *key, const char *const *columns, size_t n)
{
	json_key(j, key);
	json_object_begin(j);
	json_key(j, "schema");
	json_object_begin(j);
	for (size_t i = 0; i < n; i++) {
		json_key(j, columns[i]);
		json_int(j, (int64_t)i);
	}
	json_object_end(j);
	json_key(j, "data");
	json_array_begin(j);
}

static void
gecko_table_end(struct json *j)
{
	json_array_end(j);
	json_object_end(j);
}

/* samples: each of the thread's samples in the order taken, one row per
 * sample it stands for (the format has no weights), at its time in ms. */
static void
gecko_samples(struct json *j, struct gecko_tables *t, const struct profile *p,
              const struct timeline_thread *th, size_t *stack_of)
{
	static const char *const schema[] = {"stack", "time", "eventDelay"};

	gecko_table_begin(j, "samples", schema, 3);
	for (size_t i = 0; i < th->n; i++) {
		const struct timeline_sample *ts = &th->samples[i];

		/* A stack is one thread's: its index is computed once (0 not
		 * yet; SIZE_MAX none, a stack of no frame; else index + 1). */
		if (stack_of[ts->stack] == 0) {
			size_t id = gecko_stack_id(t, &p->stacks[ts->stack]);

			stack_of[ts->stack] = id == SIZE_MAX ? SIZE_MAX : id + 1;
		}
		for (uint64_t w = 0; w < ts->weight; w++) {
			json_array_begin(j);
			if (stack_of[ts->stack] == SIZE_MAX)
				json_null(j);
			else
				json_int(j, (int64_t)(stack_of[ts->stack] - 1));
			json_double(j, ts->t * 1000, 3);
			json_null(j); /* no event loop: no delay to tell */
			json_array_end(j);
		}
	}
	gecko_table_end(j);
}

static void
gecko_tables_write(struct json *j, const struct gecko_tables *t)
{
	static const char *const frame_schema[] = {
	    "location", "relevantForJS", "innerWindowID", "implementation",
	    "line",     "column",        "category",      "subcategory",
	};
	static const char *const stack_schema[] = {"prefix", "frame"};

	gecko_table_begin(j, "frameTable", frame_schema, 8);
	for (size_t i = 0; i < t->frames.nkeys; i++) {
		struct gecko_frame row;

		memcpy(&row, t->frames.keys[i], sizeof(row));
		json_array_begin(j);
		json_int(j, (int64_t)row.location);
		json_bool(j, false);
		json_null(j);
		json_null(j);
		if (row.line > 0)
			json_int(j, row.line);
		else
			json_null(j);
		json_null(j);
		json_int(j, row.kind);
		json_int(j, 0);
		json_array_end(j);
	}
	gecko_table_end(j);
	gecko_table_begin(j, "stackTable", stack_schema, 2);
	for (size_t i = 0; i < t->stacks.nkeys; i++) {
		struct gecko_stack row;

		memcpy(&row, t->stacks.keys[i], sizeof(row));
		json_array_begin(j);
		if (row.prefix == SIZE_MAX)
			json_null(j);
		else
			json_int(j, (int64_t)row.prefix);
		json_int(j, (int64_t)row.frame);
		json_array_end(j);
	}
	gecko_table_end(j);
	json_key(j, "stringTable");
	json_array_begin(j);
	for (size_t i = 0; i < t->strings.nkeys; i++)
		json_string_len(j, t->strings.keys[i], t->strings.lens[i]);
	json_array_end(j);
}

static void
gecko_thread(struct json *j, const struct profile *p, const struct timeline_thread *th,
             size_t *stack_of)
{
	static const char *const marker_schema[] = {"name",  "startTime", "endTime",
	                                            "phase", "category",  "data"};
	const struct profile_stack *first = th->first;
	struct gecko_tables t = {0};

	json_object_begin(j);
	json_key(j, "name");
	json_string(j, first->thread);
	json_key(j, "processType");
	json_string(j, "default");
	json_key(j, "processName");
	json_string(j, first->pid != 0 ? first->process : p->comm);
	json_key(j, "pid");
	json_int(j, first->pid != 0 ? first->pid : p->pid);
	json_key(j, "tid");
	json_int(j, first->tid);
	json_key(j, "registerTime");
	json_int(j, 0);
	json_key(j, "unregisterTime");
	json_null(j);
	gecko_table_begin(j, "markers", marker_schema, 6); /* none */
	gecko_table_end(j);
	gecko_samples(j, &t, p, th, stack_of);
	gecko_tables_write(j, &t);
	json_object_end(j);
	string_table_clear(&t.strings);
	string_table_clear(&t.frames);
	string_table_clear(&t.stacks);
}

static void
gecko_meta(struct json *j, const struct profile *p, double end_ms)
{
	char misc[64 + COMM_MAX];

	json_key(j, "meta");
	json_object_begin(j);
	json_key(j, "version");
	json_int(j, PROFILE_GECKO_VERSION);
	json_key(j, "product");
	json_string(j, "stacktop");
	json_key(j, "misc");
	json_string(j, profile_title(p, misc, sizeof(misc)));
	json_key(j, "appBuildID");
	json_string(j, STACKTOP_VERSION);
	json_key(j, "platform");
	json_string(j, "Linux");
	json_key(j, "interval");
	json_double(j, profile_period_s(p) * 1000, 6);
	json_key(j, "startTime");
	json_double(j, p->made_wall_s * 1000, 3);
	json_key(j, "profilingStartTime");
	json_int(j, 0);
	json_key(j, "profilingEndTime");
	json_double(j, end_ms, 3);
	json_key(j, "shutdownTime");
	json_null(j);
	json_key(j, "processType");
	json_int(j, 0);
	json_key(j, "stackwalk");
	json_int(j, 1);
	json_key(j, "debug");
	json_int(j, 0);
	json_key(j, "gcpoison");
	json_int(j, 0);
	json_key(j, "asyncstack");
	json_int(j, 0);
	/* Names, not addresses: nothing for the profiler to look up. */
	json_key(j, "presymbolicated");
	json_bool(j, true);
	json_key(j, "categories");
	json_array_begin(j);
	for (size_t i = 0; i < sizeof(gecko_categories) / sizeof(gecko_categories[0]); i++) {
		json_object_begin(j);
		json_key(j, "name");
		json_string(j, gecko_categories[i].name);
		json_key(j, "color");
		json_string(j, gecko_categories[i].color);
		json_key(j, "subcategories");
		json_array_begin(j);
		json_string(j, "Other");
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "markerSchema");
	json_array_begin(j);
	json_array_end(j);
	json_object_end(j);
}

static const char *const gecko_empty[] = {"libs", "pages", "pausedRanges", "processes"};

void
profile_gecko_write(FILE *out, const struct profile *p)
{
	struct timeline_thread *threads;
	size_t n = profile_timeline(p, &threads);
	size_t *stack_of = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*stack_of));
	double end_ms = 0;
	struct json j;

	/* The recording ends where its last sample does. */
	for (size_t i = 0; i < n; i++) {
		const struct timeline_sample *last =
		    threads[i].n > 0 ? &threads[i].samples[threads[i].n - 1] : NULL;
		double end =
		    last ? (last->t + (double)last->weight * profile_period_s(p)) * 1000 : 0;

		if (end > end_ms)
			end_ms = end;
	}
	json_init(&j, out);
	json_object_begin(&j);
	gecko_meta(&j, p, end_ms);
	/* Required, and empty: no library to symbolicate with (the frames
	 * have names), no web page, no pause, no child process. */
	for (size_t i = 0; i < sizeof(gecko_empty) / sizeof(gecko_empty[0]); i++) {
		json_key(&j, gecko_empty[i]);
		json_array_begin(&j);
		json_array_end(&j);
	}
	json_key(&j, "threads");
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++)
		gecko_thread(&j, p, &threads[i], stack_of);
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
	free(stack_of);
	profile_timeline_free(threads, n);
}
