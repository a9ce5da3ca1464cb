#include "profile.h"

#include "clock.h"
#include "xmalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct profile *
profile_new(int pid, const char *comm)
{
	struct profile *p = xcalloc(1, sizeof(*p));
	struct timespec now;

	p->pid = pid;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->nslots = 64;
	p->slots = xcalloc(p->nslots, sizeof(*p->slots));
	p->made_s = clock_monotonic_s();
	clock_gettime(CLOCK_REALTIME, &now);
	p->made_wall_s = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nstacks; i++) {
		struct profile_stack *s = &p->stacks[i];

		frame_rows_free(s->frames, s->nframes);
		free(s->key);
		free(s->python_name);
	}
	free(p->stacks);
	free(p->slots);
	free(p->events);
	for (size_t i = 0; i < p->nmodules; i++)
		free(p->modules[i].path);
	free(p->modules);
	free(p);
}

/* FNV-1a over the thread and the addresses. */
static uint64_t
profile_hash(int tid, const uint64_t *key, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)(unsigned)tid;

	for (size_t i = 0; i < n; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The slot where (tid, key) is or would go. nslots is a power of two and
 * never full (grown at half load). */
static size_t
profile_slot(const struct profile *p, int tid, const uint64_t *key, size_t n)
{
	size_t i = (size_t)profile_hash(tid, key, n) & (p->nslots - 1);

	for (;; i = (i + 1) & (p->nslots - 1)) {
		const struct profile_stack *s;

		if (p->slots[i] == 0)
			return i;
		s = &p->stacks[p->slots[i] - 1];
		if (s->tid == tid && s->nkey == n && memcmp(s->key, key, n * sizeof(*key)) == 0)
			return i;
	}
}

struct profile_stack *
profile_find(struct profile *p, int tid, const uint64_t *key, size_t n)
{
	size_t i = profile_slot(p, tid, key, n);

	return p->slots[i] ? &p->stacks[p->slots[i] - 1] : NULL;
}

static void
profile_grow_index(struct profile *p)
{
	free(p->slots);
	p->nslots *= 2;
	p->slots = xcalloc(p->nslots, sizeof(*p->slots));
	for (size_t k = 0; k < p->nstacks; k++) {
		const struct profile_stack *s = &p->stacks[k];

		p->slots[profile_slot(p, s->tid, s->key, s->nkey)] = k + 1;
	}
}

struct profile_stack *
profile_add(struct profile *p, int tid, const char *thread, const uint64_t *key, size_t nkey,
            struct frame_row *frames, size_t nframes)
{
	struct profile_stack *s;

	if ((p->nstacks + 1) * 2 > p->nslots)
		profile_grow_index(p);
	p->stacks = xreallocarray(p->stacks, p->nstacks + 1, sizeof(*p->stacks));
	s = &p->stacks[p->nstacks++];
	*s = (struct profile_stack){.tid = tid, .frames = frames, .nframes = nframes, .nkey = nkey};
	snprintf(s->thread, sizeof(s->thread), "%s", thread);
	s->key = xcalloc(nkey ? nkey : 1, sizeof(*s->key));
	memcpy(s->key, key, nkey * sizeof(*key));
	p->slots[profile_slot(p, tid, key, nkey)] = p->nstacks;
	return s;
}

void
profile_count(struct profile *p, struct profile_stack *s, uint64_t weight)
{
	s->count += weight;
	p->samples += weight;
	if (p->nevents == PROFILE_EVENTS_MAX) {
		p->events_cut = true;
		return;
	}
	if (p->nevents == p->events_cap) {
		p->events_cap = p->events_cap ? p->events_cap * 2 : 1024;
		p->events = xreallocarray(p->events, p->events_cap, sizeof(*p->events));
	}
	p->events[p->nevents++] = (struct profile_event){
	    .stack = (uint32_t)(s - p->stacks),
	    .t = (float)(clock_monotonic_s() - p->made_s),
	    .weight = (uint32_t)(weight > UINT32_MAX ? UINT32_MAX : weight),
	};
}

void
profile_add_module(struct profile *p, const char *path, uint64_t start, uint64_t limit,
                   uint64_t offset, const char *build_id)
{
	struct profile_module *m;

	p->modules = xreallocarray(p->modules, p->nmodules + 1, sizeof(*p->modules));
	m = &p->modules[p->nmodules++];
	*m = (struct profile_module){
	    .path = xstrdup(path), .start = start, .limit = limit, .offset = offset};
	snprintf(m->build_id, sizeof(m->build_id), "%s", build_id != NULL ? build_id : "");
}

const struct profile_module *
profile_module_at(const struct profile *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nmodules; i++)
		if (addr >= p->modules[i].start && addr < p->modules[i].limit)
			return &p->modules[i];
	return NULL;
}

double
profile_period_s(const struct profile *p)
{
	if (p->ticks > 0 && p->duration_s > 0)
		return p->duration_s / (double)p->ticks;
	return p->requested_hz > 0 ? 1 / p->requested_hz : 0;
}

char *
profile_title(const struct profile *p, char *buf, size_t size)
{
	if (p->tree_root > 0)
		snprintf(buf, size, "stacktop record --tree %d", p->tree_root);
	else if (p->pid == 0)
		snprintf(buf, size, "stacktop record -a (every process)");
	else
		snprintf(buf, size, "stacktop record %d (%s)", p->pid, p->comm);
	return buf;
}

enum profile_frame_kind
profile_frame_kind(const struct frame_row *f)
{
	if (f->python)
		return PROFILE_FRAME_PYTHON;
	if (f->ip != 0 || f->module != NULL || f->function == NULL || f->function[0] != '[')
		return PROFILE_FRAME_NATIVE;
	return strncmp(f->function, "[kernel", 7) == 0 ? PROFILE_FRAME_KERNEL : PROFILE_FRAME_NOTE;
}

char *
profile_frame_label(const struct frame_row *f, char *buf, size_t size)
{
	const char *module = f->module ? strrchr(f->module, '/') : NULL;

	module = module ? module + 1 : f->module;
	/* Python frames as py-spy shows them: "spin (app.py:26)". */
	if (f->python) {
		const char *file = f->file ? strrchr(f->file, '/') : NULL;

		file = file ? file + 1 : f->file ? f->file : "?";
		if (f->line > 0)
			snprintf(buf, size, "%s (%s:%d)", f->function, file, f->line);
		else
			snprintf(buf, size, "%s (%s)", f->function, file);
	} else if (f->function != NULL)
		snprintf(buf, size, "%s", f->function);
	else if (module != NULL)
		snprintf(buf, size, "%s+0x%" PRIx64, module, f->offset);
	else
		snprintf(buf, size, "[unknown]");
	return buf;
}

const char *
profile_frame_name(const struct frame_row *f, char *buf, size_t size, const char **file)
{
	*file = f->python ? f->file : f->module;
	if (f->python && f->function != NULL)
		return f->function;
	return profile_frame_label(f, buf, size);
}
