#include "profile_speedscope.h"

#include "../profile_timeline.h"
#include "../string_table.h"
#include "../xmalloc.h"
#include "json.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The id of a frame among speedscope's shared frames, added when new:
 * keyed "name\0file\0line". A Python frame is its function, in its
 * source file (the full path: two views.py differ) at its line; a native
 * one its label, in its module. */
static size_t
frame_id(struct string_table *t, const struct frame_row *f)
{
	char label[1024], key[4096];
	const char *file;
	const char *name = profile_frame_name(f, label, sizeof(label), &file);
	size_t len;

	len = (size_t)snprintf(key, sizeof(key), "%s%c%s%c%d", name, '\0', file ? file : "", '\0',
	                       f->python ? f->line : 0);
	if (len >= sizeof(key))
		len = sizeof(key) - 1;
	return string_table_id(t, key, len);
}

/* One thread's profile: its samples in the order taken, each weighing the
 * seconds it stands for (speedscope's time order view is then true). */
static void
speedscope_thread(struct json *j, struct string_table *t, const struct profile *p,
                  const struct timeline_thread *th)
{
	const struct profile_stack *first = th->first;
	char name[64 + 2 * COMM_MAX + 256], thread[256];
	double period = profile_period_s(p);

	/* A Python thread with its threading name (text_thread_label). */
	text_thread_label(first->thread, first->python_name, thread, sizeof(thread));
	if (first->pid != 0)
		snprintf(name, sizeof(name), "process %s (%d) thread %s (%d)", first->process,
		         first->pid, thread, first->tid);
	else
		snprintf(name, sizeof(name), "thread %s (%d)", thread, first->tid);
	json_object_begin(j);
	json_key(j, "type");
	json_string(j, "sampled");
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "unit");
	json_string(j, "seconds");
	json_key(j, "startValue");
	json_int(j, 0);
	json_key(j, "endValue");
	json_double(j, (double)th->total * period, 6);
	json_key(j, "samples");
	json_array_begin(j);
	for (size_t i = 0; i < th->n; i++) {
		const struct profile_stack *s = &p->stacks[th->samples[i].stack];

		json_array_begin(j);
		for (size_t f = s->nframes; f > 0; f--)
			json_int(j, (int64_t)frame_id(t, &s->frames[f - 1]));
		json_array_end(j);
	}
	json_array_end(j);
	json_key(j, "weights");
	json_array_begin(j);
	for (size_t i = 0; i < th->n; i++)
		json_double(j, (double)th->samples[i].weight * period, 6);
	json_array_end(j);
	json_object_end(j);
}

void
profile_speedscope_write(FILE *out, const struct profile *p)
{
	struct timeline_thread *threads;
	size_t n = profile_timeline(p, &threads);
	struct string_table frames = {0};
	char name[64 + COMM_MAX];
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "$schema");
	json_string(&j, "https://www.speedscope.app/file-format-schema.json");
	json_key(&j, "exporter");
	json_string(&j, "stacktop " STACKTOP_VERSION);
	json_key(&j, "name");
	json_string(&j, profile_title(p, name, sizeof(name)));
	/* The busiest thread first, and opened first. */
	json_key(&j, "activeProfileIndex");
	json_int(&j, 0);
	/* Profiles first: they fill the frame table that follows. */
	json_key(&j, "profiles");
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++)
		speedscope_thread(&j, &frames, p, &threads[i]);
	json_array_end(&j);
	json_key(&j, "shared");
	json_object_begin(&j);
	json_key(&j, "frames");
	json_array_begin(&j);
	for (size_t i = 0; i < frames.nkeys; i++) {
		const char *frame_name = frames.keys[i];
		const char *file = frame_name + strlen(frame_name) + 1;
		int line = atoi(file + strlen(file) + 1);

		json_object_begin(&j);
		json_key(&j, "name");
		json_string(&j, frame_name);
		if (*file) {
			json_key(&j, "file");
			json_string(&j, file);
		}
		if (line > 0) {
			json_key(&j, "line");
			json_int(&j, line);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
	string_table_clear(&frames);
	profile_timeline_free(threads, n);
}
