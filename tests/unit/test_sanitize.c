/* Terminal sanitizing and JSON escaping of hostile strings. */
#include "check.h"
#include "sanitize.h"
#include "ui/json.h"

#include <stdlib.h>

static const char *
clean(const char *in, size_t len)
{
	static char out[256];

	return sanitize_text(in, len, out, sizeof(out));
}

static void
test_sanitize(void)
{
	CHECK_STR(clean("plain name", 10), "plain name");
	CHECK_STR(clean("\x1b[31mred", 8), "?[31mred");
	CHECK_STR(clean("a\nb\tc\x07", 6), "a?b?c?");
	CHECK_STR(clean("\x7f", 1), "?");
	/* C1 CSI (U+009B) is a control for many terminals. */
	CHECK_STR(clean("\xc2\x9b"
	                "31m",
	                5),
	          "?31m");
	/* Invalid UTF-8: a stray continuation, a truncated sequence, an overlong
	 * slash, a surrogate. */
	CHECK_STR(clean("\x80x", 2), "?x");
	CHECK_STR(clean("\xe2\x82", 2), "??");
	CHECK_STR(clean("\xc0\xaf", 2), "??");
	CHECK_STR(clean("\xed\xa0\x80", 3), "???");
	/* Valid UTF-8 passes; bidi overrides do not. */
	CHECK_STR(clean("caf\xc3\xa9", 5), "caf\xc3\xa9");
	CHECK_STR(clean("\xe2\x80\xae"
	                "abc",
	                6),
	          "?abc");
	CHECK_STR(clean("a\0b", 3), "a?b");
	CHECK(sanitize_width("caf\xc3\xa9") == 4);

	/* Truncation stops at a code point boundary. */
	char small[5];
	sanitize_text("ab\xc3\xa9\xc3\xa9", 6, small, sizeof(small));
	CHECK_STR(small, "ab\xc3\xa9");
}

static char *
json_of(const char *s, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "s");
	json_string_len(&j, s, len);
	json_key(&j, "n");
	json_double(&j, 0.0 / 0.0, 2);
	json_key(&j, "a");
	json_array_begin(&j);
	json_int(&j, 1);
	json_int(&j, -2);
	json_array_end(&j);
	json_object_end(&j);
	fclose(f);
	return buf;
}

static void
test_json(void)
{
	char *s = json_of("q\"b\\\n\x1b\xff\xc3\xa9\0z", 11);

	CHECK_STR(s, "{\"s\":\"q\\\"b\\\\\\u000a\\u001b\\ufffd\xc3\xa9\\u0000z\",\"n\":null,"
	             "\"a\":[1,-2]}");
	free(s);
	/* C1 (here CSI), a bidirectional override and U+2028: escaped, as the
	 * text renderers replace them. */
	s = json_of("\xc2\x9b\xe2\x80\xae\xe2\x80\xa8", 8);
	CHECK_STR(s, "{\"s\":\"\\u009b\\u202e\\u2028\",\"n\":null,\"a\":[1,-2]}");
	free(s);
}

int
main(void)
{
	test_sanitize();
	test_json();
	return check_done("sanitize");
}
