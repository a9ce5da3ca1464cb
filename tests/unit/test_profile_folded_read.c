/* The folded-stacks reader of stacktop diff: good input (blanks, CRLF,
 * repeated stacks merged, zero counts dropped, controls sanitized), and
 * malformed or cut input refused with the line's number, never a crash. */
#include "check.h"
#include "ui/profile_folded_read.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Parses text; returns the status, lines in *lines and *n, the cause in
 * *cause (both owned). */
static int
parse(const char *text, struct folded_line **lines, size_t *n, char **cause)
{
	*lines = NULL;
	*n = 0;
	*cause = NULL;
	return profile_folded_read(text, strlen(text), lines, n, cause);
}

static void
test_good(void)
{
	struct folded_line *l;
	size_t n;
	char *cause;
	int rc = parse("thread a (1);main;work 3\n"
	               "\n"
	               "  thread a (1);main;idle\t7\r\n"
	               "thread a (1);main;work 2\n"
	               "thread a (1);main;never 0\n"
	               "bell\x07;x 1", /* no newline at the end */
	               &l, &n, &cause);

	CHECK(rc == 0 && cause == NULL);
	if (!CHECK(n == 3))
		return;
	/* Sorted by stack text, the two work lines merged. */
	CHECK_STR(l[0].stack, "bell?;x");
	CHECK(l[0].count == 1);
	CHECK_STR(l[1].stack, "thread a (1);main;idle");
	CHECK(l[1].count == 7);
	CHECK_STR(l[2].stack, "thread a (1);main;work");
	CHECK(l[2].count == 5);
	profile_fold_free(l, n);

	/* Nothing but blanks: no lines, no error (the caller says "no samples"). */
	CHECK(parse("\n \n", &l, &n, &cause) == 0 && n == 0 && l != NULL);
	profile_fold_free(l, n);
}

/* text is refused with a cause that starts with want. */
static void
check_bad(const char *text, const char *want)
{
	struct folded_line *l;
	size_t n;
	char *cause;
	int rc = parse(text, &l, &n, &cause);

	CHECK(rc == -EINVAL);
	if (CHECK(cause != NULL) && !CHECK(strncmp(cause, want, strlen(want)) == 0))
		fprintf(stderr, "  cause: %s\n", cause);
	free(cause);
}

static void
test_malformed(void)
{
	check_bad("a;b 1\nno count here\n", "line 2: no count at its end");
	check_bad("a;b 1\n\n\na;b x12\n", "line 4: no blank between the stack and its count");
	check_bad("42\n", "line 1: a count but no stack before it");
	check_bad("a;b 1.5\n", "line 1: no blank between");
	check_bad("a;b -3\n", "line 1: no blank between");
	check_bad("a 99999999999999999999999\n", "line 1: its count is too large");
	check_bad("a 9007199254740992\nb 1\n", "line 2: the counts add up to more than 2^53");
	/* Cut in the middle of a line: its count is missing. */
	check_bad("a;b 10\nc;d", "line 2: no count at its end");
	/* Binary junk. */
	check_bad("\x1f\x8b\x08\x00 junk", "line 1: no count at its end");
}

int
main(void)
{
	test_good();
	test_malformed();
	return check_done("test_profile_folded_read");
}
