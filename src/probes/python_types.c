#include "python_types.h"

#include "../clock.h"
#include "../xmalloc.h"
#include "mem.h"
#include "memory_cache.h"
#include "procfs_parse.h"
#include "ptrace.h"
#include "python_dict.h"
#include "python_find.h"
#include "python_gc.h"
#include "python_gc_walk.h"
#include "python_namer.h"
#include "python_string.h"
#include "target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The most of a tp_name we read: dotted names of nested classes are long,
 * but not this long. */
#define TYPE_NAME_MAX PYTHON_TYPES_NAME_MAX
/* How many times a walk that met a list being changed is tried, and the
 * pause between tries. */
#define PYTHON_TYPES_ATTEMPTS 4
#define PYTHON_TYPES_PAUSE_MS 20
/* The part of a stop's bound kept for letting the threads go (one
 * PTRACE_DETACH each, a few microseconds) after the walk's deadline. */
#define TYPES_LET_GO_SHARE 0.05
/* The part of a stop's bound the threads are given to stop in (usually
 * microseconds; under load, a runnable thread waits for a CPU first): a
 * thread that takes longer is left running, and said so. */
#define TYPES_WAIT_SHARE 0.5
/* How long a thread that did not stop in time is waited for afterwards, to
 * let it go as soon as it stops (ptrace's own longest wait). */
#define TYPES_RELEASE_WAIT_MS 1000
/* The least part of the bound still unspent for another attempt. */
#define TYPES_RETRY_SHARE 0.25

/* What the hook does while the target is stopped. */
struct types_stop {
	const struct python_target *target;
	struct python_memory mem; /* through the cache */
	double max_stop_s;        /* the bound of this stop: what the census has left */
	struct python_gc_limits limits;
	const struct python_types_visitor *visitor; /* or NULL */
	struct python_gc_state state;
	struct python_gc_tally tally;
	int err; /* of reading the collector's state */
	bool ran;
	bool too_slow; /* no thread stopped within the bound's share */
};

static void
types_while_stopped(void *arg)
{
	struct types_stop *s = arg;

	s->ran = true;
	s->err = python_gc_read_state(s->target, &s->mem, &s->state);
	if (s->err == 0 && s->visitor != NULL && s->visitor->start != NULL)
		s->visitor->start(s->visitor->arg, s->target, &s->mem);
	if (s->err == 0)
		python_gc_walk(&s->target->layout, &s->mem, s->state.heads, (size_t)s->state.nheads,
		               &s->limits, &s->tally);
	if (s->err == 0 && s->visitor != NULL && s->visitor->finish != NULL)
		s->visitor->finish(s->visitor->arg);
}

static uint64_t
types_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* Names one type address; its objects' bytes were summed by the walk. */
static void
types_name(const struct python_layout *l, const struct python_memory *mem,
           const struct python_gc_type_tally *t, struct python_type_row *row)
{
	char name[TYPE_NAME_MAX];
	uint64_t at;

	row->count = t->objects;
	row->bytes = t->bytes;
	row->size_errors = t->size_errors;
	if (l->type.tp_name < 0 || t->type == 0 ||
	    mem->read(mem->arg, t->type + (uint64_t)l->type.tp_name, &at, sizeof(at)) != 0 ||
	    !python_string_c(mem, at, name, sizeof(name))) {
		row->name = xstrdup("<unreadable>");
		return;
	}
	row->name = xstrdup(name);
}

static int
types_by_name(const void *a, const void *b)
{
	return strcmp(((const struct python_type_row *)a)->name,
	              ((const struct python_type_row *)b)->name);
}

