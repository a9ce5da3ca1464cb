#include "profile_svg.h"

#include "../sanitize.h"
#include "../xmalloc.h"
#include "profile_fold.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SVG_WIDTH      1200
#define SVG_PAD        10
#define SVG_FRAME      16 /* height of a frame */
#define SVG_TOP        40 /* room for the title */
#define SVG_BOTTOM     30 /* room for the summary line */
#define SVG_CHAR_WIDTH 7  /* a 12 px Verdana character, roughly */
/* Frames narrower than this are not drawn (their samples still count in
 * their parents' widths). */
#define SVG_MIN_WIDTH 0.1

/* The merged tree of all stacks: a node per distinct path from the root. */
struct flame_node {
	const char *label; /* borrowed from a folded line; cut at its ';' */
	size_t label_len;
	uint64_t count;
	size_t first_child, next_sibling; /* index + 1, or 0 */
	size_t last_child;
};

struct flame {
	struct flame_node *nodes; /* nodes[0] is the root, "all" */
	size_t n, cap;
	size_t depth; /* of the deepest node */
};

static size_t
flame_child(struct flame *f, size_t parent, const char *label, size_t len)
{
	struct flame_node *node;

	/* Lines come sorted, so a match is most often the latest child. */
	if (f->nodes[parent].last_child) {
		node = &f->nodes[f->nodes[parent].last_child - 1];
		if (node->label_len == len && memcmp(node->label, label, len) == 0)
			return f->nodes[parent].last_child - 1;
	}
	for (size_t c = f->nodes[parent].first_child; c; c = f->nodes[c - 1].next_sibling) {
		node = &f->nodes[c - 1];
		if (node->label_len == len && memcmp(node->label, label, len) == 0)
			return c - 1;
	}
	if (f->n == f->cap) {
		f->cap *= 2;
		f->nodes = xreallocarray(f->nodes, f->cap, sizeof(*f->nodes));
	}
	f->nodes[f->n] = (struct flame_node){.label = label, .label_len = len};
	if (f->nodes[parent].last_child)
		f->nodes[f->nodes[parent].last_child - 1].next_sibling = f->n + 1;
	else
		f->nodes[parent].first_child = f->n + 1;
	f->nodes[parent].last_child = f->n + 1;
	return f->n++;
}

static void
flame_build(struct flame *f, const struct folded_line *lines, size_t n)
{
	f->cap = 64;
	f->nodes = xcalloc(f->cap, sizeof(*f->nodes));
	f->nodes[0] = (struct flame_node){.label = "all", .label_len = 3};
	f->n = 1;
	for (size_t i = 0; i < n; i++) {
		const char *s = lines[i].stack;
		size_t node = 0, depth = 0;

		f->nodes[0].count += lines[i].count;
		while (*s) {
			size_t len = strcspn(s, ";");

			node = flame_child(f, node, s, len);
			f->nodes[node].count += lines[i].count;
			depth++;
			s += len + (s[len] == ';');
		}
		if (depth > f->depth)
			f->depth = depth;
	}
}

/* Whether s[0..len) starts with U+FFFE or U+FFFF (EF BF BE, EF BF BF). */
static bool
svg_is_nonchar(const char *s, size_t len)
{
	return len >= 3 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbf &&
	       ((unsigned char)s[2] & 0xfe) == 0xbe;
}

/* Text inside an attribute or element; labels are sanitized already. */
static void
svg_escape(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		/* Sanitized text may hold the noncharacters U+FFFE and U+FFFF
		 * (a thread can be named so), which XML 1.0 forbids anywhere:
		 * one would make the whole graph unreadable. '?', as sanitize
		 * shows what it removes. */
		if (svg_is_nonchar(s + i, len - i)) {
			fputc('?', out);
			i += 2;
			continue;
		}
		switch (s[i]) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			fputc(s[i], out);
		}
	}
}

/* A warm colour that depends only on the label, so a function keeps its
 * colour from one graph to the next. */
