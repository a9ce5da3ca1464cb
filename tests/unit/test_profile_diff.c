/* stacktop diff's comparison: a frame whose share doubled is red, one whose
 * share halved is blue, the same share grey (and counts compared when not
 * normalized); thread and process ids taken off the roots; files told
 * apart by content (folded, gzipped folded, pprof) with one-line errors;
 * and the graph: AFTER's frames in their colours, tooltips with both
 * counts, the paths only in BEFORE listed, labels escaped. */
#include "check.h"
#include "ui/profile_diff.h"
#include "ui/profile_fold.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static bool
is_red(const int rgb[3])
{
	return rgb[0] == 255 && rgb[1] < 100 && rgb[2] < 100;
}

static bool
is_blue(const int rgb[3])
{
	return rgb[2] == 255 && rgb[0] < 100 && rgb[1] < 100;
}

static bool
is_grey(const int rgb[3])
{
	return rgb[0] == rgb[1] && rgb[1] == rgb[2];
}

static void
test_colour(void)
{
	int rgb[3];

	/* 10 of 100 before, 40 of 200 after: the share doubled. */
	profile_diff_colour(10, 100, 40, 200, true, rgb);
	CHECK(is_red(rgb));
	/* 40 of 100, then 40 of 200: halved, though the count is the same. */
	profile_diff_colour(40, 100, 40, 200, true, rgb);
	CHECK(is_blue(rgb));
	/* Not normalized: the same count is the same. */
	profile_diff_colour(40, 100, 40, 200, false, rgb);
	CHECK(is_grey(rgb));
	profile_diff_colour(10, 100, 20, 100, false, rgb);
	CHECK(is_red(rgb));
	/* The same share of a longer run: unchanged; 3% more too. */
	profile_diff_colour(30, 100, 60, 200, true, rgb);
	CHECK(is_grey(rgb));
	profile_diff_colour(100, 1000, 103, 1000, true, rgb);
	CHECK(is_grey(rgb));
	/* New: as red as it goes. Half again: paler than doubled, still red. */
	profile_diff_colour(0, 100, 5, 100, true, rgb);
	CHECK(is_red(rgb));
	profile_diff_colour(20, 100, 30, 100, true, rgb);
	CHECK(rgb[0] == 255 && rgb[1] > 100 && rgb[1] == rgb[2] && rgb[1] < 220);
	profile_diff_colour(30, 100, 20, 100, true, rgb);
	CHECK(rgb[2] == 255 && rgb[0] > 100 && rgb[0] == rgb[1] && rgb[0] < 220);
}

static struct folded_line *
lines_of(const char *const *stacks, const uint64_t *counts, size_t n)
{
	struct folded_line *l = xcalloc(n, sizeof(*l));

	for (size_t i = 0; i < n; i++)
		l[i] = (struct folded_line){xstrdup(stacks[i]), counts[i]};
	return l;
}

static void
test_strip_ids(void)
{
	static const char *const stacks[] = {
	    "thread st-hot (101);main;work",
	    "thread st-hot (102);main;work",
	    "process py (7);thread w (8);f (a.py:3)",
	    "thread (weird);x (12)", /* no id: left alone, as is a frame past the roots */
	    "main;thread x (3)",
	};
	static const uint64_t counts[] = {1, 2, 3, 4, 5};
	struct folded_line *l = lines_of(stacks, counts, 5);
	size_t n = profile_diff_strip_ids(l, 5);

	if (CHECK(n == 4)) {
		CHECK_STR(l[0].stack, "main;thread x (3)");
		CHECK_STR(l[1].stack, "process py;thread w;f (a.py:3)");
		CHECK_STR(l[2].stack, "thread (weird);x (12)");
		CHECK_STR(l[3].stack, "thread st-hot;main;work");
		CHECK(l[3].count == 3);
	}
	profile_fold_free(l, n);
}

static uint8_t *
gzip_of(const char *text, size_t *len)
{
	z_stream z = {0};
	size_t cap = strlen(text) + 256;
	uint8_t *out = xmalloc(cap);

	deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)strlen(text);
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	*len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static void
check_read_bad(const void *data, size_t len, const char *want)
{
	struct folded_line *l;
	size_t n;
	const char *format;
	char *cause = NULL;

	CHECK(profile_diff_read(data, len, &l, &n, &format, &cause) == -EINVAL);
	if (CHECK(cause != NULL) && !CHECK(strstr(cause, want) == cause))
		fprintf(stderr, "  cause: %s\n", cause);
	free(cause);
}