/* Largest count first (objgraph's order), then bytes, then name. */
static int
types_by_count(const void *a, const void *b)
{
	const struct python_type_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Row (of type object type) shares its name with another type's: when its
 * class says which module defined it (__module__ in its namespace), it is
 * named module.Name, so that two classes Conn of two modules are two rows.
 * A class defined twice in one module keeps one name, and one row. */
static void
types_qualify(const struct python_layout *l, const struct python_memory *mem,
              struct python_namer *namer, uint64_t type, struct python_type_row *row)
{
	uint64_t dict = 0, module;
	char *name, *qualified;

	if (l->type.tp_dict < 0 ||
	    mem->read(mem->arg, type + (uint64_t)l->type.tp_dict, &dict, 8) != 0)
		return;
	module = python_dict_get(namer, dict, "__module__");
	if (module == 0 || (name = python_namer_string(namer, module)) == NULL)
		return;
	if (name[0] != '\0' && strchr(row->name, '.') == NULL) {
		qualified = xmalloc(strlen(name) + strlen(row->name) + 2);
		sprintf(qualified, "%s.%s", name, row->name);
		free(row->name);
		row->name = qualified;
	}
	free(name);
}

char *
python_types_name_of(const struct python_target *t, const struct python_memory *mem,
                     struct python_namer *namer, uint64_t type, bool qualified)
{
	struct python_gc_type_tally tally = {.type = type};
	struct python_type_row row = {0};

	types_name(&t->layout, mem, &tally, &row);
	if (qualified)
		types_qualify(&t->layout, mem, namer, type, &row);
	return row.name;
}

/* Orders indexes into the rows (arg) by the rows' names. */
static int
types_index_by_name(const void *a, const void *b, void *arg)
{
	const struct python_type_row *rows = arg;

	return strcmp(rows[*(const size_t *)a].name, rows[*(const size_t *)b].name);
}

/* Names every type of the tally into out->types; types of one name are
 * told apart by their modules where they can be (types_qualify), and those
 * still sharing a name (a class defined again) are one row, as objgraph
 * counts them. */
static void
types_rows(const struct python_target *target, const struct python_memory *mem,
           const struct python_gc_tally *tally, struct python_types *out)
{
	const struct python_layout *l = &target->layout;
	size_t n = 0, *order;

	out->types = xcalloc(tally->ntypes ? tally->ntypes : 1, sizeof(*out->types));
	for (size_t i = 0; i < tally->ntypes; i++)
		types_name(l, mem, &tally->types[i], &out->types[i]);
	/* Rows of one name from different type objects: qualify them. */
	order = xcalloc(tally->ntypes ? tally->ntypes : 1, sizeof(*order));
	for (size_t i = 0; i < tally->ntypes; i++)
		order[i] = i;
	qsort_r(order, tally->ntypes, sizeof(*order), types_index_by_name, out->types);
	for (size_t i = 0, j; i < tally->ntypes; i = j) {
		for (j = i + 1; j < tally->ntypes &&
		                strcmp(out->types[order[i]].name, out->types[order[j]].name) == 0;
		     j++)
			;
		if (j - i < 2)
			continue;
		struct python_namer *namer = python_namer_new(target, mem);
		for (size_t k = i; k < j; k++)
			types_qualify(l, mem, namer, tally->types[order[k]].type,
			              &out->types[order[k]]);
		python_namer_free(namer);
	}
	free(order);
	qsort(out->types, tally->ntypes, sizeof(*out->types), types_by_name);
	for (size_t i = 0; i < tally->ntypes; i++) {
		if (n > 0 && strcmp(out->types[n - 1].name, out->types[i].name) == 0) {
			out->types[n - 1].count += out->types[i].count;
			out->types[n - 1].bytes =
			    types_add(out->types[n - 1].bytes, out->types[i].bytes);
			out->types[n - 1].size_errors += out->types[i].size_errors;
			free(out->types[i].name);
		} else {
			out->types[n++] = out->types[i];
		}
	}
	out->ntypes = n;
	qsort(out->types, n, sizeof(*out->types), types_by_count);
	for (size_t i = 0; i < n; i++)
		out->size_errors += out->types[i].size_errors;
}

static void
types_fill_state(const struct types_stop *s, struct python_types *out)
{
	const struct python_gc_state *st = &s->state;

	out->ngenerations = st->ngenerations;
	for (int g = 0; g < st->ngenerations && g < PYTHON_TYPES_GENERATIONS; g++) {
		out->gc_count[g] = st->count[g];
		out->gc_threshold[g] = st->threshold[g];
	}
	out->garbage = st->garbage;
	out->collecting = st->collecting;
	out->frozen = st->permanent && s->tally.partial == PYTHON_GC_COMPLETE
	                  ? (int64_t)s->tally.list_objects[st->nheads - 1]
	                  : -1;
	out->objects = s->tally.objects;
	out->partial = s->tally.partial != PYTHON_GC_COMPLETE || s->too_slow;
	out->partial_reason = s->too_slow ? "no thread stopped within the stop's time bound"
	                                  : python_gc_walk_partial_reason(s->tally.partial);
	/* Lists seen in the middle of a collection are lists being rebuilt. */
	if (!out->partial && st->collecting == 1) {
		out->partial = true;
		out->partial_reason = "a collection was running";
	}
}

/* A thread stopped in the middle of linking or unlinking an object, or a
 * collection moving objects between lists, makes a walk that ends early or
 * misses objects: such a walk is worth doing again a moment later. */
static bool
types_worth_again(const struct types_stop *s)
{
	return s->err == 0 &&
	       (s->too_slow || s->tally.partial == PYTHON_GC_BAD_LINK ||
	        s->tally.partial == PYTHON_GC_UNREADABLE || s->state.collecting == 1);
}

/* Lets the target run on for a while between two attempts: long enough to
 * finish a list operation or (most) collections. */
static void
types_pause(void)
{
	struct timespec pause = {0, PYTHON_TYPES_PAUSE_MS * 1000000L};

	nanosleep(&pause, NULL);
}

/* pid's mappings as sorted [start, end) pairs, adjacent ones merged (an
 * arena may span two mappings of different permissions), into *out (owned;
 * NULL and 0 when maps cannot be read: sizes are then not checked against
 * them). Read before the stop: a mapping made meanwhile is unknown to the
 * check, which then lets its objects' sizes be. */
static size_t
types_mappings(const struct procfs *fs, int pid, uint64_t (**out)[2])
{
	struct procfs_map *maps;
	char path[64], *text;
	ssize_t len;
	size_t n, k = 0;

	*out = NULL;
	snprintf(path, sizeof(path), "%d/maps", pid);
	if ((len = procfs_read_all(fs, path, &text)) < 0)
		return 0;
	n = procfs_parse_maps(text, (size_t)len, &maps);
	free(text);
	*out = xcalloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && (*out)[k - 1][1] == maps[i].start) {
			(*out)[k - 1][1] = maps[i].end;
		} else {
			(*out)[k][0] = maps[i].start;
			(*out)[k][1] = maps[i].end;
			k++;
		}
	}
	free(maps);
	return k;
}

