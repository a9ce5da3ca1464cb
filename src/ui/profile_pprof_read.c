#include "profile_pprof_read.h"

#include "../sanitize.h"
#include "../xmalloc.h"
#include "profile_pprof_proto.h"
#include "protobuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PPROF_MAX_LOCATIONS 4096 /* a sample's, read */
#define PPROF_MAX_INLINED   64   /* a location's functions, read */
#define PPROF_LABEL_MAX     1024 /* a frame's label, sanitized */

struct pprof_function {
	uint64_t id, name, file; /* name and file: string table indices */
};

struct pprof_line {
	uint64_t function;
	int64_t line;
};

struct pprof_location {
	uint64_t id, address;
	size_t first, nlines; /* in pprof_in.lines */
};

struct pprof_span {
	const uint8_t *data;
	size_t len;
};

/* The profile as read in the first pass: what samples point into. */
struct pprof_in {
	struct pprof_span *strings;
	size_t nstrings, cstrings;
	struct pprof_function *functions;
	size_t nfunctions, cfunctions;
	struct pprof_location *locations;
	size_t nlocations, clocations;
	struct pprof_line *lines;
	size_t nlines, clines;
	uint64_t *types; /* each sample type's type, a string index */
	size_t ntypes, ctypes;
	uint64_t default_type;
	const char *why; /* the first error met, static text */
};

/* Grows *array (of *cap elements of size) to hold one more than n. */
static void *
pprof_grow(void *array, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return array;
	*cap = *cap ? *cap * 2 : 16;
	return xreallocarray(array, *cap, size);
}

bool
profile_pprof_is_gzip(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

int
profile_pprof_gunzip(const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len, char **cause)
{
	z_stream z = {0};
	size_t cap = len * 4 + 4096, used = 0;
	uint8_t *o;
	int zerr = Z_OK;

	/* 15 + 32: a zlib or gzip wrapper, told by its header. */
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		*cause = xstrdup("cannot start zlib");
		return -EINVAL;
	}
	if (cap > PROFILE_PPROF_MAX_SIZE)
		cap = PROFILE_PPROF_MAX_SIZE;
	o = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)buf;
	while (z.next_in < buf + len) {
		size_t chunk;

		if (used == cap) {
			if (cap == PROFILE_PPROF_MAX_SIZE) {
				zerr = Z_MEM_ERROR;
				break;
			}
			cap = cap * 2 > PROFILE_PPROF_MAX_SIZE ? PROFILE_PPROF_MAX_SIZE : cap * 2;
			o = xreallocarray(o, cap, 1);
		}
		/* zlib counts in uInt: feed it at most 1 GiB at a time. */
		chunk = (size_t)(buf + len - z.next_in);
		z.avail_in = chunk > (1u << 30) ? 1u << 30 : (uInt)chunk;
		chunk = cap - used;
		z.avail_out = chunk > (1u << 30) ? 1u << 30 : (uInt)chunk;
		z.next_out = o + used;
		zerr = inflate(&z, Z_NO_FLUSH);
		used = (size_t)(z.next_out - o);
		if (zerr == Z_STREAM_END) {
			/* Another member may follow (gzip files concatenated);
			 * anything else after the first is an error. */
			if (z.next_in < buf + len &&
			    profile_pprof_is_gzip(z.next_in, (size_t)(buf + len - z.next_in))) {
				inflateReset(&z);
				continue;
			}
			break;
		}
		if (zerr == Z_BUF_ERROR && z.avail_out > 0)
			break; /* the input ends inside the stream */
		if (zerr != Z_OK && zerr != Z_BUF_ERROR)
			break;
	}
	inflateEnd(&z);
	if (zerr == Z_STREAM_END && z.next_in == buf + len) {
		*out = o;
		*out_len = used;
		return 0;
	}
	free(o);
	*cause = xstrdup(zerr == Z_MEM_ERROR    ? "more than 512 MiB uncompressed"
	                 : zerr == Z_STREAM_END ? "gzip data followed by something else"
	                 : zerr == Z_OK || zerr == Z_BUF_ERROR ? "gzip data cut short"
	                                                       : "corrupt gzip data");
	return -EINVAL;
}

