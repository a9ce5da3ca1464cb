#include "profile_svg.h"

#include "../plural.h"
#include "../sanitize.h"
#include "../xmalloc.h"
#include "profile_fold.h"
#include "profile_svg_impl.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

void
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

void
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

/* What a frame is, by its label (profile_frame_label's forms), for its
 * palette: the reader sees at a glance where Python code ends and the
 * interpreter or the kernel begins. */
enum svg_kind { SVG_NATIVE, SVG_PYTHON, SVG_INTERPRETER, SVG_KERNEL, SVG_ROOT };

static bool
svg_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

static enum svg_kind
svg_kind_of(const char *label, size_t len, size_t depth)
{
	size_t digits = 0;

	/* The tree's root, and the process and thread roots under it. */
	if (depth == 0 || (depth <= 2 && (svg_starts(label, len, "thread ") ||
	                                  svg_starts(label, len, "process "))))
		return SVG_ROOT;
	/* "function (file.py:line)": ":DIGITS)" at the end (a C++ signature
	 * ends in a parameter list, never in a number). */
	while (len >= digits + 2 && label[len - 2 - digits] >= '0' &&
	       label[len - 2 - digits] <= '9')
		digits++;
	if (digits > 0 && label[len - 1] == ')' && len >= digits + 3 &&
	    label[len - 2 - digits] == ':' && memchr(label, '(', len) != NULL)
		return SVG_PYTHON;
	if (len > 4 && memcmp(label + len - 4, " (?)", 4) == 0) /* its line unknown */
		return SVG_PYTHON;
	if (svg_starts(label, len, "[kernel") || svg_starts(label, len, "[k] "))
		return SVG_KERNEL;
	/* CPython's own functions, or an unnamed place in libpython. */
	if (svg_starts(label, len, "_Py") || svg_starts(label, len, "Py") ||
	    memmem(label, len, "libpython", 9) != NULL)
		return SVG_INTERPRETER;
	return SVG_NATIVE;
}

/* A colour of the frame's kind that depends only on the label, so a
 * function keeps its colour from one graph to the next. */
static void
svg_colour(const char *label, size_t len, enum svg_kind kind, int rgb[3])
{
	uint32_t h = 2166136261u;
	int a, b, c;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)label[i]) * 16777619u;
	a = (int)(h % 50), b = (int)((h >> 8) % 60), c = (int)((h >> 16) % 40);
	switch (kind) {
	case SVG_PYTHON: /* greens and teals */
		rgb[0] = 70 + a, rgb[1] = 170 + b / 2, rgb[2] = 110 + c;
		break;
	case SVG_INTERPRETER: /* muted violets */
		rgb[0] = 160 + c, rgb[1] = 140 + a / 2, rgb[2] = 200 + b / 3;
		break;
	case SVG_KERNEL: /* browns */
		rgb[0] = 190 + a / 2, rgb[1] = 130 + b / 2, rgb[2] = 70 + c;
		break;
	case SVG_ROOT: /* greys */
		rgb[0] = rgb[1] = rgb[2] = 190 + a / 2;
		break;
	default: /* native: warm, as flame graphs have always been */
		rgb[0] = 205 + a, rgb[1] = 80 + b * 2, rgb[2] = c;
	}
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

void
svg_node(FILE *out, const struct flame *f, size_t i, double x, size_t depth, double scale,
         int height, const struct svg_paint *paint)
{
	const struct flame_node *node = &f->nodes[i];
	double width = (double)node->count * scale;
	double y = height - SVG_BOTTOM - (double)(depth + 1) * SVG_FRAME;
	size_t fit = svg_fit(node->label, node->label_len, width - 6);
	int rgb[3];

	if (width < SVG_MIN_WIDTH)
		return;
	if (paint != NULL)
		paint->fill(f, i, rgb, paint->arg);
	else
		svg_colour(node->label, node->label_len,
		           svg_kind_of(node->label, node->label_len, depth), rgb);
	/* The label again in data-l: the script fits it to a zoomed width. */
	fprintf(out, "<g class=\"f\" data-d=\"%zu\" data-l=\"", depth);
	svg_escape(out, node->label, node->label_len);
	fputs("\"><title>", out);
	svg_escape(out, node->label, node->label_len);
	if (paint != NULL)
		paint->title(out, f, i, paint->arg);
	else
		fprintf(out, " (%" PRIu64 " %s, %.2f%%)", node->count,
		        plural(node->count, "sample", "samples"),
		        100.0 * (double)node->count / (double)f->nodes[0].count);
	fputs("</title>", out);
	fprintf(out,
	        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
	        "fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>",
	        x, y, width, SVG_FRAME - 1, rgb[0], rgb[1], rgb[2]);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + SVG_FRAME - 4);
	if (fit > 0) {
		svg_escape(out, node->label, fit);
		if (fit < node->label_len)
			fputs("..", out);
	}
	fputs("</text></g>\n", out);
	for (size_t c = node->first_child; c; c = f->nodes[c - 1].next_sibling) {
		svg_node(out, f, c - 1, x, depth + 1, scale, height, paint);
		x += (double)f->nodes[c - 1].count * scale;
	}
}

