/* The profile's stack index and its renderers, on hand-made profiles:
 * identical stacks counted once, many distinct stacks found again after the
 * index grows, folded lines merged and sanitized, SVG text escaped,
 * speedscope frames shared, chrometrace spans kept open across samples
 * that share them and closed by a gap, gecko tables built from the root. */
#include "check.h"
#include "profile.h"
#include "ui/profile_chrometrace.h"
#include "ui/profile_fold.h"
#include "ui/profile_gecko.h"
#include "ui/profile_speedscope.h"
#include "ui/profile_svg.h"
#include "xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* frames for names[0..n) innermost first; NULL names are module+offset. */
static struct frame_row *
frames_of(const char *const *names, size_t n)
{
	struct frame_row *f = xcalloc(n, sizeof(*f));

	for (size_t i = 0; i < n; i++) {
		f[i].ip = 0x1000 + i;
		f[i].function = names[i] ? xstrdup(names[i]) : NULL;
		f[i].module = xstrdup("/usr/lib/libx.so");
		f[i].offset = 0x40;
	}
	return f;
}

static void
add(struct profile *p, int tid, const char *thread, const uint64_t *ips, const char *const *names,
    size_t n, uint64_t count)
{
	struct profile_stack *s = profile_find(p, tid, ips, n);

	if (s == NULL)
		s = profile_add(p, tid, thread, ips, n, frames_of(names, n), n);
	s->count += count;
	p->samples += count;
}

/* What a writer prints, as a string (owned). */
static char *
render(void (*write)(FILE *, const struct profile *), const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	write(out, p);
	fclose(out);
	return buf;
}

static void
test_index(void)
{
	struct profile *p = profile_new(1, "x");
	uint64_t ips[3];
	const char *names[3] = {"a", "b", "c"};

	/* 1,000 distinct stacks: the index grows many times. */
	for (uint64_t i = 0; i < 1000; i++) {
		ips[0] = i, ips[1] = i * 7, ips[2] = 42;
		add(p, (int)(i % 3), "t", ips, names, 3, 1);
	}
	CHECK(p->nstacks == 1000);
	for (uint64_t i = 0; i < 1000; i++) {
		ips[0] = i, ips[1] = i * 7, ips[2] = 42;
		struct profile_stack *s = profile_find(p, (int)(i % 3), ips, 3);

		CHECK(s != NULL && s->count == 1);
		CHECK(profile_find(p, (int)(i % 3) + 3, ips, 3) == NULL); /* other thread */
		CHECK(profile_find(p, (int)(i % 3), ips, 2) == NULL);     /* shorter stack */
	}
	profile_free(p);
}

static void
test_folded(void)
{
	struct profile *p = profile_new(7, "app");
	const uint64_t ips1[] = {1, 2, 3}, ips2[] = {9, 2, 3}, ips3[] = {5};
	const char *leaf[] = {"spin", "work", "start"};
	const char *odd[] = {"a;b\x1b[2J", NULL, "start"};
	const char *unknown[] = {NULL};
	char *text;

	/* Two stacks that differ only in addresses print as one line. */
	add(p, 10, "hot", ips1, leaf, 3, 5);
	add(p, 10, "hot", ips2, leaf, 3, 2);
	add(p, 11, "we\nird", ips1, odd, 3, 1);
	add(p, 12, "bare", ips3, unknown, 1, 4);
	text = render(profile_fold_write, p);
	CHECK_STR(text, "thread bare (12);libx.so+0x40 4\n"
	                "thread hot (10);start;work;spin 7\n"
	                "thread we?ird (11);start;libx.so+0x40;a:b?[2J 1\n");
	free(text);
	profile_free(p);
}

/* A system-wide profile: each line's root is its process, then its thread;
 * the same thread id in two processes is two stacks. */
/* The SVG writer with a tower per thread, and with threads merged. */
static void
svg_per_thread(FILE *out, const struct profile *p)
{
	profile_svg_write(out, p, true);
}

static void
svg_merged(FILE *out, const struct profile *p)
{
	profile_svg_write(out, p, false);
}

static void
test_system_wide(void)
{
	struct profile *p = profile_new(0, "");
	const char *names[2] = {"spin", "main"};
	uint64_t key[3] = {100, 0x1000, 0x1001};
	struct profile_stack *s = profile_add(p, 5, "hot", key, 3, frames_of(names, 2), 2);
	char *text;

	s->pid = 100;
	snprintf(s->process, sizeof(s->process), "a;b");
	s->count = 2;
	key[0] = 200;
	CHECK(profile_find(p, 5, key, 3) == NULL);
	s = profile_add(p, 5, "w", key, 3, frames_of(names, 2), 2);
	s->pid = 200;
	snprintf(s->process, sizeof(s->process), "b");
	s->count = 1;
	text = render(profile_fold_write, p);
	CHECK_STR(text, "process a:b (100);thread hot (5);main;spin 2\n"
	                "process b (200);thread w (5);main;spin 1\n");
	free(text);
	text = render(profile_speedscope_write, p);
	CHECK(strstr(text, "\"name\":\"process a;b (100) thread hot (5)\"") != NULL);
	CHECK(strstr(text, "\"name\":\"process b (200) thread w (5)\"") != NULL);
	free(text);
	text = render(svg_per_thread, p);
	CHECK(strstr(text, "stacktop record -a: every process") != NULL);
	free(text);
	profile_free(p);
}

