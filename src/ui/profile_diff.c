#include "profile_diff.h"

#include "../plural.h"
#include "../sanitize.h"
#include "../string_table.h"
#include "../xmalloc.h"
#include "profile_folded_read.h"
#include "profile_pprof_read.h"
#include "profile_svg_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_UNCHANGED  0.07 /* a ratio within 7% either way */
#define DIFF_GREY       220
#define DIFF_LISTED     12  /* paths only in BEFORE listed by name */
#define DIFF_LINE       16  /* a text line's height */
#define DIFF_PATH_CHARS 150 /* of a listed path, the end shown */

/* "sample" or "samples", after the count n. */
static const char *
diff_samples(uint64_t n)
{
	return plural(n, "sample", "samples");
}

/* A frame's share (or count), the one profile_diff_colour compares. */
static double
diff_amount(uint64_t count, uint64_t total, bool normalize)
{
	if (!normalize)
		return (double)count;
	return total > 0 ? (double)count / (double)total : 0;
}

void
profile_diff_colour(uint64_t before, uint64_t before_total, uint64_t after, uint64_t after_total,
                    bool normalize, int rgb[3])
{
	double b = diff_amount(before, before_total, normalize);
	double a = diff_amount(after, after_total, normalize);
	double depth;
	int shade;

	rgb[0] = rgb[1] = rgb[2] = DIFF_GREY;
	if (a <= 0 && b <= 0)
		return;
	/* The ratio or its inverse, whichever is above 1, less 1: doubling
	 * and halving weigh the same, and a new (or gone) frame is as deep as
	 * it goes. */
	depth = a <= 0 || b <= 0 ? 1 : a >= b ? a / b - 1 : b / a - 1;
	if (depth > 1)
		depth = 1;
	if (depth < DIFF_UNCHANGED)
		return;
	shade = (int)(DIFF_GREY - 190 * depth + 0.5);
	rgb[0] = a > b ? 255 : shade;
	rgb[1] = shade;
	rgb[2] = a > b ? shade : 255;
}

/* The length of a "thread NAME (ID)" or "process NAME (ID)" frame
 * s[0..len) without its " (ID)", or len when it is not one. */
static size_t
diff_without_id(const char *s, size_t len)
{
	size_t digits = 0;

	if (!(len > 7 && memcmp(s, "thread ", 7) == 0) &&
	    !(len > 8 && memcmp(s, "process ", 8) == 0))
		return len;
	while (digits + 1 < len && s[len - 2 - digits] >= '0' && s[len - 2 - digits] <= '9')
		digits++;
	if (digits == 0 || s[len - 1] != ')' || len < digits + 4 ||
	    memcmp(s + len - digits - 3, " (", 2) != 0)
		return len;
	return len - digits - 3;
}

size_t
profile_diff_strip_ids(struct folded_line *lines, size_t n)
{
	bool changed = false;

	for (size_t i = 0; i < n; i++) {
		char *s = lines[i].stack, *w = s;
		const char *r = s;

		/* "process P (PID);thread T (TID);..." or "thread T (TID);...". */
		for (int frame = 0; frame < 2 && *r; frame++) {
			size_t len = strcspn(r, ";"), keep = diff_without_id(r, len);
			bool process = len > 8 && memcmp(r, "process ", 8) == 0;

			memmove(w, r, keep);
			w += keep;
			r += len;
			changed = changed || keep != len;
			if (*r == ';')
				*w++ = *r++;
			if (!process)
				break;
		}
		memmove(w, r, strlen(r) + 1);
	}
	return changed ? profile_fold_merge(lines, n) : n;
}

/* Whether buf[0..len) is text: no NUL, no controls but tab, CR, LF. */
static bool
diff_is_text(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x20 && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return false;
	return true;
}

int
profile_diff_read(const uint8_t *buf, size_t len, struct folded_line **lines, size_t *n,
                  const char **format, char **cause)
{
	uint8_t *inflated = NULL;
	char *why = NULL;
	int rc;

	*lines = NULL;
	*n = 0;
	if (len == 0) {
		*cause = xstrdup("is empty");
		return -EINVAL;
	}
	/* A gzipped file is pprof's way, but folded stacks gzipped are read
	 * too: what matters is what is inside. */
	if (profile_pprof_is_gzip(buf, len)) {
		if (profile_pprof_gunzip(buf, len, &inflated, &len, &why) != 0) {
			*cause = xasprintf("not a pprof profile: %s", why);
			free(why);
			return -EINVAL;
		}
		buf = inflated;
	}
	if (len > 0 && diff_is_text(buf, len)) {
		*format = "folded";
		rc = profile_folded_read((const char *)buf, len, lines, n, &why);
		if (rc != 0)
			*cause = xasprintf("not folded stacks: %s", why);
	} else {
		*format = "pprof";
		rc = profile_pprof_read(buf, len, lines, n, &why);
		if (rc != 0)
			*cause = xasprintf("neither folded stacks nor a pprof profile: %s", why);
	}
	free(why);
	free(inflated);
	if (rc != 0)
		return -EINVAL;
	*n = profile_diff_strip_ids(*lines, *n);
	if (*n == 0) {
		profile_fold_free(*lines, *n);
		*lines = NULL;
		*cause = xasprintf("has no samples (%s, every count 0)", *format);
		return -EINVAL;
	}
	return 0;
}

