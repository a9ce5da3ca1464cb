#include "text.h"

#include "../sanitize.h"
#include "../syscall_names.h"
#include "../xmalloc.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void
text_field(FILE *out, const char *raw, size_t len, size_t width, int pad)
{
	/* Four bytes per column is the most UTF-8 needs. */
	size_t cap = width * 4 + 1;
	char *clean = xmalloc(cap);
	size_t w, cut = 0;

	sanitize_text(raw, len, clean, cap);
	/* Cut at a code point boundary once width columns are used. */
	for (w = 0; clean[cut] != '\0'; cut++) {
		if (((unsigned char)clean[cut] & 0xc0) != 0x80) {
			if (w == width)
				break;
			w++;
		}
	}
	clean[cut] = '\0';
	fputs(clean, out);
	for (; pad && w < width; w++)
		fputc(' ', out);
	free(clean);
}

void
text_cut_lines(FILE *out, const char *buf, size_t len, size_t width)
{
	size_t w = 0;
	bool keep = true; /* the current code point is within the width */

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			w = 0;
			keep = true;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			/* A code point starts: it takes a column. */
			keep = w < width;
			w += keep;
		}
		if (keep)
			fputc(buf[i], out);
	}
}

size_t
text_width(const char *raw)
{
	char clean[1024];

	return sanitize_width(sanitize_text(raw, strlen(raw), clean, sizeof(clean)));
}

char *
text_thread_label(const char *os_name, const char *python_name, char *buf, size_t size)
{
	if (python_name == NULL || strcmp(python_name, os_name) == 0)
		snprintf(buf, size, "%s", python_name != NULL ? python_name : os_name);
	else
		snprintf(buf, size, "%s (%s)", python_name, os_name);
	return buf;
}

char *
text_kib(char *buf, size_t size, int64_t kib)
{
	if (kib < 0)
		snprintf(buf, size, "-");
	else if (kib < 1024)
		snprintf(buf, size, "%lldK", (long long)kib);
	else if (kib < 1024 * 1024)
		snprintf(buf, size, "%.1fM", (double)kib / 1024);
	else
		snprintf(buf, size, "%.2fG", (double)kib / (1024 * 1024));
	return buf;
}

char *
text_pct(char *buf, size_t size, double pct)
{
	if (isnan(pct))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1f", pct);
	return buf;
}

char *
text_uptime(char *buf, size_t size, double seconds)
{
	long up = isnan(seconds) ? 0 : (long)seconds;

	snprintf(buf, size, "%ldd %02ld:%02ld", up / 86400, up / 3600 % 24, up / 60 % 60);
	return buf;
}

const char *
text_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool
text_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

char
text_state(char state)
{
	return (state >= 'A' && state <= 'Z') || (state >= 'a' && state <= 'z') ? state : '?';
}

/* "read", "futex (futex_wait_queue)", "pipe_read", or "-" when running. */
void
text_activity(FILE *out, const struct thread_row *t)
{
	const char *name = t->syscall >= 0 ? syscall_name(t->syscall) : NULL;
	int wrote = 0;

	if (t->syscall >= 0) {
		if (name)
			fputs(name, out);
		else
			fprintf(out, "syscall_%d", t->syscall);
		wrote = 1;
	}
	if (t->wchan != NULL && t->wchan[0] != '\0') {
		fputs(wrote ? " (" : "", out);
		text_field(out, t->wchan, strlen(t->wchan), 40, 0);
		fputs(wrote ? ")" : "", out);
		wrote = 1;
	}
	if (!wrote)
		fputs(t->syscall == SYSCALL_RUNNING ? "running" : "-", out);
}