static void
test_python_label(void)
{
	struct frame_row f = {
	    .python = true, .function = "Worker.run", .file = "/srv/app/w.py", .line = 42};
	char buf[128];

	CHECK_STR(profile_frame_label(&f, buf, sizeof(buf)), "Worker.run (w.py:42)");
	f.line = 0;
	f.file = NULL;
	CHECK_STR(profile_frame_label(&f, buf, sizeof(buf)), "Worker.run (?)");
}

static void
test_svg(void)
{
	struct profile *p = profile_new(7, "<app>");
	const uint64_t ips[] = {1, 2};
	const char *names[] = {"operator<<", "main"};
	char *text;

	add(p, 1, "t&t", ips, names, 2, 3);
	/* U+FFFE and U+FFFF pass sanitize_text but no XML may hold them. */
	add(p, 2, "u\xef\xbf\xbev\xef\xbf\xbfw", ips, names, 2, 1);
	p->ticks = 3;
	text = render(svg_per_thread, p);
	CHECK(strstr(text, "<title>operator&lt;&lt; (3 samples, 75.00%)</title>") != NULL);
	CHECK(strstr(text, "<title>thread t&amp;t (1) (3 samples") != NULL);
	CHECK(strstr(text, "<title>thread u?v?w (2) (1 sample,") != NULL);
	CHECK(strstr(text, "\xef\xbf\xbe") == NULL && strstr(text, "\xef\xbf\xbf") == NULL);
	CHECK(strstr(text, "PID 7 (&lt;app&gt;)") != NULL);
	CHECK(strstr(text, "operator<<") == NULL);
	CHECK(strstr(text, "</svg>\n") != NULL);
	free(text);
	/* Merged: both threads' main -> operator<< are one tower, no thread
	 * root; the footer says so. */
	text = render(svg_merged, p);
	CHECK(strstr(text, "<title>operator&lt;&lt; (4 samples, 100.00%)</title>") != NULL);
	CHECK(strstr(text, "<title>thread ") == NULL);
	CHECK(strstr(text, "threads merged (--per-thread splits them)") != NULL);
	CHECK(strstr(text, "<script><![CDATA[") != NULL);
	free(text);
	profile_free(p);

	/* An empty profile is still a valid document. */
	p = profile_new(8, "idle");
	text = render(svg_per_thread, p);
	CHECK(strstr(text, "</svg>\n") != NULL && strstr(text, "<title>") == NULL);
	free(text);
	profile_free(p);
}

/* Counts a sample of a thread's stack as the samplers do: with an event,
 * in the order of the calls. */
static void
sample(struct profile *p, int tid, const char *thread, const uint64_t *ips,
       const char *const *names, size_t n)
{
	struct profile_stack *s = profile_find(p, tid, ips, n);

	if (s == NULL)
		s = profile_add(p, tid, thread, ips, n, frames_of(names, n), n);
	profile_count(p, s, 1);
}

