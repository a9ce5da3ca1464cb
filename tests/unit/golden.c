#include "golden.h"

#include "sanitize.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

FILE *
golden_open(struct golden *g, const char *dir, const char *name)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->path, sizeof(g->path), "%s/%s", dir, name);
	g->out = open_memstream(&g->buf, &g->len);
	if (g->out == NULL)
		abort(); /* out of memory, as xmalloc would */
	return g->out;
}

static void
golden_end(struct golden *g)
{
	if (g->out != NULL)
		fclose(g->out);
	g->out = NULL;
}

void
golden_replace(struct golden *g, const char *from, const char *to)
{
	size_t nfrom = strlen(from), nto = strlen(to), len = 0, at = 0;
	char *out;

	golden_end(g);
	if (nfrom == 0)
		return;
	/* At most one to per byte of the output. */
	out = xmalloc(g->len / nfrom * nto + g->len + 1);
	while (at < g->len) {
		const char *hit = memmem(g->buf + at, g->len - at, from, nfrom);
		size_t keep = hit != NULL ? (size_t)(hit - g->buf) - at : g->len - at;

		memcpy(out + len, g->buf + at, keep);
		len += keep;
		at += keep;
		if (hit != NULL) {
			memcpy(out + len, to, nto);
			len += nto;
			at += nfrom;
		}
	}
	out[len] = '\0';
	free(g->buf);
	g->buf = out;
	g->len = len;
}

/* The whole of path, NUL-terminated, in *buf (owned); its length in *len.
 * Returns 0 or -errno. */
static int
golden_read(const char *path, char **buf, size_t *len)
{
	FILE *in = fopen(path, "rb");
	FILE *mem;
	char chunk[4096];
	size_t n;

	if (in == NULL)
		return -errno;
	mem = open_memstream(buf, len);
	if (mem == NULL)
		abort();
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(mem);
	fclose(in);
	return 0;
}

static bool
golden_write(const struct golden *g)
{
	FILE *f = fopen(g->path, "wb");
	bool ok = f != NULL && fwrite(g->buf, 1, g->len, f) == g->len;

	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "%s: cannot write: %s\n", g->path, strerror(errno));
	else
		fprintf(stderr, "%s: written (STACKTOP_GOLDEN_UPDATE)\n", g->path);
	return ok;
}

/* Prints s[0..len) (part of a line) between before and after, readably:
 * valid UTF-8 as it is, other bytes and controls as \xNN, so that a broken
 * renderer cannot garble the log. */
static void
golden_print_line(const char *before, const char *s, size_t len, const char *after)
{
	size_t i = 0;

	fputs(before, stderr);
	while (i < len) {
		uint32_t cp;
		size_t n = sanitize_utf8_decode((const unsigned char *)s + i, len - i, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f) {
			fprintf(stderr, "\\x%02x", (unsigned char)s[i]);
			i++;
		} else {
			fwrite(s + i, 1, n, stderr);
			i += n;
		}
	}
	fputs(after, stderr);
}

/* The bytes shown of a line on each side of its first difference: a JSON
 * document is one long line. */
#define GOLDEN_CONTEXT 60

/* Prints the line of buf[0..len) that starts at start, around byte at, or
 * that there is none. */
static void
golden_print_side(const char *prefix, const char *buf, size_t len, size_t start, size_t at)
{
	const char *nl;
	size_t end, from, to;

	if (start >= len) {
		fprintf(stderr, "%s(end of file)\n", prefix);
		return;
	}
	nl = memchr(buf + start, '\n', len - start);
	end = nl != NULL ? (size_t)(nl - buf) : len;
	from = at > start + GOLDEN_CONTEXT ? at - GOLDEN_CONTEXT : start;
	to = end > at + GOLDEN_CONTEXT ? at + GOLDEN_CONTEXT : end;
	fputs(prefix, stderr);
	golden_print_line(from > start ? "..." : "", buf + from, to - from,
	                  to < end ? "...\n" : "\n");
}

/* Prints the first line where got and want differ, like a unified diff
 * with one line of each. */
static void
golden_print_diff(const char *path, const char *want, size_t nwant, const char *got, size_t ngot)
{
	size_t i = 0, line = 1, start = 0;

	while (i < nwant && i < ngot && want[i] == got[i]) {
		if (want[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fprintf(stderr, "--- %s\n+++ rendered\n@@ line %zu, column %zu (byte %zu) @@\n", path, line,
	        i - start + 1, i);
	golden_print_side("-", want, nwant, start, i);
	golden_print_side("+", got, ngot, start, i);
	fprintf(stderr, "(STACKTOP_GOLDEN_UPDATE=1 rewrites the golden files; then review "
	                "git diff tests/golden)\n");
}

bool
golden_check(struct golden *g)
{
	const char *update = getenv("STACKTOP_GOLDEN_UPDATE");
	char *want = NULL;
	size_t nwant = 0;
	bool ok;
	int err;

	golden_end(g);
	if (update != NULL && strcmp(update, "1") == 0) {
		ok = golden_write(g);
	} else if ((err = golden_read(g->path, &want, &nwant)) < 0) {
		fprintf(stderr, "%s: cannot read: %s (STACKTOP_GOLDEN_UPDATE=1 writes it)\n",
		        g->path, strerror(-err));
		ok = false;
	} else {
		ok = nwant == g->len && memcmp(want, g->buf, nwant) == 0;
		if (!ok)
			golden_print_diff(g->path, want, nwant, g->buf, g->len);
	}
	free(want);
	free(g->buf);
	g->buf = NULL;
	g->len = 0;
	return ok;
}

void
golden_replace_version(struct golden *g)
{
	golden_replace(g, "\"stacktop_version\":\"" STACKTOP_VERSION "\"",
	               "\"stacktop_version\":\"VERSION\"");
}