/* Stops pid's threads and walks while they are stopped. Returns 0 or -errno. */
static int
types_stop_and_walk(const struct procfs *fs, int pid, struct types_stop *s, size_t copy_bytes,
                    struct python_types *out)
{
	/* No stack bytes: only the stop is wanted. */
	struct snapshot_request req = {.while_stopped = types_while_stopped,
	                               .while_stopped_arg = s,
	                               .max_wait_ms = s->max_stop_s * 1e3 * TYPES_WAIT_SHARE};
	struct snapshot snap;
	struct memory_cache *cache;
	uint64_t(*mappings)[2];
	char path[64];
	int *tids;
	int64_t anon_kib;
	size_t snap_skipped;
	ssize_t n;
	int err;

	/* Nothing of an earlier attempt (its types were freed) is kept. */
	s->tally = (struct python_gc_tally){0};
	s->state = (struct python_gc_state){0};
	snprintf(path, sizeof(path), "%d/task", pid);
	n = procfs_list_ids(fs, path, &tids);
	if (n < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	cache = memory_cache_new(pid, copy_bytes);
	/* What the walk copies is the target's anonymous memory, at most:
	 * reserve that much before the stop. */
	if (mem_read_anon(fs, pid, &anon_kib) == 0 && anon_kib > 0)
		memory_cache_reserve(cache, (size_t)anon_kib * 1024);
	if (s->visitor != NULL && s->visitor->keep_copy != NULL)
		memory_cache_keep(cache);
	s->mem = (struct python_memory){memory_cache_read, cache, NULL};
	s->limits.nmappings = types_mappings(fs, pid, &mappings);
	s->limits.mappings = (const uint64_t(*)[2])mappings;
	/* The bound is of the whole stop, from before the first thread is
	 * interrupted to the last one let go: the walk ends early enough to
	 * leave the letting go its share (TYPES_LET_GO_SHARE of the bound). */
	out->taken_s = clock_monotonic_s();
	s->limits.deadline = out->taken_s + s->max_stop_s * (1 - TYPES_LET_GO_SHARE);
	err = ptrace_snapshot(tids, (size_t)n, &req, &snap);
	out->stopped_ms = snap.stopped_ms;
	/* Not stopped: those that did not within the wait, and those still
	 * pending from an earlier attempt's (not seized again). */
	snap_skipped = 0;
	for (size_t i = 0; i < snap.n; i++)
		snap_skipped += snap.threads[i].err == -ETIMEDOUT;
	out->threads_not_stopped = snap_skipped;
	ptrace_snapshot_free(&snap);
	free(tids);
	free(mappings);
	s->limits.mappings = NULL;
	if (s->ran && s->visitor != NULL && s->visitor->keep_copy != NULL) {
		memory_cache_freeze(cache);
		s->visitor->keep_copy(s->visitor->arg, cache);
	} else {
		memory_cache_free(cache);
	}
	if (err != 0)
		return err;
	if (!s->ran && snap_skipped > 0) {
		/* Threads that did not stop within the wait allowed (under load,
		 * waiting for a CPU): nothing was walked, which another stop a
		 * moment later may do better. */
		s->too_slow = true;
		return 0;
	}
	if (!s->ran)
		return -ESRCH; /* no thread stopped: every one of them had gone */
	return s->err;
}

int
python_types_take(const struct procfs *fs, int pid, const struct python_types_limits *lim,
                  struct python_types **out)
{
	struct target *handle;
	int err;

