/* The pprof reader of stacktop diff: stacktop's own pprof read back as its
 * folded stacks (thread roots without ids, Python frames with their lines),
 * a hand-made profile with inlined functions, unpacked fields and another
 * sample type order, and malformed or cut input refused in one line. */
#include "check.h"
#include "profile.h"
#include "ui/profile_fold.h"
#include "ui/profile_pprof.h"
#include "ui/profile_pprof_read.h"
#include "ui/protobuf.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct frame_row
native(const char *function)
{
	return (struct frame_row){.ip = 0x1000 + strlen(function),
	                          .function = xstrdup(function),
	                          .module = xstrdup("/usr/bin/prog"),
	                          .offset = 0x10};
}

/* stacktop's pprof of a profile with two threads, in *len bytes (owned). */
static uint8_t *
stacktop_pprof(size_t *len)
{
	struct profile *p = profile_new(42, "prog");
	uint64_t ips1[3] = {1, 2, 3}, ips2[2] = {4, 5};
	struct frame_row *f1 = xcalloc(3, sizeof(*f1)), *f2 = xcalloc(2, sizeof(*f2));
	struct profile_stack *s;
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);

	/* Innermost first. */
	f1[0] = native("leaf;odd"); /* ';' is the separator: it becomes ':' */
	f1[1] = native("work");
	f1[2] = native("main");
	s = profile_add(p, 42, "main", ips1, 3, f1, 3);
	s->count = 30;
	f2[0] = (struct frame_row){.ip = 9,
	                           .python = true,
	                           .function = xstrdup("spin"),
	                           .file = xstrdup("/srv/app.py"),
	                           .line = 12};
	f2[1] = native("start_thread");
	s = profile_add(p, 43, "py-worker", ips2, 2, f2, 2);
	s->count = 10;
	p->samples = 40;
	p->duration_s = 1;
	p->requested_hz = 100;
	CHECK(profile_pprof_write(out, p, "cpu") == 0);
	fclose(out);
	profile_free(p);
	return (uint8_t *)buf;
}

static void
test_stacktop(void)
{
	size_t len, n;
	uint8_t *data = stacktop_pprof(&len);
	struct folded_line *l;
	char *cause = NULL;

	CHECK(profile_pprof_is_gzip(data, len));
	if (!CHECK(profile_pprof_read(data, len, &l, &n, &cause) == 0)) {
		fprintf(stderr, "  cause: %s\n", cause);
		free(data);
		return;
	}
	if (CHECK(n == 2)) {
		/* The count of samples, not the nanoseconds. */
		CHECK_STR(l[0].stack, "thread main;main;work;leaf:odd");
		CHECK(l[0].count == 30);
		CHECK_STR(l[1].stack, "thread py-worker;start_thread;spin (app.py:12)");
		CHECK(l[1].count == 10);
	}
	profile_fold_free(l, n);

	/* Cut anywhere: a clear error, never a crash. */
	for (size_t cut = 0; cut < len; cut += 7) {
		cause = NULL;
		CHECK(profile_pprof_read(data, cut, &l, &n, &cause) == -EINVAL);
		CHECK(cause != NULL && strchr(cause, '\n') == NULL);
		free(cause);
	}
	free(data);
}

static void
value_type(struct protobuf *m, uint64_t type, uint64_t unit)
{
	struct protobuf t = {0};

	protobuf_varint(&t, 1, type);
	protobuf_varint(&t, 2, unit);
	protobuf_message(m, 1, &t);
	protobuf_clear(&t);
}

/* A profile as Go writes one, not gzipped: an inlined function, unpacked
 * location ids, "samples" second among the sample types, an unsymbolized
 * location. */
