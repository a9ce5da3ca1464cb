#include "profile_speedscope.h"

#include "../string_table.h"
#include "../xmalloc.h"
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The id of a frame among speedscope's shared frames, added when new: each
 * distinct (label, module) once, keyed "label\0module". */
static size_t
frame_id(struct string_table *t, const struct frame_row *f)
{
	char label[1024], key[2048];
	const char *module = f->module ? f->module : "";
	size_t len;

	profile_frame_label(f, label, sizeof(label));
	len = (size_t)snprintf(key, sizeof(key), "%s%c%s", label, '\0', module);
	if (len >= sizeof(key))
		len = sizeof(key) - 1;
	return string_table_id(t, key, len);
}

static int
compare_by_tid(const void *a, const void *b)
{
	const struct profile_stack *x = *(const struct profile_stack *const *)a;
	const struct profile_stack *y = *(const struct profile_stack *const *)b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* One thread's profile: stacks[0..n) all belong to it. */
static void
speedscope_thread(struct json *j, struct string_table *t, const struct profile_stack *const *stacks,
                  size_t n)
{
	char name[64 + 2 * COMM_MAX];
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += stacks[i]->count;
	if (stacks[0]->pid != 0)
		snprintf(name, sizeof(name), "process %s (%d) thread %s (%d)", stacks[0]->process,
		         stacks[0]->pid, stacks[0]->thread, stacks[0]->tid);
	else
		snprintf(name, sizeof(name), "thread %s (%d)", stacks[0]->thread, stacks[0]->tid);
	json_object_begin(j);
	json_key(j, "type");
	json_string(j, "sampled");
	json_key(j, "name");
	json_string(j, name);
	json_key(j, "unit");
	json_string(j, "none");
	json_key(j, "startValue");
	json_int(j, 0);
	json_key(j, "endValue");
	json_int(j, (int64_t)total);
	json_key(j, "samples");
	json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		json_array_begin(j);
		for (size_t f = stacks[i]->nframes; f > 0; f--)
			json_int(j, (int64_t)frame_id(t, &stacks[i]->frames[f - 1]));
		json_array_end(j);
	}
	json_array_end(j);
	json_key(j, "weights");
	json_array_begin(j);
	for (size_t i = 0; i < n; i++)
		json_int(j, (int64_t)stacks[i]->count);
	json_array_end(j);
	json_object_end(j);
}

void
profile_speedscope_write(FILE *out, const struct profile *p)
{
	const struct profile_stack **stacks = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*stacks));
	struct string_table frames = {0};
	char name[64 + COMM_MAX];
	size_t n = 0;
	struct json j;

	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].count > 0)
			stacks[n++] = &p->stacks[i];
	qsort(stacks, n, sizeof(*stacks), compare_by_tid);

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "$schema");
	json_string(&j, "https://www.speedscope.app/file-format-schema.json");
	json_key(&j, "exporter");
	json_string(&j, "stacktop " STACKTOP_VERSION);
	if (p->pid == 0)
		snprintf(name, sizeof(name), "stacktop record -a (every process)");
	else
		snprintf(name, sizeof(name), "stacktop record %d (%s)", p->pid, p->comm);
	json_key(&j, "name");
	json_string(&j, name);
	json_key(&j, "activeProfileIndex");
	json_int(&j, 0);
	/* Profiles first: they fill the frame table that follows. */
	json_key(&j, "profiles");
	json_array_begin(&j);
	for (size_t i = 0; i < n;) {
		size_t k = i;

		while (k < n && stacks[k]->tid == stacks[i]->tid &&
		       stacks[k]->pid == stacks[i]->pid)
			k++;
		speedscope_thread(&j, &frames, stacks + i, k - i);
		i = k;
	}
	json_array_end(&j);
	json_key(&j, "shared");
	json_object_begin(&j);
	json_key(&j, "frames");
	json_array_begin(&j);
	for (size_t i = 0; i < frames.nkeys; i++) {
		const char *module = frames.keys[i] + strlen(frames.keys[i]) + 1;

		json_object_begin(&j);
		json_key(&j, "name");
		json_string(&j, frames.keys[i]);
		if (*module) {
			json_key(&j, "file");
			json_string(&j, module);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_object_end(&j);
	json_finish(&j);
	string_table_clear(&frames);
	free(stacks);
}
