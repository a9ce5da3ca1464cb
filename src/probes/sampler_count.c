/* A stack into the profile: its key (native addresses, Python frames), and
 * for a new entry its frames, named and merged (sampler_count_in, shared
 * with record -a's counting). */
#include "../xmalloc.h"
#include "python_merge.h"
#include "python_task_census.h"
#include "sampler_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Thread tid of process pid's name now (threads name themselves after they
 * start); "" when it is gone. */
static void
sampler_count_thread_name(const struct procfs *fs, int pid, int tid, char *name, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/comm", pid, tid);
	n = procfs_read(fs, path, name, size);
	if (n <= 0) {
		name[0] = '\0';
		return;
	}
	name[(size_t)n < size ? (size_t)n : size - 1] = '\0';
	if (name[strlen(name) - 1] == '\n')
		name[strlen(name) - 1] = '\0';
}

/* The frame a profile shows at the root side of a stack whose native walk
 * was cut: a partial stack is never a root of its own in a flame graph. */
static void
sampler_count_cut_frame(const char *cut, struct frame_row *out)
{
	char label[96];

	snprintf(label, sizeof(label), "[cut: %s]", cut);
	*out = (struct frame_row){.function = xstrdup(label)};
}

/* The key of a sample taken in the kernel ends with this: no user address
 * is that high. The kernel's own frames are not ours to read. */
#define SAMPLER_KERNEL_KEY UINT64_MAX
/* And the key of a sample in an asyncio task (record --async) ends with
 * this, then the task and its name object: the same frames in two tasks
 * are two stacks. */
#define SAMPLER_TASK_KEY (UINT64_MAX - 1)

/* The frames of a new profile entry: native (n of them, or none when snap
 * is NULL) and Python (py, or none), merged when both are there; when they
 * do not line up, side by side (python_merge_side_by_side); for a sample taken in
 * the kernel a "[kernel]" frame innermost; when the native walk was cut, a
 * [cut: reason] frame outermost; and outermost of all, in an asyncio task
 * (record --async), "task NAME". */
static struct frame_row *
sampler_count_frames(struct unwinder *u, struct python_namer *namer,
                     const struct unwind_frame *native_frames, size_t n, const char *cut,
                     const struct python_raw_thread *py, bool kernel,
                     const struct task_census_entry *task, size_t *nframes)
{
	struct frame_row *native = xcalloc(n + 1, sizeof(*native)), *pyf, *both;

	for (size_t i = 0; i < n; i++)
		unwinder_symbolize(u, &native_frames[i], &native[i]);
	*nframes = n;
	both = native;
	if (py != NULL) {
		pyf = python_namer_thread(namer, py);
		if (n == 0) {
			both = pyf;
			*nframes = py->nframes;
		} else {
			if (!python_merge(native, n, pyf, py->frames, py->nframes, &both, nframes))
				both =
				    python_merge_side_by_side(native, n, pyf, py->nframes, nframes);
			frame_rows_free(pyf, py->nframes);
		}
		frame_rows_free(native, n);
	}
	if (kernel) {
		struct frame_row *with = xcalloc(*nframes + 2, sizeof(*with));

		with[0].function = xstrdup("[kernel]");
		memcpy(with + 1, both, *nframes * sizeof(*both));
		free(both); /* its strings now belong to with */
		both = with;
		(*nframes)++;
	}
	if (cut[0] != '\0') {
		both = xreallocarray(both, *nframes + 1, sizeof(*both));
		sampler_count_cut_frame(cut, &both[(*nframes)++]);
	}
	if (task != NULL) {
		/* Outermost of all: right under the thread in every format. */
		both = xreallocarray(both, *nframes + 1, sizeof(*both));
		both[(*nframes)++] = (struct frame_row){.function = xstrdup(task->label)};
	}
	return both;
}

/* The key of a stack: (in a system-wide profile, its process id first)
 * the native instruction pointers, then (after a 0, which no ip is) each
 * Python frame's code object, offset and stamp (a code object made where a
 * freed one was is another), then SAMPLER_KERNEL_KEY for a sample taken in
 * the kernel, then how the native walk ended (its kind and address: the
 * same frames cut elsewhere are another stack). The room for one stack's
 * native frames and key is *native and *key (*key_cap long), grown as
 * needed and kept by the caller: a fresh 200 KiB each sample would be a
 * mapping made and unmapped per sample. */