static int
pprof_bad(struct pprof_in *in, const char *why)
{
	if (in->why == NULL)
		in->why = why;
	return -EINVAL;
}

/* Each varint of a repeated field, packed (bytes) or not (one varint), to
 * out (grown with *cap), at most max in all. Returns 0 or -EINVAL. */
static int
pprof_varints(const struct protobuf_field *f, uint64_t **out, size_t *n, size_t *cap, size_t max)
{
	struct protobuf_reader r;
	uint64_t v;
	int rc;

	if (f->wire == 0) {
		if (*n < max) {
			*out = pprof_grow(*out, *n, cap, sizeof(**out));
			(*out)[(*n)++] = f->value;
		}
		return 0;
	}
	if (f->wire != 2)
		return -EINVAL;
	r = (struct protobuf_reader){f->data, f->data + f->len};
	while ((rc = protobuf_read_varint(&r, &v)) == 1)
		if (*n < max) {
			*out = pprof_grow(*out, *n, cap, sizeof(**out));
			(*out)[(*n)++] = v;
		}
	return rc == 0 ? 0 : -EINVAL;
}

/* Reads message data[0..len) calling each(in, field, arg) for every field;
 * returns 0 or -EINVAL. */
static int
pprof_fields(struct pprof_in *in, const uint8_t *data, size_t len,
             int (*each)(struct pprof_in *in, const struct protobuf_field *f, void *arg), void *arg)
{
	struct protobuf_reader r = {data, data + len};
	struct protobuf_field f;
	int rc;

	while ((rc = protobuf_read_field(&r, &f)) == 1)
		if (each(in, &f, arg) != 0)
			return -EINVAL;
	return rc == 0 ? 0 : pprof_bad(in, "a message is cut short or malformed");
}

static int
pprof_value_type(struct pprof_in *in, const struct protobuf_field *f, void *arg)
{
	(void)in;
	if (f->number == VALUE_TYPE_TYPE && f->wire == 0)
		*(uint64_t *)arg = f->value;
	return 0;
}

static int
pprof_function_field(struct pprof_in *in, const struct protobuf_field *f, void *arg)
{
	struct pprof_function *fn = arg;

	(void)in;
	if (f->wire != 0)
		return 0;
	if (f->number == FUNCTION_ID)
		fn->id = f->value;
	else if (f->number == FUNCTION_NAME)
		fn->name = f->value;
	else if (f->number == FUNCTION_FILENAME)
		fn->file = f->value;
	return 0;
}

static int
pprof_line_field(struct pprof_in *in, const struct protobuf_field *f, void *arg)
{
	struct pprof_line *l = arg;

	(void)in;
	if (f->wire == 0 && f->number == LINE_FUNCTION_ID)
		l->function = f->value;
	else if (f->wire == 0 && f->number == LINE_LINE)
		l->line = (int64_t)f->value;
	return 0;
}

static int
pprof_location_field(struct pprof_in *in, const struct protobuf_field *f, void *arg)
{
	struct pprof_location *loc = arg;
	struct pprof_line l = {0};

	if (f->wire == 0 && f->number == LOCATION_ID)
		loc->id = f->value;
	else if (f->wire == 0 && f->number == LOCATION_ADDRESS)
		loc->address = f->value;
	if (f->number != LOCATION_LINE || f->wire != 2)
		return 0;
	if (pprof_fields(in, f->data, f->len, pprof_line_field, &l) != 0)
		return -EINVAL;
	if (loc->nlines >= PPROF_MAX_INLINED)
		return 0;
	in->lines = pprof_grow(in->lines, in->nlines, &in->clines, sizeof(*in->lines));
	in->lines[in->nlines++] = l;
	loc->nlines++;
	return 0;
}

