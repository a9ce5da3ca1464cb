#include "profile_pprof.h"

#include "../sanitize.h"
#include "../string_table.h"
#include "../xmalloc.h"
#include "profile_pprof_proto.h"
#include "protobuf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

/* What the Profile message is made of, written as it is met: the strings
 * every other field points into (id = index; "" first, as pprof requires),
 * and functions and locations, each written once, when first seen. Ids of
 * functions and locations are their table index + 1 (0 means none). */
struct pprof {
	struct string_table strings, functions, locations;
	/* The modules native frames are in: a mapping each (id = index + 1),
	 * as the process mapped it when the profile knows (its build-id too:
	 * a server finds the symbols by it), else from the lowest address seen
	 * in it to past the highest; and the one with main or _start, which
	 * pprof takes for the program when it comes first. */
	struct string_table modules;
	uint64_t *lows, *highs;
	const struct profile_module **mapped; /* borrowed from the profile, or NULL */
	size_t main_module;
	struct protobuf samples, function_messages, location_messages;
	struct protobuf scratch, line;
};

/* The string table id of s: sanitized (a target chose it; tools print these
 * on terminals, and proto3 strings must be UTF-8). */
static uint64_t
pprof_string(struct pprof *pp, const char *s)
{
	char clean[1024];

	sanitize_text(s, strlen(s), clean, sizeof(clean));
	return string_table_id(&pp->strings, clean, strlen(clean));
}

static uint64_t
pprof_function(struct pprof *pp, const char *name, const char *file)
{
	uint64_t key[2] = {pprof_string(pp, name), pprof_string(pp, file)};
	size_t before = pp->functions.nkeys;
	uint64_t id = string_table_id(&pp->functions, (const char *)key, sizeof(key)) + 1;

	if (pp->functions.nkeys == before)
		return id;
	protobuf_reset(&pp->scratch);
	protobuf_varint(&pp->scratch, FUNCTION_ID, id);
	protobuf_varint(&pp->scratch, FUNCTION_NAME, key[0]);
	protobuf_varint(&pp->scratch, FUNCTION_SYSTEM_NAME, key[0]);
	protobuf_varint(&pp->scratch, FUNCTION_FILENAME, key[1]);
	protobuf_message(&pp->function_messages, PROFILE_FUNCTION, &pp->scratch);
	return id;
}

/* The mappings, from every native frame of the profile. */
static void
pprof_find_modules(struct pprof *pp, const struct profile *p)
{
	bool main_found = false;

	for (size_t i = 0; i < p->nstacks; i++)
		for (size_t k = 0; k < p->stacks[i].nframes; k++) {
			const struct frame_row *f = &p->stacks[i].frames[k];
			size_t before = pp->modules.nkeys, id;

			if (f->python || f->module == NULL)
				continue;
			id = string_table_id(&pp->modules, f->module, strlen(f->module));
			if (pp->modules.nkeys != before) {
				pp->lows = xreallocarray(pp->lows, id + 1, sizeof(*pp->lows));
				pp->highs = xreallocarray(pp->highs, id + 1, sizeof(*pp->highs));
				pp->lows[id] = f->ip;
				pp->highs[id] = f->ip + 1;
				pp->mapped = xreallocarray(pp->mapped, id + 1, sizeof(*pp->mapped));
				pp->mapped[id] = profile_module_at(p, f->ip);
			}
			if (f->ip < pp->lows[id])
				pp->lows[id] = f->ip;
			if (f->ip >= pp->highs[id])
				pp->highs[id] = f->ip + 1;
			if (!main_found && f->function != NULL &&
			    (strcmp(f->function, "main") == 0 ||
			     strcmp(f->function, "_start") == 0)) {
				pp->main_module = id;
				main_found = true;
			}
		}
}