/* The graph's script: zoom (click a frame; click the root or "Reset zoom"
 * to undo) and search (a regular expression, from "Search" or the URL's
 * ?s=: matches in magenta, and the share of samples under them). Frames
 * keep their drawn geometry in data-x/data-w once the script has read it.
 * Functions are on window so that a page embedding the graph can drive it
 * (the test does). */
static const char svg_script[] =
    "<script><![CDATA[\n"
    "(function(){\n"
    "var W=%d,P=%d,C=%d,frames=[],matched=null;\n"
    "function el(id){return document.getElementById(id);}\n"
    "function fit(g,w){var t=g.querySelector('text'),l=g.getAttribute('data-l'),"
    "n=Math.floor((w-6)/C);t.textContent=n<3?'':l.length<=n?l:l.slice(0,n-2)+'..';}\n"
    "function geometry(){if(frames.length)return;document.querySelectorAll('g.f')"
    ".forEach(function(g){var r=g.querySelector('rect');frames.push({g:g,r:r,"
    "x:+r.getAttribute('x'),w:+r.getAttribute('width'),d:+g.getAttribute('data-d')});});}\n"
    "function place(f,x,w){f.r.setAttribute('x',x.toFixed(1));"
    "f.r.setAttribute('width',w.toFixed(1));"
    "f.g.querySelector('text').setAttribute('x',(x+3).toFixed(1));fit(f.g,w);}\n"
    "window.stacktopZoom=function(g){geometry();var z=null;frames.forEach(function(f){"
    "if(f.g===g)z=f;});if(!z)return;var s=(W-2*P)/z.w;frames.forEach(function(f){"
    "var inside=f.x>=z.x-1e-6&&f.x+f.w<=z.x+z.w+1e-6&&f.d>=z.d,"
    "under=f.d<z.d&&f.x<=z.x+1e-6&&f.x+f.w>=z.x+z.w-1e-6;"
    "f.g.style.display=inside||under?'':'none';f.g.style.opacity=under?'0.5':'';"
    "if(inside)place(f,P+(f.x-z.x)*s,f.w*s);else if(under)place(f,P,W-2*P);});"
    "el('reset').style.display=z.d?'':'none';};\n"
    "window.stacktopReset=function(){geometry();frames.forEach(function(f){"
    "f.g.style.display='';f.g.style.opacity='';place(f,f.x,f.w);});"
    "el('reset').style.display='none';};\n"
    "window.stacktopSearch=function(term){geometry();var re=null;"
    "try{re=term?new RegExp(term):null;}catch(e){re=null;}var spans=[];"
    "frames.forEach(function(f){var hit=re&&f.d>0&&re.test(f.g.getAttribute('data-l'));"
    "if(f.fill===undefined)f.fill=f.r.getAttribute('fill');"
    "f.r.setAttribute('fill',hit?'rgb(230,0,230)':f.fill);if(hit)spans.push([f.x,f.x+f.w]);});"
    "spans.sort(function(a,b){return a[0]-b[0];});var total=0,end=-1;"
    "spans.forEach(function(s){if(s[0]>=end){total+=s[1]-s[0];end=s[1];}"
    "else if(s[1]>end){total+=s[1]-end;end=s[1];}});"
    "matched=re?100*total/(W-2*P):null;el('matched').textContent=re?"
    "'Matched: '+matched.toFixed(1)+'%%':'';return matched;};\n"
    "document.addEventListener('click',function(e){var g=e.target.closest&&"
    "e.target.closest('g.f');if(g){if(+g.getAttribute('data-d')===0)"
    "window.stacktopReset();else window.stacktopZoom(g);}});\n"
    "el('search').addEventListener('click',function(e){e.stopPropagation();"
    "var t=window.prompt('Search frames (a regular expression)','');"
    "if(t!==null)window.stacktopSearch(t);});\n"
    "el('reset').addEventListener('click',function(e){e.stopPropagation();"
    "window.stacktopReset();});\n"
    "var q=/[?&]s=([^&]*)/.exec(window.location.search);"
    "if(q)window.stacktopSearch(decodeURIComponent(q[1]));\n"
    "})();\n"
    "]]></script>\n";