static void
test_read(void)
{
	const char *text = "thread a (1);main;f 3\nthread a (2);main;f 4\n";
	struct folded_line *l;
	size_t n, len;
	const char *format;
	char *cause = NULL;
	uint8_t *gz;

	CHECK(profile_diff_read((const uint8_t *)text, strlen(text), &l, &n, &format, &cause) == 0);
	CHECK_STR(format, "folded");
	if (CHECK(n == 1)) {
		CHECK_STR(l[0].stack, "thread a;main;f");
		CHECK(l[0].count == 7);
	}
	profile_fold_free(l, n);
	gz = gzip_of(text, &len);
	CHECK(profile_diff_read(gz, len, &l, &n, &format, &cause) == 0 && n == 1);
	CHECK_STR(format, "folded");
	profile_fold_free(l, n);
	/* Cut: the gzip stream ends early. */
	check_read_bad(gz, len - 9, "not a pprof profile: gzip data cut short");
	free(gz);

	check_read_bad("", 0, "is empty");
	check_read_bad("a;b 0\n", 6, "has no samples");
	check_read_bad("hello world\n", 12, "not folded stacks: line 1: no count");
	check_read_bad("\x7f"
	               "ELF\x02\x01\x01\x00\x00\x00",
	               10, "neither folded stacks nor a pprof profile");
}

/* The fill of the frame labelled label in svg, into rgb; false when there
 * is none. */
static bool
fill_of(const char *svg, const char *label, int rgb[3])
{
	char *key = xasprintf("data-l=\"%s\"", label);
	const char *at = strstr(svg, key), *fill;

	free(key);
	if (at == NULL || (fill = strstr(at, "fill=\"rgb(")) == NULL)
		return false;
	return sscanf(fill, "fill=\"rgb(%d,%d,%d)", &rgb[0], &rgb[1], &rgb[2]) == 3;
}

static void
test_svg(void)
{
	static const char *const before_stacks[] = {"main;grows", "main;shrinks", "main;steady",
	                                            "main;vanished;deep", "main;x<&>"};
	static const uint64_t before_counts[] = {10, 40, 30, 15, 5};
	static const char *const after_stacks[] = {"main;grows", "main;new", "main;shrinks",
	                                           "main;steady", "main;x<&>"};
	/* More samples: shares are what compare. */
	static const uint64_t after_counts[] = {40, 20, 20, 39, 10};
	struct folded_line *b = lines_of(before_stacks, before_counts, 5);
	struct folded_line *a = lines_of(after_stacks, after_counts, 5);
	struct profile_diff_side before = {"before.folded", b, 5},
	                         after = {"after\x1b.folded", a, 5};
	char *svg = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&svg, &len);
	int rgb[3];

	profile_diff_svg_write(out, &before, &after, true);
	fclose(out);
	CHECK(fill_of(svg, "grows", rgb) && is_red(rgb));    /* 10% to 31% */
	CHECK(fill_of(svg, "new", rgb) && is_red(rgb));      /* new */
	CHECK(fill_of(svg, "shrinks", rgb) && is_blue(rgb)); /* 40% to 15.5% */
	CHECK(fill_of(svg, "steady", rgb) && is_grey(rgb));  /* 30% to 30.2% */
	CHECK(!fill_of(svg, "vanished", rgb));               /* not drawn ... */
	CHECK(strstr(svg, "Only in BEFORE (not drawn): 1 path, 15 samples, 15.00%") != NULL);
	CHECK(strstr(svg, "</tspan> main;vanished</text>") != NULL); /* ... but listed */
	/* Tooltips: both counts, shares, the change. */
	CHECK(strstr(svg,
	             "<title>grows\nbefore: 10 samples, 10.00%\nafter: 40 samples, 31.01%\n"
	             "change: +21.01 points of share, +30 samples (share x3.10)</title>") != NULL);
	CHECK(strstr(svg, "data-l=\"x&lt;&amp;&gt;\"") != NULL);
	CHECK(strstr(svg, "after?.folded") != NULL && strchr(svg, '\x1b') == NULL);
	CHECK(strstr(svg, "normalized by total samples") != NULL);
	CHECK(strstr(svg, "window.stacktopSearch") != NULL); /* the script is there */
	free(svg);
	profile_fold_free(b, 5);
	profile_fold_free(a, 5);
}

int
main(void)
{
	test_colour();
	test_strip_ids();
	test_read();
	test_svg();
	return check_done("test_profile_diff");
}