static void
test_speedscope(void)
{
	struct profile *p = profile_new(7, "app");
	const uint64_t ips1[] = {1, 2}, ips2[] = {3, 2};
	const char *one[] = {"leaf", "main"}, *two[] = {"other", "main"};
	char *text;

	p->requested_hz = 100; /* a sample is 0.01 s */
	sample(p, 2, "b", ips2, two, 2);
	sample(p, 1, "a", ips1, one, 2);
	sample(p, 2, "b", ips1, one, 2);
	sample(p, 1, "a", ips1, one, 2);
	sample(p, 2, "b", ips1, one, 2);
	sample(p, 2, "b", ips2, two, 2);
	/* Counted without an event (a timeline cut short): after the events. */
	add(p, 2, "b", ips1, one, 2, 2);
	text = render(profile_speedscope_write, p);
	/* The busiest thread first, its samples in the order taken, weighing
	 * seconds; "main" is frame 0 the first time it is seen, and shared by
	 * both threads' stacks. */
	CHECK(strstr(text, "\"profiles\":[{\"type\":\"sampled\",\"name\":\"thread b (2)\","
	                   "\"unit\":\"seconds\",\"startValue\":0,\"endValue\":0.060000,"
	                   "\"samples\":[[0,1],[0,2],[0,2],[0,1],[0,2]],"
	                   "\"weights\":[0.010000,0.010000,0.010000,0.010000,0.020000]}") != NULL);
	CHECK(strstr(text, "\"name\":\"thread a (1)\",\"unit\":\"seconds\",\"startValue\":0,"
	                   "\"endValue\":0.020000,\"samples\":[[0,2],[0,2]],"
	                   "\"weights\":[0.010000,0.010000]}") != NULL);
	CHECK(strstr(text, "\"frames\":[{\"name\":\"main\",\"file\":\"/usr/lib/libx.so\"},"
	                   "{\"name\":\"other\",\"file\":\"/usr/lib/libx.so\"},"
	                   "{\"name\":\"leaf\",\"file\":\"/usr/lib/libx.so\"}]") != NULL);
	free(text);
	profile_free(p);

	/* A Python frame: its function, its file's full path and its line. */
	p = profile_new(8, "py");
	p->requested_hz = 100;
	{
		struct frame_row *f = xcalloc(1, sizeof(*f));
		const uint64_t key[] = {9};

		*f = (struct frame_row){.python = true,
		                        .function = xstrdup("Worker.run"),
		                        .file = xstrdup("/srv/app/views.py"),
		                        .line = 42};
		profile_count(p, profile_add(p, 3, "w", key, 1, f, 1), 1);
	}
	text = render(profile_speedscope_write, p);
	CHECK(strstr(text, "{\"name\":\"Worker.run\",\"file\":\"/srv/app/views.py\","
	                   "\"line\":42}") != NULL);
	free(text);
	profile_free(p);
}

/* Whether text holds each of parts[0..n) in this order; says which not. */
static bool
in_order(const char *text, const char *const *parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(text, parts[i]);

		if (!CHECK(at != NULL)) {
			fprintf(stderr, "  missing, or before %s: %s\n", parts[i > 0 ? i - 1 : 0],
			        parts[i]);
			fprintf(stderr, "  in: %s\n", text);
			return false;
		}
		text = at + strlen(parts[i]);
	}
	return true;
}

/* Thread 2 ("b") at 100 Hz: main>other at 0 s, main>leaf at 0.01 and
 * 0.02, then after a gap main>leaf at 0.10; thread 1 ("a") once. */
static struct profile *
trace_profile(void)
{
	static const uint64_t ips[2][2] = {{3, 2}, {1, 2}};
	static const char *const names[2][2] = {{"other", "main"}, {"leaf", "main"}};
	static const struct {
		int tid;
		size_t stack; /* 0 main>other, 1 main>leaf */
		float t;
	} counts[] = {{2, 0, 0}, {2, 1, 0.01f}, {2, 1, 0.02f}, {1, 1, 0.05f}, {2, 1, 0.10f}};
	struct profile *p = profile_new(7, "app");

	p->requested_hz = 100; /* a sample is 0.01 s */
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		sample(p, counts[i].tid, counts[i].tid == 2 ? "b" : "a", ips[counts[i].stack],
		       names[counts[i].stack], 2);
		p->events[i].t = counts[i].t;
	}
	p->made_wall_s = 1700000000.5;
	return p;
}

static void
test_chrometrace(void)
{
	struct profile *p = trace_profile();
	char *text = render(profile_chrometrace_write, p);
	/* main stays open from 0 to the gap (0.03 s: the last sample's end);
	 * other ends where leaf begins; after the gap both open again. */
	const char *const b[] = {
	    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":7,\"tid\":2,\"args\":{\"name\":\"b\"}}",
	    "\"name\":\"main\",\"cat\":\"native\",\"ph\":\"B\",\"ts\":0.000,\"pid\":7,\"tid\":2,"
	    "\"args\":{\"module\":\"/usr/lib/libx.so\"}}",
	    "\"name\":\"other\",\"cat\":\"native\",\"ph\":\"B\",\"ts\":0.000,",
	    "\"name\":\"other\",\"cat\":\"native\",\"ph\":\"E\",\"ts\":10000.000,",
	    "\"name\":\"leaf\",\"cat\":\"native\",\"ph\":\"B\",\"ts\":10000.000,",
	    "\"name\":\"leaf\",\"cat\":\"native\",\"ph\":\"E\",\"ts\":30000.000,",
	    "\"name\":\"main\",\"cat\":\"native\",\"ph\":\"E\",\"ts\":30000.000,",
	    "\"name\":\"main\",\"cat\":\"native\",\"ph\":\"B\",\"ts\":100000.",
	    "\"name\":\"leaf\",\"cat\":\"native\",\"ph\":\"B\",\"ts\":100000.",
	    "\"name\":\"leaf\",\"cat\":\"native\",\"ph\":\"E\",\"ts\":110000.",
	    "\"name\":\"main\",\"cat\":\"native\",\"ph\":\"E\",\"ts\":110000.",
	    /* then the quieter thread, once named and balanced */
	    "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":7,\"tid\":1,",
	    "\"name\":\"main\",\"cat\":\"native\",\"ph\":\"B\",\"ts\":50000.",
	    "\"name\":\"main\",\"cat\":\"native\",\"ph\":\"E\",\"ts\":60000.",
	    "],\"displayTimeUnit\":\"ms\",",
	};
	size_t begins = 0, ends = 0;

	CHECK(strncmp(text,
	              "{\"traceEvents\":[{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":7,"
	              "\"tid\":7,\"args\":{\"name\":\"app\"}},",
	              87) == 0);
	in_order(text, b, sizeof(b) / sizeof(b[0]));
	for (const char *s = text; (s = strstr(s, "\"ph\":\"")) != NULL; s++) {
		begins += s[6] == 'B';
		ends += s[6] == 'E';
	}
	CHECK(begins == 7 && ends == 7); /* b: 2 + 1 + 2, a: 2 */
	free(text);
	profile_free(p);
}