static void
test_handmade(void)
{
	static const char *const strings[] = {"",          "cpu",         "nanoseconds", "samples",
	                                      "count",     "main.f",      "main.g",      "main.go",
	                                      "main.main", "runtime.main"};
	struct protobuf m = {0}, msg = {0}, line = {0};
	uint64_t values[2] = {5000, 5};
	struct folded_line *l;
	char *cause = NULL;
	size_t n;

	value_type(&m, 1, 2);
	value_type(&m, 3, 4);
	/* sample: leaf location 1 (g inlined into f), then 2 (main.main),
	 * then 3 (no lines), each id a field of its own. */
	protobuf_varint(&msg, 1, 1);
	protobuf_varint(&msg, 1, 2);
	protobuf_varint(&msg, 1, 3);
	protobuf_packed(&msg, 2, values, 2);
	protobuf_message(&m, 2, &msg);
	/* location 1: lines g:7 (inlined) then f:3 (its caller) */
	protobuf_reset(&msg);
	protobuf_varint(&msg, 1, 1);
	protobuf_varint(&line, 1, 11);
	protobuf_varint(&line, 2, 7);
	protobuf_message(&msg, 4, &line);
	protobuf_reset(&line);
	protobuf_varint(&line, 1, 10);
	protobuf_varint(&line, 2, 3);
	protobuf_message(&msg, 4, &line);
	protobuf_message(&m, 4, &msg);
	protobuf_reset(&msg);
	protobuf_varint(&msg, 1, 2);
	protobuf_reset(&line);
	protobuf_varint(&line, 1, 12);
	protobuf_message(&msg, 4, &line);
	protobuf_message(&m, 4, &msg);
	protobuf_reset(&msg);
	protobuf_varint(&msg, 1, 3);
	protobuf_varint(&msg, 3, 0xabc);
	protobuf_message(&m, 4, &msg);
	/* functions 10 f, 11 g, 12 main.main, in main.go */
	for (uint64_t id = 10; id <= 12; id++) {
		protobuf_reset(&msg);
		protobuf_varint(&msg, 1, id);
		protobuf_varint(&msg, 2, id == 10 ? 5 : id == 11 ? 6 : 8);
		protobuf_varint(&msg, 4, 7);
		protobuf_message(&m, 5, &msg);
	}
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		protobuf_bytes(&m, 6, strings[i], strlen(strings[i]));
	if (CHECK(profile_pprof_read(m.data, m.len, &l, &n, &cause) == 0) && CHECK(n == 1)) {
		CHECK_STR(l[0].stack, "0xabc;main.main;main.f (main.go:3);main.g (main.go:7)");
		CHECK(l[0].count == 5);
	} else {
		fprintf(stderr, "  cause: %s\n", cause ? cause : "-");
	}
	profile_fold_free(l, n);

	/* A location id no location has. */
	protobuf_reset(&msg);
	protobuf_varint(&msg, 1, 99);
	protobuf_packed(&msg, 2, values, 2);
	protobuf_message(&m, 2, &msg);
	cause = NULL;
	CHECK(profile_pprof_read(m.data, m.len, &l, &n, &cause) == -EINVAL);
	CHECK(cause != NULL && strstr(cause, "location") != NULL);
	free(cause);
	protobuf_clear(&m);
	protobuf_clear(&msg);
	protobuf_clear(&line);
}

static void
check_bad(const void *data, size_t len, const char *want)
{
	struct folded_line *l;
	size_t n;
	char *cause = NULL;

	CHECK(profile_pprof_read(data, len, &l, &n, &cause) == -EINVAL);
	if (CHECK(cause != NULL) && !CHECK(strstr(cause, want) != NULL))
		fprintf(stderr, "  cause: %s\n", cause);
	free(cause);
}

/* A literal's bytes, its NUL left out. */
#define BAD(literal, want) check_bad(literal, sizeof(literal) - 1, want)

static void
test_malformed(void)
{
	/* Text is no protobuf: field 12 of wire type 4, a group. */
	BAD("main;work 10\n", "not a pprof profile");
	BAD("\x0a\xff", "cut short");                        /* bytes longer than the message */
	BAD("\x08\x80\x80", "cut short");                    /* a varint cut */
	BAD("\x18\x01", "no sample types");                  /* a valid message, not a profile */
	BAD("\x1f\x8b\x08\x00\x00\x00", "gzip");             /* a gzip header cut */
	BAD("\x1f\x8b garbage garbage", "gzip");             /* a gzip header wrong */
	BAD("\x12\x03\x0a\x01\x01\x0a\x00", "sample types"); /* samples, no types */
}

int
main(void)
{
	test_stacktop();
	test_handmade();
	test_malformed();
	return check_done("test_profile_pprof_read");
}