/* The first pass over the Profile: everything but the samples. */
static int
pprof_profile_field(struct pprof_in *in, const struct protobuf_field *f, void *arg)
{
	uint64_t type = 0;

	(void)arg;
	switch (f->number) {
	case PROFILE_SAMPLE_TYPE:
		if (f->wire != 2 || pprof_fields(in, f->data, f->len, pprof_value_type, &type) != 0)
			return pprof_bad(in, "a sample type is malformed");
		in->types = pprof_grow(in->types, in->ntypes, &in->ctypes, sizeof(*in->types));
		in->types[in->ntypes++] = type;
		break;
	case PROFILE_LOCATION:
		if (f->wire != 2)
			return pprof_bad(in, "a location is not a message");
		in->locations = pprof_grow(in->locations, in->nlocations, &in->clocations,
		                           sizeof(*in->locations));
		in->locations[in->nlocations] = (struct pprof_location){.first = in->nlines};
		if (pprof_fields(in, f->data, f->len, pprof_location_field,
		                 &in->locations[in->nlocations]) != 0)
			return -EINVAL;
		in->nlocations++;
		break;
	case PROFILE_FUNCTION:
		if (f->wire != 2)
			return pprof_bad(in, "a function is not a message");
		in->functions = pprof_grow(in->functions, in->nfunctions, &in->cfunctions,
		                           sizeof(*in->functions));
		in->functions[in->nfunctions] = (struct pprof_function){0};
		if (pprof_fields(in, f->data, f->len, pprof_function_field,
		                 &in->functions[in->nfunctions]) != 0)
			return -EINVAL;
		in->nfunctions++;
		break;
	case PROFILE_STRING_TABLE:
		if (f->wire != 2)
			return pprof_bad(in, "a string is not bytes");
		in->strings =
		    pprof_grow(in->strings, in->nstrings, &in->cstrings, sizeof(*in->strings));
		in->strings[in->nstrings++] = (struct pprof_span){f->data, f->len};
		break;
	case PROFILE_DEFAULT_SAMPLE_TYPE:
		if (f->wire == 0)
			in->default_type = f->value;
		break;
	case PROFILE_SAMPLE:
		if (f->wire != 2)
			return pprof_bad(in, "a sample is not a message");
		break;
	}
	return 0;
}

static int
pprof_compare_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The element of sorted array (of n of size, each starting with its id)
 * whose id is id, or NULL. */
static const void *
pprof_find(const void *array, size_t n, size_t size, uint64_t id)
{
	return n > 0 ? bsearch(&id, array, n, size, pprof_compare_id) : NULL;
}

/* String i of the table, sanitized, ';' made ':', into buf (size bytes).
 * Returns buf, or NULL when there is no string i. */
static const char *
pprof_text(const struct pprof_in *in, uint64_t i, char *buf, size_t size)
{
	if (i >= in->nstrings)
		return NULL;
	sanitize_text((const char *)in->strings[i].data, in->strings[i].len, buf, size);
	for (char *c = buf; *c; c++)
		if (*c == ';')
			*c = ':';
	return buf;
}

/* Whether string i of the table is key (a label's, a sample type's). */
static bool
pprof_string_is(const struct pprof_in *in, uint64_t i, const char *key)
{
	size_t n = strlen(key);

	return i < in->nstrings && in->strings[i].len == n &&
	       memcmp(in->strings[i].data, key, n) == 0;
}

/* A growing stack of labels. */
struct pprof_stack {
	char *s;
	size_t len, cap;
};