/* The child of parent labelled label[0..len), or 0 (the root is no child). */
static size_t
diff_child(const struct flame *f, size_t parent, const char *label, size_t len)
{
	for (size_t c = f->nodes[parent].first_child; c; c = f->nodes[c - 1].next_sibling) {
		const struct flame_node *node = &f->nodes[c - 1];

		if (node->label_len == len && memcmp(node->label, label, len) == 0)
			return c - 1;
	}
	return 0;
}

/* The paths of BEFORE that AFTER does not have, each cut at its first frame
 * AFTER lacks, with their samples. */
struct diff_gone {
	struct string_table paths;
	uint64_t *counts;
	uint64_t total;
};

/* Adds BEFORE's samples to the nodes of AFTER's tree (their before), and
 * the rest to gone. */
static void
diff_add_before(struct flame *f, const struct profile_diff_side *before, struct diff_gone *gone)
{
	for (size_t i = 0; i < before->n; i++) {
		const char *stack = before->lines[i].stack, *s = stack;
		uint64_t count = before->lines[i].count;
		size_t node = 0;

		f->nodes[0].before += count;
		while (*s) {
			size_t len = strcspn(s, ";"), child = diff_child(f, node, s, len), id, old;

			if (child == 0) {
				old = gone->paths.nkeys;
				id =
				    string_table_id(&gone->paths, stack, (size_t)(s - stack) + len);
				if (gone->paths.nkeys != old) {
					gone->counts = xreallocarray(
					    gone->counts, gone->paths.nkeys, sizeof(*gone->counts));
					gone->counts[id] = 0;
				}
				gone->counts[id] += count;
				gone->total += count;
				break;
			}
			node = child;
			f->nodes[node].before += count;
			s += len + (s[len] == ';');
		}
	}
}

struct diff_paint {
	uint64_t before_total, after_total;
	bool normalize;
};

static void
diff_fill(const struct flame *f, size_t i, int rgb[3], const void *arg)
{
	const struct diff_paint *d = arg;

	profile_diff_colour(f->nodes[i].before, d->before_total, f->nodes[i].count, d->after_total,
	                    d->normalize, rgb);
}

static double
diff_percent(uint64_t count, uint64_t total)
{
	return total > 0 ? 100.0 * (double)count / (double)total : 0;
}

static void
diff_title(FILE *out, const struct flame *f, size_t i, const void *arg)
{
	const struct diff_paint *d = arg;
	const struct flame_node *node = &f->nodes[i];
	double b = diff_percent(node->before, d->before_total);
	double a = diff_percent(node->count, d->after_total);
	int64_t change = (int64_t)node->count - (int64_t)node->before;

	fprintf(out,
	        "\nbefore: %" PRIu64 " %s, %.2f%%\nafter: %" PRIu64 " %s, %.2f%%\n"
	        "change: %+.2f points of share, %+" PRId64 " %s",
	        node->before, diff_samples(node->before), b, node->count, diff_samples(node->count),
	        a, a - b, change, diff_samples(change < 0 ? (uint64_t)-change : (uint64_t)change));
	if (node->before == 0)
		fputs(" (new)", out);
	else if (d->normalize)
		fprintf(out, " (share x%.2f)", a / b);
	else
		fprintf(out, " (x%.2f)", (double)node->count / (double)node->before);
}

/* A side's name, sanitized and escaped. */
static void
diff_name(FILE *out, const char *name)
{
	char clean[512];

	sanitize_text(name, strlen(name), clean, sizeof(clean));
	svg_escape(out, clean, strlen(clean));
}

/* A listed path: its samples, its id in diff_gone.paths. */
struct diff_rank {
	uint64_t count;
	size_t id;
};