static void
pprof_mapping(struct pprof *pp, struct protobuf *m, size_t id)
{
	const struct profile_module *real = pp->mapped[id];

	protobuf_reset(&pp->scratch);
	protobuf_varint(&pp->scratch, MAPPING_ID, id + 1);
	/* The mapping as the process had it, when it holds every frame seen
	 * in the file (a file mapped twice: the range seen). */
	if (real != NULL && real->start <= pp->lows[id] && pp->highs[id] <= real->limit) {
		protobuf_varint(&pp->scratch, MAPPING_MEMORY_START, real->start);
		protobuf_varint(&pp->scratch, MAPPING_MEMORY_LIMIT, real->limit);
		protobuf_varint(&pp->scratch, MAPPING_FILE_OFFSET, real->offset);
	} else {
		protobuf_varint(&pp->scratch, MAPPING_MEMORY_START, pp->lows[id]);
		protobuf_varint(&pp->scratch, MAPPING_MEMORY_LIMIT, pp->highs[id]);
	}
	protobuf_varint(&pp->scratch, MAPPING_FILENAME, pprof_string(pp, pp->modules.keys[id]));
	if (real != NULL && real->build_id[0] != '\0')
		protobuf_varint(&pp->scratch, MAPPING_BUILD_ID, pprof_string(pp, real->build_id));
	protobuf_varint(&pp->scratch, MAPPING_HAS_FUNCTIONS, 1);
	protobuf_message(m, PROFILE_MAPPING, &pp->scratch);
}

/* The mappings, the program's first. */
static void
pprof_mappings(struct pprof *pp, struct protobuf *m)
{
	if (pp->modules.nkeys == 0)
		return;
	pprof_mapping(pp, m, pp->main_module);
	for (size_t id = 0; id < pp->modules.nkeys; id++)
		if (id != pp->main_module)
			pprof_mapping(pp, m, id);
}

/* A frame's location: a native one at its instruction pointer (its function
 * the symbol, or the module+offset label, in the module's file), a Python
 * one at its line (no address: the interpreter's ip says nothing). */
static uint64_t
pprof_location(struct pprof *pp, const struct frame_row *f)
{
	char label[1024];
	const char *file;
	const char *name = profile_frame_name(f, label, sizeof(label), &file);
	uint64_t function, key[3];
	size_t before = pp->locations.nkeys;
	uint64_t id;

	function = pprof_function(pp, name, file != NULL ? file : "");
	key[0] = function;
	key[1] = f->python ? 0 : f->ip;
	key[2] = f->python ? (uint64_t)f->line : 0;
	id = string_table_id(&pp->locations, (const char *)key, sizeof(key)) + 1;
	if (pp->locations.nkeys == before)
		return id;
	protobuf_reset(&pp->line);
	protobuf_varint(&pp->line, LINE_FUNCTION_ID, function);
	if (f->python && f->line > 0)
		protobuf_varint(&pp->line, LINE_LINE, (uint64_t)f->line);
	protobuf_reset(&pp->scratch);
	protobuf_varint(&pp->scratch, LOCATION_ID, id);
	if (!f->python && f->module != NULL)
		protobuf_varint(&pp->scratch, LOCATION_MAPPING_ID,
		                string_table_id(&pp->modules, f->module, strlen(f->module)) + 1);
	if (!f->python)
		protobuf_varint(&pp->scratch, LOCATION_ADDRESS, f->ip);
	protobuf_message(&pp->scratch, LOCATION_LINE, &pp->line);
	protobuf_message(&pp->location_messages, PROFILE_LOCATION, &pp->scratch);
	return id;
}

static void
pprof_label(struct pprof *pp, struct protobuf *sample, const char *key, const char *str,
            int64_t num)
{
	protobuf_reset(&pp->line);
	protobuf_varint(&pp->line, LABEL_KEY, pprof_string(pp, key));
	if (str != NULL)
		protobuf_varint(&pp->line, LABEL_STR, pprof_string(pp, str));
	else
		protobuf_varint(&pp->line, LABEL_NUM, (uint64_t)num);
	protobuf_message(sample, SAMPLE_LABEL, &pp->line);
}

/* One distinct stack: its locations innermost first, as pprof wants them. */
static void
pprof_sample(struct pprof *pp, const struct profile_stack *s, uint64_t period_ns)
{
	uint64_t *ids = xcalloc(s->nframes ? s->nframes : 1, sizeof(*ids));
	uint64_t values[2] = {s->count, s->count * period_ns};
	struct protobuf sample = {0};

	for (size_t i = 0; i < s->nframes; i++)
		ids[i] = pprof_location(pp, &s->frames[i]);
	protobuf_packed(&sample, SAMPLE_LOCATION_ID, ids, s->nframes);
	protobuf_packed(&sample, SAMPLE_VALUE, values, 2);
	pprof_label(pp, &sample, "thread", s->thread, 0);
	/* A Python thread's threading name, a label of its own. */
	if (s->python_name != NULL)
		pprof_label(pp, &sample, "python_thread", s->python_name, 0);
	pprof_label(pp, &sample, "tid", NULL, s->tid);
	if (s->pid != 0) {
		pprof_label(pp, &sample, "process", s->process, 0);
		pprof_label(pp, &sample, "pid", NULL, s->pid);
	}
	protobuf_message(&pp->samples, PROFILE_SAMPLE, &sample);
	protobuf_clear(&sample);
	free(ids);
}

