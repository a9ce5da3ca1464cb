/* The flame graph's insides, shared by its two writers: the profile's
 * (profile_svg.c, stacktop record) and the differential one
 * (profile_diff.c, stacktop diff). Not for other modules. */
#ifndef STACKTOP_PROFILE_SVG_IMPL_H
#define STACKTOP_PROFILE_SVG_IMPL_H

#include "profile_fold.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SVG_WIDTH      1400
#define SVG_PAD        10
#define SVG_FRAME      16 /* height of a frame */
#define SVG_TOP        40 /* room for the title */
#define SVG_BOTTOM     50 /* room for the summary and legend lines */
#define SVG_CHAR_WIDTH 7  /* a 12 px Verdana character, roughly */
/* Frames narrower than this are not drawn (their samples still count in
 * their parents' widths). */
#define SVG_MIN_WIDTH 0.1

/* The merged tree of all stacks: a node per distinct path from the root. */
struct flame_node {
	const char *label; /* borrowed from a folded line; cut at its ';' */
	size_t label_len;
	uint64_t count;
	uint64_t before; /* a differential graph's: its samples in the other profile */
	size_t first_child, next_sibling; /* index + 1, or 0 */
	size_t last_child;
};

struct flame {
	struct flame_node *nodes; /* nodes[0] is the root, "all" */
	size_t n, cap;
	size_t depth; /* of the deepest node */
};

/* Builds f (its nodes owned: free(f->nodes)) from lines[0..n) (sorted;
 * borrowed while f lives). */
void flame_build(struct flame *f, const struct folded_line *lines, size_t n);

/* How a graph other than a profile's colours and describes its frames. */
struct svg_paint {
	/* The fill of node i. */
	void (*fill)(const struct flame *f, size_t i, int rgb[3], const void *arg);
	/* Writes what the tooltip says after the frame's label (escaped). */
	void (*title)(FILE *out, const struct flame *f, size_t i, const void *arg);
	const void *arg;
};

/* Writes s[0..len) (sanitized) escaped for an attribute or element. */
void svg_escape(FILE *out, const char *s, size_t len);

/* Writes node i at depth and its children, from x, scale pixels a sample,
 * in a graph height pixels high; paint NULL: a profile's colours. */
void svg_node(FILE *out, const struct flame *f, size_t i, double x, size_t depth, double scale,
              int height, const struct svg_paint *paint);

/* The document's start (up to its background), the zoom and search buttons
 * (after the title), and its end (the script). */
void svg_open(FILE *out, int height);
void svg_buttons(FILE *out);
void svg_close(FILE *out);

#endif
