#include "refs_picture.h"

#include "../sanitize.h"
#include "../xmalloc.h"
#include "profile_svg_impl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PICTURE_TEXT_MAX 160
#define BOX_W            210
#define BOX_H            44
#define COL_GAP          120
#define ROW_GAP          26
#define MARGIN           20

/* One box: an object (by address) or a module (a chain's root). */
struct picture_node {
	uint64_t address;
	char *title; /* owned, sanitized: "HxConn", "module __main__" */
	char *note;  /* owned, sanitized, or NULL: "3000 like it" */
	bool sought;
	int col, row;
};

struct picture_edge {
	size_t from, to;
	char *label; /* owned, sanitized */
};

struct picture {
	struct picture_node *nodes;
	size_t nnodes;
	struct picture_edge *edges;
	size_t nedges;
	int *rows; /* per column, the rows used */
	int ncols;
};

static char *
picture_safe(const char *raw)
{
	char buf[PICTURE_TEXT_MAX];

	return xstrdup(sanitize_text(raw, strlen(raw), buf, sizeof(buf)));
}

/* The node of address (added at column col when new). */
static size_t
picture_node(struct picture *p, uint64_t address, const char *title, int col)
{
	for (size_t i = 0; i < p->nnodes; i++)
		if (p->nodes[i].address == address)
			return i;
	p->nodes = xreallocarray(p->nodes, p->nnodes + 1, sizeof(*p->nodes));
	if (col >= p->ncols) {
		p->rows = xreallocarray(p->rows, (size_t)col + 1, sizeof(*p->rows));
		for (int c = p->ncols; c <= col; c++)
			p->rows[c] = 0;
		p->ncols = col + 1;
	}
	p->nodes[p->nnodes] = (struct picture_node){
	    .address = address, .title = picture_safe(title), .col = col, .row = p->rows[col]++};
	return p->nnodes++;
}

/* The label of one step: ".name" or "[example]" or its kind. */
static char *
picture_label(const struct python_refs_step *s)
{
	char *raw, *safe;

	if (s->name != NULL)
		raw = xasprintf("%s %s", s->kind, s->name);
	else if (s->example != NULL)
		raw = xasprintf("[%s]", s->example);
	else
		raw = xstrdup(s->kind);
	safe = picture_safe(raw);
	free(raw);
	return safe;
}

static void
picture_edge(struct picture *p, size_t from, size_t to, const struct python_refs_step *s)
{
	for (size_t i = 0; i < p->nedges; i++)
		if (p->edges[i].from == from && p->edges[i].to == to)
			return;
	p->edges = xreallocarray(p->edges, p->nedges + 1, sizeof(*p->edges));
	p->edges[p->nedges++] = (struct picture_edge){from, to, picture_label(s)};
}

static void
picture_build(const struct python_refs *r, struct picture *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < r->nchains; i++) {
		const struct python_refs_chain *c = &r->chains[i];
		char *title =
		    c->variable == NULL ? xasprintf("module %s", c->root) : xstrdup(c->root);
		size_t at = picture_node(p, c->root_address, title, 0);

		free(title);
		for (size_t k = 0; k < c->nsteps; k++) {
			size_t to =
			    picture_node(p, c->steps[k].address, c->steps[k].type, (int)k + 1);

			picture_edge(p, at, to, &c->steps[k]);
			at = to;
		}
		if (c->nsteps > 0 && p->nodes[at].note == NULL) {
			char *note = xasprintf("%" PRIu64 " reached like it", c->count);

			p->nodes[at].note = note;
			p->nodes[at].sought = true;
		}
	}
	for (size_t i = 0; i < r->ncycles; i++) {
		const struct python_refs_cycle *c = &r->cycles[i];
		size_t first, at;

		if (c->nsteps == 0)
			continue;
		/* Object 0 is where the last step leads. */
		first = at = picture_node(p, c->steps[c->nsteps - 1].address,
		                          c->steps[c->nsteps - 1].type, 0);
		if (p->nodes[first].note == NULL)
			p->nodes[first].note =
			    xasprintf("%" PRIu64 " such cycles: %s", c->count, c->why);
		for (size_t k = 0; k < c->nsteps; k++) {
			size_t to = k + 1 == c->nsteps ? first
			                               : picture_node(p, c->steps[k].address,
			                                              c->steps[k].type, (int)k + 1);

			picture_edge(p, at, to, &c->steps[k]);
			at = to;
		}
	}
}

static void
picture_free(struct picture *p)
{
	for (size_t i = 0; i < p->nnodes; i++) {
		free(p->nodes[i].title);
		free(p->nodes[i].note);
	}
	for (size_t i = 0; i < p->nedges; i++)
		free(p->edges[i].label);
	free(p->nodes);
	free(p->edges);
	free(p->rows);
}