static void
test_gecko(void)
{
	struct profile *p = trace_profile();
	char *text;

	/* A Python frame and the kernel's under thread 1's main. */
	{
		struct frame_row *f = xcalloc(3, sizeof(*f));
		const uint64_t key[] = {9};

		f[0] = (struct frame_row){.function = xstrdup("[kernel]")};
		f[1] = (struct frame_row){.python = true,
		                          .function = xstrdup("Worker.run"),
		                          .file = xstrdup("/srv/app/views.py"),
		                          .line = 42};
		f[2] = (struct frame_row){.ip = 0x1001,
		                          .function = xstrdup("main"),
		                          .module = xstrdup("/usr/lib/libx.so")};
		profile_count(p, profile_add(p, 1, "a", key, 1, f, 3), 1);
		p->events[p->nevents - 1].t = 0.2f;
	}
	text = render(profile_gecko_write, p);
	const char *const parts[] = {
	    "{\"meta\":{\"version\":32,\"product\":\"stacktop\",\"misc\":\"stacktop record 7 "
	    "(app)\",",
	    "\"interval\":10.000000,\"startTime\":1700000000500.000,\"profilingStartTime\":0,"
	    "\"profilingEndTime\":210.000,",
	    "\"categories\":[{\"name\":\"Other\",\"color\":\"grey\",\"subcategories\":[\"Other\"]},"
	    "{\"name\":\"Python\",",
	    "{\"name\":\"Native\",",
	    "{\"name\":\"Kernel\",",
	    /* the busiest thread first: b */
	    "\"threads\":[{\"name\":\"b\",\"processType\":\"default\",\"processName\":\"app\","
	    "\"pid\":7,\"tid\":2,",
	    "\"samples\":{\"schema\":{\"stack\":0,\"time\":1,\"eventDelay\":2},\"data\":"
	    "[[1,0.000,null],[2,10.000,null],[2,20.000,null],[2,100.000,null]]}",
	    "\"frameTable\":{\"schema\":{\"location\":0,\"relevantForJS\":1,\"innerWindowID\":2,"
	    "\"implementation\":3,\"line\":4,\"column\":5,\"category\":6,\"subcategory\":7},"
	    "\"data\":[[0,false,null,null,null,null,2,0],[1,false,null,null,null,null,2,0],"
	    "[2,false,null,null,null,null,2,0]]}",
	    "\"stackTable\":{\"schema\":{\"prefix\":0,\"frame\":1},\"data\":[[null,0],[0,1],[0,2]]"
	    "}",
	    "\"stringTable\":[\"main (in libx.so)\",\"other (in libx.so)\",\"leaf (in libx.so)\"]}",
	    /* then a: its Python frame with its path and line, the kernel's */
	    "{\"name\":\"a\",",
	    "\"data\":[[1,50.000,null],[3,200.000,null]]}",
	    "[[0,false,null,null,null,null,2,0],[1,false,null,null,null,null,2,0],"
	    "[2,false,null,null,42,null,1,0],[3,false,null,null,null,null,3,0]]",
	    "\"data\":[[null,0],[0,1],[0,2],[2,3]]}",
	    "\"stringTable\":[\"main (in libx.so)\",\"leaf (in libx.so)\","
	    "\"Worker.run (/srv/app/views.py:42)\",\"[kernel]\"]}]}",
	};

	in_order(text, parts, sizeof(parts) / sizeof(parts[0]));
	free(text);
	profile_free(p);
}

int
main(void)
{
	test_index();
	test_folded();
	test_python_label();
	test_system_wide();
	test_svg();
	test_speedscope();
	test_chrometrace();
	test_gecko();
	return check_done("profile");
}
