#include "profile_fold.h"

#include "../sanitize.h"
#include "../xmalloc.h"
#include "text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
struct fold_buf {
	char *s;
	size_t len, cap;
};

static void
fold_append(struct fold_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* Appends a label: sanitized, with ';' (the separator) made ':'. */
static void
fold_append_label(struct fold_buf *b, const char *raw)
{
	char clean[1024];

	sanitize_text(raw, strlen(raw), clean, sizeof(clean));
	for (char *c = clean; *c; c++)
		if (*c == ';')
			*c = ':';
	fold_append(b, clean);
}

static int
compare_lines(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack,
	              ((const struct folded_line *)b)->stack);
}

size_t
profile_fold(const struct profile *p, bool threads, struct folded_line **lines)
{
	struct folded_line *out = xcalloc(p->nstacks ? p->nstacks : 1, sizeof(*out));
	size_t n = 0;

	for (size_t i = 0; i < p->nstacks; i++) {
		const struct profile_stack *s = &p->stacks[i];
		struct fold_buf b = {0};
		char label[1024];

		if (s->count == 0)
			continue;
		/* A system-wide profile's roots are processes, named as their
		 * threads are. */
		if (p->pid == 0) {
			fold_append(&b, "process ");
			fold_append_label(&b, s->process);
			snprintf(label, sizeof(label), " (%d)", s->pid);
			fold_append(&b, label);
		}
		if (threads) {
			fold_append(&b, p->pid == 0 ? ";thread " : "thread ");
			fold_append_label(
			    &b, text_thread_label(s->thread, s->python_name, label, sizeof(label)));
			snprintf(label, sizeof(label), " (%d)", s->tid);
			fold_append(&b, label);
		}
		for (size_t f = s->nframes; f > 0; f--) {
			/* A separator before every frame but a root one. */
			if (b.len > 0)
				fold_append(&b, ";");
			fold_append_label(
			    &b, profile_frame_label(&s->frames[f - 1], label, sizeof(label)));
		}
		if (b.len == 0) /* no thread root asked for, and no frame */
			fold_append(&b, "[unknown]");
		out[n++] = (struct folded_line){b.s, s->count};
	}
	*lines = out;
	return profile_fold_merge(out, n);
}

size_t
profile_fold_merge(struct folded_line *lines, size_t n)
{
	size_t merged = 0;

	if (n > 0)
		qsort(lines, n, sizeof(*lines), compare_lines);
	for (size_t i = 0; i < n; i++) {
		if (merged > 0 && strcmp(lines[merged - 1].stack, lines[i].stack) == 0) {
			lines[merged - 1].count += lines[i].count;
			free(lines[i].stack);
		} else {
			lines[merged++] = lines[i];
		}
	}
	return merged;
}

void
profile_fold_free(struct folded_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
}

void
profile_fold_write(FILE *out, const struct profile *p)
{
	struct folded_line *lines;
	size_t n = profile_fold(p, true, &lines);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s %" PRIu64 "\n", lines[i].stack, lines[i].count);
	profile_fold_free(lines, n);
}