/* A DOT string: sanitized text with " and \ escaped. */
static void
picture_dot_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '\n') {
			fputs("\\n", out); /* the node's two lines */
			continue;
		}
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void
refs_picture_dot(FILE *out, const struct python_refs *r)
{
	struct picture p;

	picture_build(r, &p);
	fputs("digraph referrers {\n  rankdir=LR;\n  node [shape=box, style=filled, "
	      "fillcolor=\"#e8eef7\", fontname=\"sans-serif\"];\n",
	      out);
	for (size_t i = 0; i < p.nnodes; i++) {
		char *label = p.nodes[i].note != NULL
		                  ? xasprintf("%s\n%s", p.nodes[i].title, p.nodes[i].note)
		                  : xstrdup(p.nodes[i].title);

		fprintf(out, "  n%zu [label=", i);
		picture_dot_string(out, label);
		if (p.nodes[i].sought)
			fputs(", fillcolor=\"#f4a582\"", out);
		fputs("];\n", out);
		free(label);
	}
	for (size_t i = 0; i < p.nedges; i++) {
		fprintf(out, "  n%zu -> n%zu [label=", p.edges[i].from, p.edges[i].to);
		picture_dot_string(out, p.edges[i].label);
		fputs("];\n", out);
	}
	fputs("}\n", out);
	picture_free(&p);
}

static int
picture_x(const struct picture_node *n)
{
	return MARGIN + n->col * (BOX_W + COL_GAP);
}

static int
picture_y(const struct picture_node *n)
{
	return MARGIN + 30 + n->row * (BOX_H + ROW_GAP);
}

static void
picture_svg_text(FILE *out, int x, int y, const char *attrs, const char *text)
{
	fprintf(out, "<text x=\"%d\" y=\"%d\" %s>", x, y, attrs);
	svg_escape(out, text, strlen(text));
	fputs("</text>\n", out);
}

void
refs_picture_svg(FILE *out, const struct python_refs *r)
{
	struct picture p;
	int rows = 1, width, height;
	char *title;

	picture_build(r, &p);
	for (int c = 0; c < p.ncols; c++)
		rows = p.rows[c] > rows ? p.rows[c] : rows;
	width = 2 * MARGIN + (p.ncols ? p.ncols : 1) * (BOX_W + COL_GAP);
	height = 2 * MARGIN + 30 + rows * (BOX_H + ROW_GAP) + BOX_H;
	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/"
	        "svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
	        "font-size=\"12\">\n<defs><marker id=\"arrow\" markerWidth=\"10\" "
	        "markerHeight=\"8\" refX=\"10\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 "
	        "L0,8 z\" fill=\"#555\"/></marker></defs>\n<rect width=\"100%%\" height=\"100%%\" "
	        "fill=\"white\"/>\n",
	        width, height, width, height);
	title = xasprintf("What holds %s in PID %d: %" PRIu64 " of %" PRIu64 " reached", r->type,
	                  r->pid, r->reached, r->instances);
	{
		char *safe = picture_safe(title);

		picture_svg_text(out, MARGIN, MARGIN + 8, "font-size=\"15\" font-weight=\"bold\"",
		                 safe);
		free(safe);
	}
	free(title);
	for (size_t i = 0; i < p.nedges; i++) {
		const struct picture_node *a = &p.nodes[p.edges[i].from],
		                          *b = &p.nodes[p.edges[i].to];
		int x1 = picture_x(a) + BOX_W, y1 = picture_y(a) + BOX_H / 2;
		int x2 = picture_x(b), y2 = picture_y(b) + BOX_H / 2;

		if (x2 <= x1) /* back to an earlier column: the cycle closes below */
			fprintf(
			    out,
			    "<path d=\"M%d,%d C%d,%d %d,%d %d,%d\" fill=\"none\" stroke=\"#555\" "
			    "marker-end=\"url(#arrow)\"/>\n",
			    x1 - BOX_W / 2, y1 + BOX_H / 2, x1 - BOX_W / 2, y1 + BOX_H + ROW_GAP,
			    x2 + BOX_W / 2, y2 + BOX_H + ROW_GAP, x2 + BOX_W / 2, y2 + BOX_H / 2);
		else
			fprintf(out,
			        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" "
			        "marker-end=\"url(#arrow)\"/>\n",
			        x1, y1, x2, y2);
		picture_svg_text(out, x2 <= x1 ? (x1 + x2) / 2 - BOX_W / 2 : (x1 + x2) / 2 - 50,
		                 x2 <= x1 ? y1 + BOX_H + ROW_GAP / 2 : (y1 + y2) / 2 - 6,
		                 "fill=\"#333\"", p.edges[i].label);
	}
	for (size_t i = 0; i < p.nnodes; i++) {
		const struct picture_node *n = &p.nodes[i];
		int x = picture_x(n), y = picture_y(n);

		fprintf(out,
		        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" "
		        "stroke=\"#345\"/>\n",
		        x, y, BOX_W, BOX_H, n->sought ? "#f4a582" : "#e8eef7");
		picture_svg_text(out, x + 8, y + 17, "font-weight=\"bold\"", n->title);
		if (n->note != NULL)
			picture_svg_text(out, x + 8, y + 34, "font-size=\"10\"", n->note);
	}
	fputs("</svg>\n", out);
	picture_free(&p);
}