static void
svg_colour(const char *label, size_t len, int rgb[3])
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)label[i]) * 16777619u;
	rgb[0] = 205 + (int)(h % 50);
	rgb[1] = 80 + (int)((h >> 8) % 130);
	rgb[2] = (int)((h >> 16) % 55);
}

/* The number of bytes of label that fit in width pixels, at a code point
 * boundary, leaving room for "..". */
static size_t
svg_fit(const char *label, size_t len, double width)
{
	size_t chars = (size_t)(width / SVG_CHAR_WIDTH), used = 0, i;

	if (chars < 3)
		return 0;
	for (i = 0; i < len; i++) {
		if (((unsigned char)label[i] & 0xc0) != 0x80) {
			if (used == chars)
				break;
			used++;
		}
	}
	return i;
}

static void
svg_node(FILE *out, const struct flame *f, size_t i, double x, size_t depth, double scale,
         int height)
{
	const struct flame_node *node = &f->nodes[i];
	double width = (double)node->count * scale;
	double y = height - SVG_BOTTOM - (double)(depth + 1) * SVG_FRAME;
	size_t fit = svg_fit(node->label, node->label_len, width - 6);
	int rgb[3];

	if (width < SVG_MIN_WIDTH)
		return;
	svg_colour(node->label, node->label_len, rgb);
	fputs("<g><title>", out);
	svg_escape(out, node->label, node->label_len);
	fprintf(out, " (%" PRIu64 " samples, %.2f%%)</title>", node->count,
	        100.0 * (double)node->count / (double)f->nodes[0].count);
	fprintf(out,
	        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
	        "fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>",
	        x, y, width, SVG_FRAME - 1, rgb[0], rgb[1], rgb[2]);
	if (fit > 0) {
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + SVG_FRAME - 4);
		svg_escape(out, node->label, fit);
		if (fit < node->label_len)
			fputs("..", out);
		fputs("</text>", out);
	}
	fputs("</g>\n", out);
	for (size_t c = node->first_child; c; c = f->nodes[c - 1].next_sibling) {
		svg_node(out, f, c - 1, x, depth + 1, scale, height);
		x += (double)f->nodes[c - 1].count * scale;
	}
}

void
profile_svg_write(FILE *out, const struct profile *p)
{
	struct folded_line *lines;
	size_t n = profile_fold(p, &lines);
	struct flame f = {0};
	char comm[COMM_MAX];
	int height;
	double scale;

	flame_build(&f, lines, n);
	height = SVG_TOP + (int)(f.depth + 1) * SVG_FRAME + SVG_BOTTOM;
	scale = f.nodes[0].count ? (double)(SVG_WIDTH - 2 * SVG_PAD) / (double)f.nodes[0].count : 0;
	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	        "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	        "height=\"%d\" viewBox=\"0 0 %d %d\">\n"
	        "<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
	        "rect{stroke:#fff;stroke-width:0.5}g:hover rect{stroke:#000}</style>\n"
	        "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f6f6f0\"/>\n",
	        SVG_WIDTH, height, SVG_WIDTH, height, SVG_WIDTH, height);
	fprintf(out, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" style=\"font-size:17px\">",
	        SVG_WIDTH / 2);
	/* The process name is the target's: sanitized like every label. */
	sanitize_text(p->comm, strlen(p->comm), comm, sizeof(comm));
	if (p->pid == 0) {
		fputs("stacktop record -a: every process</text>\n", out);
	} else {
		fprintf(out, "stacktop record: PID %d (", p->pid);
		svg_escape(out, comm, strlen(comm));
		fputs(")</text>\n", out);
	}
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\">%" PRIu64 " samples in %" PRIu64
	        " rounds over %.2f s at %.0f Hz; hover a frame for its share</text>\n",
	        SVG_PAD, height - 10, p->samples, p->ticks, p->duration_s, p->requested_hz);
	if (f.nodes[0].count > 0)
		svg_node(out, &f, 0, SVG_PAD, 0, scale, height);
	fputs("</svg>\n", out);
	free(f.nodes);
	profile_fold_free(lines, n);
}