static int
diff_compare_rank(const void *a, const void *b)
{
	const struct diff_rank *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The paths only in BEFORE, the most samples first, from y down. */
static void
diff_gone_write(FILE *out, const struct diff_gone *gone, uint64_t before_total, int y)
{
	size_t n = gone->paths.nkeys;
	struct diff_rank *order = xcalloc(n ? n : 1, sizeof(*order));

	if (n == 0) {
		fprintf(
		    out,
		    "<text x=\"%d\" y=\"%d\">Every frame of BEFORE is in AFTER's graph.</text>\n",
		    SVG_PAD, y);
		free(order);
		return;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (struct diff_rank){gone->counts[i], i};
	qsort(order, n, sizeof(*order), diff_compare_rank);
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\" style=\"font-weight:bold\">Only in BEFORE (not drawn): "
	        "%zu %s, %" PRIu64 " %s, %.2f%% of BEFORE's</text>\n",
	        SVG_PAD, y, n, plural(n, "path", "paths"), gone->total, diff_samples(gone->total),
	        diff_percent(gone->total, before_total));
	for (size_t k = 0; k < n && k < DIFF_LISTED; k++) {
		const char *path = gone->paths.keys[order[k].id];
		size_t len = gone->paths.lens[order[k].id], start = 0;

		/* The end of a long path: its vanished frame and callers. */
		if (len > DIFF_PATH_CHARS) {
			start = len - DIFF_PATH_CHARS;
			while (start < len && ((unsigned char)path[start] & 0xc0) == 0x80)
				start++;
		}
		fprintf(out, "<g class=\"gone\"><title>");
		svg_escape(out, path, len);
		fprintf(out, "\nbefore: %" PRIu64 " %s, %.2f%%\nafter: none</title>",
		        gone->counts[order[k].id], diff_samples(gone->counts[order[k].id]),
		        diff_percent(gone->counts[order[k].id], before_total));
		fprintf(out,
		        "<text x=\"%d\" y=\"%d\"><tspan fill=\"rgb(30,30,255)\">%8" PRIu64
		        " %s (%.2f%%)</tspan> %s",
		        SVG_PAD, y + (int)(k + 1) * DIFF_LINE, gone->counts[order[k].id],
		        diff_samples(gone->counts[order[k].id]),
		        diff_percent(gone->counts[order[k].id], before_total),
		        start > 0 ? "..." : "");
		svg_escape(out, path + start, len - start);
		fputs("</text></g>\n", out);
	}
	if (n > DIFF_LISTED)
		fprintf(out, "<text x=\"%d\" y=\"%d\">... and %zu more</text>\n", SVG_PAD,
		        y + (DIFF_LISTED + 1) * DIFF_LINE, n - DIFF_LISTED);
	free(order);
}

void
profile_diff_svg_write(FILE *out, const struct profile_diff_side *before,
                       const struct profile_diff_side *after, bool normalize)
{
	struct flame f = {0};
	struct diff_gone gone = {0};
	struct diff_paint paint;
	struct svg_paint how = {.fill = diff_fill, .title = diff_title, .arg = &paint};
	size_t listed;
	int graph, height;
	double scale;

	flame_build(&f, after->lines, after->n);
	diff_add_before(&f, before, &gone);
	paint = (struct diff_paint){f.nodes[0].before, f.nodes[0].count, normalize};
	listed = gone.paths.nkeys < DIFF_LISTED ? gone.paths.nkeys : DIFF_LISTED + 1;
	graph = SVG_TOP + (int)(f.depth + 1) * SVG_FRAME + SVG_BOTTOM;
	height = graph + 20 + (int)listed * DIFF_LINE;
	scale = f.nodes[0].count ? (double)(SVG_WIDTH - 2 * SVG_PAD) / (double)f.nodes[0].count : 0;
	svg_open(out, height);
	fprintf(out, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" style=\"font-size:17px\">",
	        SVG_WIDTH / 2);
	fputs("stacktop diff: ", out);
	diff_name(out, before->name);
	fputs(" \xe2\x86\x92 ", out); /* U+2192, a right arrow */
	diff_name(out, after->name);
	fputs("</text>\n", out);
	svg_buttons(out);
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\">AFTER's frames, as wide as its %" PRIu64
	        " %s; BEFORE had %" PRIu64 ". Colour: how each frame's %s changed, %s</text>\n",
	        SVG_PAD, graph - 28, f.nodes[0].count, diff_samples(f.nodes[0].count),
	        f.nodes[0].before, normalize ? "share of all samples" : "count of samples",
	        normalize ? "normalized by total samples (the runs differ in length)"
	                  : "raw counts (--no-normalize: runs of the same length)");
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\">Click a frame to zoom, Search to highlight; "
	        "<tspan fill=\"rgb(255,30,30)\">grew</tspan> (deepest at twice or new), "
	        "<tspan fill=\"rgb(30,30,255)\">shrank</tspan> (deepest at half), "
	        "<tspan fill=\"rgb(150,150,150)\">unchanged</tspan> (within 7%%)</text>\n"
	        "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"></text>\n",
	        SVG_PAD, graph - 10, SVG_WIDTH - SVG_PAD, graph - 10);
	diff_gone_write(out, &gone, f.nodes[0].before, graph + 12);
	if (f.nodes[0].count > 0)
		svg_node(out, &f, 0, SVG_PAD, 0, scale, graph, &how);
	svg_close(out);
	free(f.nodes);
	string_table_clear(&gone.paths);
	free(gone.counts);
}
