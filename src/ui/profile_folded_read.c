#include "profile_folded_read.h"

#include "../sanitize.h"
#include "../xmalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool
folded_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The count at the end of line[0..len): its start in *at. Returns 0, or
 * -EINVAL with *why (static text). */
static int
folded_count(const char *line, size_t len, size_t *at, uint64_t *count, const char **why)
{
	size_t start = len;
	uint64_t v = 0;

	while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9')
		start--;
	if (start == len) {
		*why = "no count at its end (folded stacks are 'frame;frame;...;leaf COUNT')";
		return -EINVAL;
	}
	if (start == 0 || !folded_is_blank(line[start - 1])) {
		*why = start == 0 ? "a count but no stack before it"
		                  : "no blank between the stack and its count";
		return -EINVAL;
	}
	for (size_t i = start; i < len; i++) {
		v = v * 10 + (uint64_t)(line[i] - '0');
		if (v > PROFILE_FOLDED_MAX_COUNT) {
			*why = "its count is too large (at most 2^53)";
			return -EINVAL;
		}
	}
	*at = start;
	*count = v;
	return 0;
}

int
profile_folded_read(const char *buf, size_t len, struct folded_line **lines, size_t *n,
                    char **cause)
{
	struct folded_line *out = NULL;
	size_t nout = 0, cap = 0, number = 0;
	uint64_t total = 0;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t linelen = (nl != NULL ? nl : end) - p, at, stack_len;
		const char *line = p, *why = NULL;
		uint64_t count;

		number++;
		p = nl != NULL ? nl + 1 : end;
		while (linelen > 0 &&
		       (line[linelen - 1] == '\r' || folded_is_blank(line[linelen - 1])))
			linelen--;
		stack_len = linelen;
		while (stack_len > 0 && folded_is_blank(line[0]))
			line++, stack_len--;
		if (stack_len == 0)
			continue;
		if (folded_count(line, stack_len, &at, &count, &why) != 0)
			goto bad;
		while (at > 0 && folded_is_blank(line[at - 1]))
			at--;
		if (count == 0)
			continue;
		if (total + count > PROFILE_FOLDED_MAX_COUNT) {
			why = "the counts add up to more than 2^53";
			goto bad;
		}
		total += count;
		if (nout == cap) {
			cap = cap ? cap * 2 : 64;
			out = xreallocarray(out, cap, sizeof(*out));
		}
		/* Sanitizing never lengthens: each bad byte becomes one '?'. */
		out[nout].stack = xmalloc(at + 1);
		sanitize_text(line, at, out[nout].stack, at + 1);
		out[nout++].count = count;
		continue;
	bad:
		*cause = xasprintf("line %zu: %s", number, why);
		profile_fold_free(out, nout);
		return -EINVAL;
	}
	*n = profile_fold_merge(out, nout);
	*lines = out != NULL ? out : xcalloc(1, sizeof(*out));
	return 0;
}
