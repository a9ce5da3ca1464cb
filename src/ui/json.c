#include "json.h"

#include "../sanitize.h"

#include <math.h>
#include <string.h>

void
json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = true;
}

void
json_finish(struct json *j)
{
	fputc('\n', j->out);
}

/* Writes the separator a new value needs at the current position. */
static void
json_separate(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
}

static void
json_open(struct json *j, char c)
{
	json_separate(j);
	fputc(c, j->out);
	/* Our documents are shallow; deeper nesting is a bug of ours. */
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void
json_close(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->out);
}

void
json_object_begin(struct json *j)
{
	json_open(j, '{');
}

void
json_object_end(struct json *j)
{
	json_close(j, '}');
}

void
json_array_begin(struct json *j)
{
	json_open(j, '[');
}

void
json_array_end(struct json *j)
{
	json_close(j, ']');
}

static void
json_write_escaped(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		uint32_t cp;
		size_t n = sanitize_utf8_decode(s + i, len - i, &cp);

		if (n == 0) {
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (int)cp);
		/* JSON needs only C0 escaped; the rest of what a terminal acts
		 * on (C1, bidirectional controls) is escaped too, as the text
		 * renderers replace it, so that a document printed on a terminal
		 * cannot drive it. U+2028 and U+2029 end a JavaScript line. */
		else if (sanitize_is_control(cp))
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			fwrite(s + i, 1, n, out);
		i += n;
	}
	fputc('"', out);
}

void
json_key(struct json *j, const char *key)
{
	json_separate(j);
	json_write_escaped(j->out, key, strlen(key));
	fputc(':', j->out);
	j->after_key = true;
}

void
json_string(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_string_len(j, s, strlen(s));
}

void
json_string_len(struct json *j, const char *s, size_t len)
{
	json_separate(j);
	json_write_escaped(j->out, s, len);
}

void
json_int(struct json *j, int64_t v)
{
	json_separate(j);
	fprintf(j->out, "%lld", (long long)v);
}

void
json_double(struct json *j, double v, int decimals)
{
	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	json_separate(j);
	fprintf(j->out, "%.*f", decimals, v);
}

void
json_bool(struct json *j, bool v)
{
	json_separate(j);
	fputs(v ? "true" : "false", j->out);
}

void
json_null(struct json *j)
{
	json_separate(j);
	fputs("null", j->out);
}

void
json_member_count(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	if (v < 0)
		json_null(j);
	else
		json_int(j, v);
}