static size_t
sampler_count_in(const struct procfs *fs, struct unwinder *u, struct python_namer *namer,
                 struct profile *p, const struct sampler_hit *h, struct unwind_frame **native,
                 uint64_t **key, size_t *key_cap, struct sampler *s)
{
	size_t nkey = 0, n = 0, pyn = h->py != NULL ? h->py->nframes : 0, nframes;
	size_t key_len = STACKS_MAX_FRAMES + 8 + 3 * pyn;
	struct unwind_end end = {.kind = UNWIND_END_ROOT};
	struct profile_stack *entry;
	char cut[64];

	if (*native == NULL)
		*native = xreallocarray(NULL, STACKS_MAX_FRAMES, sizeof(**native));
	if (*key_cap < key_len) {
		*key = xreallocarray(*key, key_len, sizeof(**key));
		*key_cap = key_len;
	}
	if (p->pid == 0)
		(*key)[nkey++] = (uint64_t)(unsigned)h->pid;
	if (h->snap != NULL) {
		n = unwinder_unwind(u, h->snap, *native, STACKS_MAX_FRAMES, &end);
		for (size_t i = 0; i < n; i++)
			(*key)[nkey++] = (*native)[i].ip;
	}
	if (h->py != NULL) {
		(*key)[nkey++] = 0;
		for (size_t i = 0; i < pyn; i++) {
			(*key)[nkey++] = h->py->frames[i].code;
			(*key)[nkey++] = (uint64_t)h->py->frames[i].offset;
			(*key)[nkey++] = h->py->frames[i].stamp;
		}
	}
	if (h->kernel)
		(*key)[nkey++] = SAMPLER_KERNEL_KEY;
	(*key)[nkey++] = end.kind;
	(*key)[nkey++] = end.at;
	if (h->task != NULL) {
		(*key)[nkey++] = SAMPLER_TASK_KEY;
		(*key)[nkey++] = h->task->task;
		(*key)[nkey++] = h->task->name_obj;
	}
	unwind_end_text(&end, cut, sizeof(cut));
	if ((entry = profile_find(p, h->tid, *key, nkey)) == NULL) {
		struct frame_row *frames = sampler_count_frames(u, namer, *native, n, cut, h->py,
		                                                h->kernel, h->task, &nframes);
		char name[COMM_MAX];

		const char *python_name = s != NULL ? sampler_python_name(s, h->tid) : NULL;

		sampler_count_thread_name(fs, h->pid, h->tid, name, sizeof(name));
		entry = profile_add(p, h->tid, name, *key, nkey, frames, nframes);
		entry->python_name = python_name != NULL ? xstrdup(python_name) : NULL;
		if (p->pid == 0) {
			entry->pid = h->pid;
			snprintf(entry->process, sizeof(entry->process), "%s",
			         h->process != NULL ? h->process : "");
		}
	}
	profile_count(p, entry, h->weight);
	return (size_t)(entry - p->stacks) + 1;
}

size_t
sampler_count_hit(const struct procfs *fs, struct unwinder *u, struct python_namer *namer,
                  struct profile *p, const struct sampler_hit *h)
{
	struct unwind_frame *native = NULL;
	uint64_t *key = NULL;
	size_t key_cap = 0;
	size_t at = sampler_count_in(fs, u, namer, p, h, &native, &key, &key_cap, NULL);

	free(native);
	free(key);
	return at;
}

/* Counts a stack of s's process, in its kept room (sampler_count_in). */
size_t
sampler_count(struct sampler *s, struct profile *p, struct sampler_hit *h)
{
	h->pid = s->pid;
	h->process = p->pid == 0 ? s->comm : NULL;
	h->task = sampler_async_task(s, h->tid, h->py);
	return sampler_count_in(s->fs, s->unwinder, s->namer, p, h, &s->native, &s->key,
	                        &s->key_cap, s);
}