static void
pprof_push(struct pprof_stack *b, const char *prefix, const char *label)
{
	size_t a = strlen(prefix), n = strlen(label);

	if (b->len + a + n + 2 > b->cap) {
		b->cap = (b->len + a + n + 2) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	if (b->len > 0)
		b->s[b->len++] = ';';
	memcpy(b->s + b->len, prefix, a);
	memcpy(b->s + b->len + a, label, n + 1);
	b->len += a + n;
}

/* What the second pass gathers of one sample. */
struct pprof_sample {
	uint64_t *ids, *values;
	size_t nids, cids, nvalues, cvalues;
	uint64_t thread, process; /* string indices + 1; 0: no such label */
};

static int
pprof_label_field(struct pprof_in *in, const struct protobuf_field *f, void *arg)
{
	uint64_t *kv = arg;

	(void)in;
	if (f->wire == 0 && f->number == LABEL_KEY)
		kv[0] = f->value;
	else if (f->wire == 0 && f->number == LABEL_STR)
		kv[1] = f->value + 1;
	return 0;
}

static int
pprof_sample_field(struct pprof_in *in, const struct protobuf_field *f, void *arg)
{
	struct pprof_sample *s = arg;
	uint64_t kv[2] = {0, 0};

	switch (f->number) {
	case SAMPLE_LOCATION_ID:
		if (pprof_varints(f, &s->ids, &s->nids, &s->cids, PPROF_MAX_LOCATIONS) != 0)
			return pprof_bad(in, "a sample's locations are malformed");
		break;
	case SAMPLE_VALUE:
		if (pprof_varints(f, &s->values, &s->nvalues, &s->cvalues, 64) != 0)
			return pprof_bad(in, "a sample's values are malformed");
		break;
	case SAMPLE_LABEL:
		if (f->wire != 2 || pprof_fields(in, f->data, f->len, pprof_label_field, kv) != 0)
			return pprof_bad(in, "a sample's label is malformed");
		if (kv[1] != 0 && pprof_string_is(in, kv[0], "thread"))
			s->thread = kv[1];
		else if (kv[1] != 0 && pprof_string_is(in, kv[0], "process"))
			s->process = kv[1];
		break;
	}
	return 0;
}

/* One location's frames, its callers first, onto b. */
static int
pprof_location_frames(struct pprof_in *in, const struct pprof_location *loc, struct pprof_stack *b)
{
	char name[PPROF_LABEL_MAX], file[PPROF_LABEL_MAX], label[2 * PPROF_LABEL_MAX + 32];

	if (loc->nlines == 0) { /* not symbolized: its address */
		snprintf(label, sizeof(label), "0x%" PRIx64, loc->address);
		pprof_push(b, "", label);
		return 0;
	}
	for (size_t i = loc->nlines; i > 0; i--) {
		const struct pprof_line *l = &in->lines[loc->first + i - 1];
		const struct pprof_function *fn =
		    pprof_find(in->functions, in->nfunctions, sizeof(*fn), l->function);
		const char *base;

		if (fn == NULL)
			return pprof_bad(in,
			                 "a location names a function the profile does not have");
		if (pprof_text(in, fn->name, name, sizeof(name)) == NULL ||
		    pprof_text(in, fn->file, file, sizeof(file)) == NULL)
			return pprof_bad(in, "a function's name is not in the string table");
		if (name[0] == '\0')
			snprintf(name, sizeof(name), "0x%" PRIx64, loc->address);
		base = strrchr(file, '/');
		base = base != NULL ? base + 1 : file;
		if (l->line > 0 && base[0] != '\0')
			snprintf(label, sizeof(label), "%s (%s:%" PRId64 ")", name, base, l->line);
		else
			snprintf(label, sizeof(label), "%s", name);
		pprof_push(b, "", label);
	}
	return 0;
}

/* The sample in data[0..len) as a folded line, appended to *out unless it
 * counts nothing. */
static int
pprof_sample(struct pprof_in *in, const uint8_t *data, size_t len, size_t value,
             struct folded_line **out, size_t *n, size_t *cap)
{
	struct pprof_sample s = {0};
	struct pprof_stack b = {0};
	char text[PPROF_LABEL_MAX];
	int rc = pprof_fields(in, data, len, pprof_sample_field, &s);

	if (rc == 0 && s.nvalues <= value)
		rc = pprof_bad(in, "a sample has fewer values than the profile has sample types");
	if (rc != 0 || s.nvalues <= value || (int64_t)s.values[value] <= 0)
		goto done;
	if (s.process != 0 && pprof_text(in, s.process - 1, text, sizeof(text)) != NULL)
		pprof_push(&b, "process ", text);
	if (s.thread != 0 && pprof_text(in, s.thread - 1, text, sizeof(text)) != NULL)
		pprof_push(&b, "thread ", text);
	/* Locations come innermost first. */
	for (size_t i = s.nids; i > 0 && rc == 0; i--) {
		const struct pprof_location *loc =
		    pprof_find(in->locations, in->nlocations, sizeof(*loc), s.ids[i - 1]);

		rc = loc != NULL
		         ? pprof_location_frames(in, loc, &b)
		         : pprof_bad(in, "a sample names a location the profile does not have");
	}
	if (rc != 0)
		goto done;
	if (b.len == 0)
		pprof_push(&b, "", "[unknown]");
	*out = pprof_grow(*out, *n, cap, sizeof(**out));
	(*out)[(*n)++] = (struct folded_line){b.s, s.values[value]};
	b.s = NULL;
done:
	free(b.s);
	free(s.ids);
	free(s.values);
	return rc;
}

/* Which value of a sample to count (see profile_pprof_read). */
static size_t
pprof_value_index(const struct pprof_in *in)
{
	for (size_t i = 0; i < in->ntypes; i++)
		if (pprof_string_is(in, in->types[i], "samples"))
			return i;
	for (size_t i = 0; in->default_type != 0 && i < in->ntypes; i++)
		if (in->types[i] == in->default_type)
			return i;
	return in->ntypes > 0 ? in->ntypes - 1 : 0;
}

static void
pprof_in_free(struct pprof_in *in)
{
	free(in->strings);
	free(in->functions);
	free(in->locations);
	free(in->lines);
	free(in->types);
}

int
profile_pprof_read(const uint8_t *buf, size_t len, struct folded_line **lines, size_t *n,
                   char **cause)
{
	struct pprof_in in = {0};
	struct folded_line *out = NULL;
	size_t nout = 0, cap = 0, value;
	uint64_t total = 0;
	uint8_t *inflated = NULL;
	struct protobuf_reader r;
	struct protobuf_field f;
	int rc;

	if (profile_pprof_is_gzip(buf, len)) {
		if (profile_pprof_gunzip(buf, len, &inflated, &len, cause) != 0)
			return -EINVAL;
		buf = inflated;
	}
	rc = pprof_fields(&in, buf, len, pprof_profile_field, NULL);
	if (rc == 0 && in.ntypes == 0)
		rc = pprof_bad(&in, "no sample types");
	if (rc != 0)
		goto done;
	if (in.nfunctions > 0)
		qsort(in.functions, in.nfunctions, sizeof(*in.functions), pprof_compare_id);
	if (in.nlocations > 0)
		qsort(in.locations, in.nlocations, sizeof(*in.locations), pprof_compare_id);
	value = pprof_value_index(&in);
	r = (struct protobuf_reader){buf, buf + len};
	while (rc == 0 && protobuf_read_field(&r, &f) == 1)
		if (f.number == PROFILE_SAMPLE)
			rc = pprof_sample(&in, f.data, f.len, value, &out, &nout, &cap);
	for (size_t i = 0; rc == 0 && i < nout; i++) {
		/* Shares are computed in doubles: keep totals exact. */
		if (out[i].count > (1ull << 53) || total + out[i].count > (1ull << 53))
			rc = pprof_bad(&in, "the samples add up to more than 2^53");
		else
			total += out[i].count;
	}
done:
	if (rc != 0) {
		*cause = xasprintf("not a pprof profile: %s", in.why ? in.why : "malformed");
		profile_fold_free(out, nout);
	} else {
		*n = profile_fold_merge(out, nout);
		*lines = out != NULL ? out : xcalloc(1, sizeof(*out));
	}
	pprof_in_free(&in);
	free(inflated);
	return rc;
}