void
svg_open(FILE *out, int height)
{
	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	        "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	        "height=\"%d\" viewBox=\"0 0 %d %d\">\n"
	        "<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
	        "rect{stroke:#fff;stroke-width:0.5}g.f:hover rect{stroke:#000}"
	        "g.f,.button{cursor:pointer}.button{fill:#246}</style>\n"
	        "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f6f6f0\"/>\n",
	        SVG_WIDTH, height, SVG_WIDTH, height, SVG_WIDTH, height);
}

void
svg_buttons(FILE *out)
{
	fprintf(out,
	        "<text id=\"reset\" class=\"button\" x=\"%d\" y=\"24\" "
	        "style=\"display:none\">Reset zoom</text>\n"
	        "<text id=\"search\" class=\"button\" x=\"%d\" y=\"24\" "
	        "text-anchor=\"end\">Search</text>\n",
	        SVG_PAD, SVG_WIDTH - SVG_PAD);
}

void
svg_close(FILE *out)
{
	fprintf(out, svg_script, SVG_WIDTH, SVG_PAD, SVG_CHAR_WIDTH);
	fputs("</svg>\n", out);
}

void
profile_svg_write(FILE *out, const struct profile *p, bool per_thread)
{
	struct folded_line *lines;
	size_t n = profile_fold(p, per_thread, &lines);
	struct flame f = {0};
	char comm[COMM_MAX];
	int height;
	double scale;
	double achieved = p->duration_s > 0 ? (double)p->ticks / p->duration_s : 0;

	flame_build(&f, lines, n);
	height = SVG_TOP + (int)(f.depth + 1) * SVG_FRAME + SVG_BOTTOM;
	scale = f.nodes[0].count ? (double)(SVG_WIDTH - 2 * SVG_PAD) / (double)f.nodes[0].count : 0;
	svg_open(out, height);
	fprintf(out, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" style=\"font-size:17px\">",
	        SVG_WIDTH / 2);
	/* The process name is the target's: sanitized like every label. */
	sanitize_text(p->comm, strlen(p->comm), comm, sizeof(comm));
	if (p->tree_root > 0) {
		fprintf(out, "stacktop record --tree: PID %d and its descendants</text>\n",
		        p->tree_root);
	} else if (p->pid == 0) {
		fputs("stacktop record -a: every process</text>\n", out);
	} else {
		fprintf(out, "stacktop record: PID %d (", p->pid);
		svg_escape(out, comm, strlen(comm));
		fputs(")</text>\n", out);
	}
	svg_buttons(out);
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\">%" PRIu64 " %s in %" PRIu64
	        " %s over %.2f s: %.1f Hz achieved of %.0f asked; %s</text>\n",
	        SVG_PAD, height - 28, p->samples, plural(p->samples, "sample", "samples"), p->ticks,
	        plural(p->ticks, "round", "rounds"), p->duration_s, achieved, p->requested_hz,
	        per_thread ? "a tower per thread" : "threads merged (--per-thread splits them)");
	fprintf(out,
	        "<text x=\"%d\" y=\"%d\">Click a frame to zoom, Search to highlight; colours: "
	        "<tspan fill=\"rgb(80,180,120)\">Python</tspan>, "
	        "<tspan fill=\"rgb(220,120,20)\">native</tspan>, "
	        "<tspan fill=\"rgb(170,150,215)\">interpreter</tspan>, "
	        "<tspan fill=\"rgb(200,140,80)\">kernel</tspan></text>\n"
	        "<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"></text>\n",
	        SVG_PAD, height - 10, SVG_WIDTH - SVG_PAD, height - 10);
	if (f.nodes[0].count > 0)
		svg_node(out, &f, 0, SVG_PAD, 0, scale, height, NULL);
	svg_close(out);
	free(f.nodes);
	profile_fold_free(lines, n);
}
