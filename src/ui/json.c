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

void
json_member_time(struct json *j, const char *key, const struct timespec *when)
{
	char text[40];
	struct tm tm;
	size_t n;

	gmtime_r(&when->tv_sec, &tm);
	n = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(text + n, sizeof(text) - n, ".%03dZ", (int)(when->tv_nsec / 1000000));
	json_key(j, key);
	json_string(j, text);
}

void
json_member_address(struct json *j, const char *key, uint64_t address)
{
	char hex_key[64], hex[24];

	snprintf(hex_key, sizeof(hex_key), "%s_hex", key);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)address);
	json_key(j, key);
	if (address != 0)
		json_int(j, (int64_t)address);
	else
		json_null(j);
	json_key(j, hex_key);
	json_string(j, address != 0 ? hex : NULL);
}

void
json_document_begin(struct json *j, const char *schema, const struct timespec *taken_at)
{
	json_object_begin(j);
	json_key(j, "schema");
	json_string(j, schema);
	json_member_time(j, "taken_at", taken_at);
	json_key(j, "stacktop_version");
	json_string(j, STACKTOP_VERSION);
}

void
json_member_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void
json_member_double(struct json *j, const char *key, double v, int decimals)
{
	json_key(j, key);
	json_double(j, v, decimals);
}
