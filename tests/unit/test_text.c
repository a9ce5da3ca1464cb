/* The text renderers' helpers: lines cut to a width by code point, and the
 * noun for a count. */
#include "check.h"
#include "plural.h"
#include "ui/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* text_cut_lines of in at width, as a string (owned). */
static char *
cut(const char *in, size_t width)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	text_cut_lines(f, in, strlen(in), width);
	fclose(f);
	return text;
}

static void
check_cut(const char *in, size_t width, const char *want)
{
	char *got = cut(in, width);

	CHECK_STR(got, want);
	free(got);
}

int
main(void)
{
	check_cut("abcdef\nxy\n", 3, "abc\nxy\n");
	check_cut("abc\n", 3, "abc\n");
	check_cut("\n\nabcd", 2, "\n\nab");
	/* A code point is a column, its bytes kept together. */
	check_cut("w\xc3\xb6rker\n", 2, "w\xc3\xb6\n");
	check_cut("w\xc3\xb6rker\n", 1, "w\n");
	check_cut("\xe2\x80\xa6\xe2\x80\xa6\xe2\x80\xa6x\n", 2, "\xe2\x80\xa6\xe2\x80\xa6\n");
	check_cut("ab\xf0\x9f\x98\x80"
	          "cd\n",
	          3, "ab\xf0\x9f\x98\x80\n");

	CHECK_STR(plural(1, "thread", "threads"), "thread");
	CHECK_STR(plural(0, "thread", "threads"), "threads");
	CHECK_STR(plural(2, "process", "processes"), "processes");
	return check_done("test_text");
}
