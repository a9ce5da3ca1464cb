/* A minimal unit-test harness: CHECK records a failure with its location and
 * carries on, so one run reports every broken expectation. */
#ifndef STACKTOP_CHECK_H
#define STACKTOP_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

static inline bool
check_at(bool ok, const char *what, const char *file, int line)
{
	check_count++;
	if (!ok) {
		check_failures++;
		fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	}
	return ok;
}

static inline bool
check_str_at(const char *got, const char *want, const char *file, int line)
{
	bool ok = got != NULL && strcmp(got, want) == 0;

	check_count++;
	if (!ok) {
		check_failures++;
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", file, line,
		        got ? got : "(null)", want);
	}
	return ok;
}

#define CHECK(cond)          check_at((cond), #cond, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str_at((got), (want), __FILE__, __LINE__)

/* The exit status of a test program: 0 when every check held. */
static inline int
check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures == 0 ? 0 : 1;
}

#endif