	*out = NULL;
	if ((err = target_open(fs, pid, TARGET_PYTHON, false, &handle)) != 0)
		return err;
	err = python_types_take_in(fs, handle, pid, lim, out);
	target_close(handle);
	return err;
}

int
python_types_take_in(const struct procfs *fs, struct target *handle, int pid,
                     const struct python_types_limits *lim, struct python_types **out)
{
	static const struct python_types_limits defaults = {
	    PYTHON_TYPES_MAX_OBJECTS, PYTHON_TYPES_MAX_STOP_S, PYTHON_TYPES_MAX_COPY_BYTES, NULL};
	double start = clock_monotonic_s();
	struct types_stop stop = {0};
	struct python_types *t;
	int err;

	*out = NULL;
	if (lim == NULL)
		lim = &defaults;
	stop.max_stop_s = lim->max_stop_s;
	stop.limits = (struct python_gc_limits){.max_objects = lim->max_objects};
	stop.visitor = lim->visitor;
	if (lim->visitor != NULL) {
		stop.limits.visit = lim->visitor->object;
		stop.limits.visit_arg = lim->visitor->arg;
	}
	if ((stop.target = target_python(handle)) == NULL)
		return -ENOEXEC;
	t = xcalloc(1, sizeof(*t));
	snprintf(t->version, sizeof(t->version), "%s", stop.target->version);
	t->max_stop_ms = lim->max_stop_s * 1e3;
	if (stop.target->layout.free_threaded) {
		/* Its collector has no lists of tracked objects to walk: each
		 * thread allocates from mimalloc heaps of its own, which the GC
		 * visits page by page. */
		snprintf(t->unreadable, sizeof(t->unreadable),
		         "a free-threaded CPython keeps its objects in per-thread mimalloc "
		         "heaps, not in the collector's lists: stacktop cannot count them yet");
		t->garbage = t->frozen = t->collecting = -1;
		*out = t;
		return 0;
	}
	for (;;) {
		double stopped = t->stopped_ms;

		stop.ran = stop.too_slow = false;
		err = types_stop_and_walk(fs, pid, &stop, lim->max_copy_bytes, t);
		if (t->stopped_ms > t->longest_stop_ms)
			t->longest_stop_ms = t->stopped_ms;
		t->stopped_ms += stopped;
		t->attempts++;
		if (err != 0 || !types_worth_again(&stop) || t->attempts == PYTHON_TYPES_ATTEMPTS)
			break;
		/* The bound is of all stops together: stops 20 ms apart are one
		 * stall to whatever waits on the process. Another is made only
		 * with a fair share of the bound left, and is given what is left. */
		stop.max_stop_s = lim->max_stop_s - t->stopped_ms / 1e3;
		if (stop.max_stop_s < lim->max_stop_s * TYPES_RETRY_SHARE)
			break;
		python_gc_walk_tally_free(&stop.tally);
		types_pause();
	}
	/* A thread that did not stop within the wait it was given stops when
	 * it gets a CPU: let it go then, not at the next stop or our exit
	 * (mem goes on watching for seconds). */
	ptrace_release_pending_within(TYPES_RELEASE_WAIT_MS);
	if (err == 0) {
		types_fill_state(&stop, t);
		/* The target runs again: types are named from the live process
		 * (a type freed meanwhile reads as <unreadable>). */
		if (lim->visitor == NULL || !lim->visitor->no_histogram)
			types_rows(stop.target, target_memory(handle), &stop.tally, t);
	}
	python_gc_walk_tally_free(&stop.tally);
	t->total_ms = (clock_monotonic_s() - start) * 1e3;
	if (err != 0) {
		python_types_free(t);
		return err;
	}
	*out = t;
	return 0;
}

int
python_types_expect(const struct procfs *fs, int pid, const struct python_types_limits *lim,
                    struct python_types_expect *out)
{
	struct target *handle;
	bool free_threaded;
	int err;

	*out = (struct python_types_expect){0};
	if ((err = target_open(fs, pid, TARGET_PYTHON, false, &handle)) != 0)
		return err;
	free_threaded = target_python(handle)->layout.free_threaded;
	target_close(handle);
	if (free_threaded)
		return -ENOTSUP;
	if ((err = mem_read_anon(fs, pid, &out->anon_kib)) != 0)
		return err == -ENODATA ? -ESRCH : err;
	out->bound_ms = (lim != NULL ? lim->max_stop_s : PYTHON_TYPES_MAX_STOP_S) * 1e3;
	out->stop_ms = (double)out->anon_kib / 1024 * PYTHON_TYPES_MS_PER_MIB;
	if (out->stop_ms > out->bound_ms)
		out->stop_ms = out->bound_ms;
	return 0;
}