static void
pprof_value_type(struct pprof *pp, struct protobuf *b, unsigned field, const char *type,
                 const char *unit)
{
	protobuf_reset(&pp->line);
	protobuf_varint(&pp->line, VALUE_TYPE_TYPE, pprof_string(pp, type));
	protobuf_varint(&pp->line, VALUE_TYPE_UNIT, pprof_string(pp, unit));
	protobuf_message(b, field, &pp->line);
}

static void
pprof_append(struct protobuf *b, const struct protobuf *raw)
{
	protobuf_raw(b, raw->data, raw->len);
}

/* The Profile message, gzipped, to out. */
static int
pprof_gzip(FILE *out, const struct protobuf *m)
{
	unsigned char buf[1 << 16];
	z_stream z = {0};
	int zerr;

	/* 15 + 16: a gzip wrapper, as pprof files are. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -EIO;
	z.next_in = m->data;
	z.avail_in = (uInt)m->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zerr = deflate(&z, Z_FINISH);
		fwrite(buf, 1, sizeof(buf) - z.avail_out, out);
	} while (zerr == Z_OK);
	deflateEnd(&z);
	return zerr == Z_STREAM_END ? 0 : -EIO;
}

int
profile_pprof_write(FILE *out, const struct profile *p, const char *clock)
{
	struct pprof pp = {0};
	struct protobuf m = {0};
	struct timespec now;
	uint64_t period_ns = (uint64_t)(profile_period_s(p) * 1e9);
	char comment[128 + COMM_MAX];
	int err;

	string_table_id(&pp.strings, "", 0); /* id 0 */
	pprof_value_type(&pp, &m, PROFILE_SAMPLE_TYPE, "samples", "count");
	pprof_value_type(&pp, &m, PROFILE_SAMPLE_TYPE, clock, "nanoseconds");
	pprof_find_modules(&pp, p);
	pprof_mappings(&pp, &m);
	for (size_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].count > 0)
			pprof_sample(&pp, &p->stacks[i], period_ns);
	pprof_append(&m, &pp.samples);
	pprof_append(&m, &pp.location_messages);
	pprof_append(&m, &pp.function_messages);
	clock_gettime(CLOCK_REALTIME, &now);
	protobuf_varint(
	    &m, PROFILE_TIME_NANOS,
	    (uint64_t)((double)now.tv_sec * 1e9 + (double)now.tv_nsec - p->duration_s * 1e9));
	protobuf_varint(&m, PROFILE_DURATION_NANOS, (uint64_t)(p->duration_s * 1e9));
	pprof_value_type(&pp, &m, PROFILE_PERIOD_TYPE, clock, "nanoseconds");
	protobuf_varint(&m, PROFILE_PERIOD, period_ns);
	if (p->tree_root > 0)
		snprintf(comment, sizeof(comment), "stacktop %s record -p %d --tree",
		         STACKTOP_VERSION, p->tree_root);
	else if (p->pid == 0)
		snprintf(comment, sizeof(comment), "stacktop %s record -a", STACKTOP_VERSION);
	else
		snprintf(comment, sizeof(comment), "stacktop %s record -p %d (%s)",
		         STACKTOP_VERSION, p->pid, p->comm);
	protobuf_varint(&m, PROFILE_COMMENT, pprof_string(&pp, comment));
	protobuf_varint(&m, PROFILE_DEFAULT_SAMPLE_TYPE, pprof_string(&pp, clock));
	/* The strings last: every field above has added its own. */
	for (size_t i = 0; i < pp.strings.nkeys; i++)
		protobuf_bytes(&m, PROFILE_STRING_TABLE, pp.strings.keys[i], pp.strings.lens[i]);
	err = pprof_gzip(out, &m);
	protobuf_clear(&m);
	protobuf_clear(&pp.samples);
	protobuf_clear(&pp.location_messages);
	protobuf_clear(&pp.function_messages);
	protobuf_clear(&pp.scratch);
	protobuf_clear(&pp.line);
	string_table_clear(&pp.strings);
	string_table_clear(&pp.functions);
	string_table_clear(&pp.locations);
	string_table_clear(&pp.modules);
	free(pp.lows);
	free(pp.highs);
	free(pp.mapped);
	return err;
}
