/* The profile's stack index and its renderers, on hand-made profiles:
 * identical stacks counted once, many distinct stacks found again after the
 * index grows, folded lines merged and sanitized, SVG text escaped, and
 * speedscope frames shared. */
#include "check.h"
#include "profile.h"
#include "ui/profile_fold.h"
#include "ui/profile_speedscope.h"
#include "ui/profile_svg.h"
#include "xmalloc.h"

#include <stdlib.h>

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

int
main(void)
{
	test_index();
	test_folded();
	test_python_label();
	test_system_wide();
	test_svg();
	test_speedscope();
	return check_done("profile");
}
