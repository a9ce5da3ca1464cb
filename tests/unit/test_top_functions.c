/* The functions page's ranking, on a hand-made system-wide profile: self is
 * the innermost frame's, total counts a function once per stack however
 * deep it recurses, the scope keeps one process or one thread, and where a
 * walk was cut is no function. */
#include "check.h"
#include "profile.h"
#include "top_functions.h"
#include "xmalloc.h"

#include <stdlib.h>

/* Adds a stack of names[0..n) (innermost first) of pid/tid, count times. */
static void
add(struct profile *p, int pid, int tid, const char *const *names, size_t n, uint64_t count)
{
	struct frame_row *f = xcalloc(n, sizeof(*f));
	uint64_t key[8];
	struct profile_stack *s;

	key[0] = (uint64_t)pid;
	for (size_t i = 0; i < n; i++) {
		f[i].function = xstrdup(names[i]);
		key[i + 1] = (uint64_t)names[i][0] * 1000 + i;
	}
	s = profile_add(p, tid, "t", key, n + 1, f, n);
	s->pid = pid;
	s->count = count;
	p->samples += count;
}

static const struct top_function *
find(const struct top_function *f, size_t n, const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].label, label) == 0)
			return &f[i];
	return NULL;
}

int
main(void)
{
	struct profile *p = profile_new(0, "");
	const char *const hot[] = {"spin", "work", "main"};
	const char *const rec[] = {"fib", "fib", "fib", "main"};
	const char *const other[] = {"poll", "[cut: depth cap 2048]"};
	struct top_function *f;
	uint64_t samples;
	size_t n;

	add(p, 10, 11, hot, 3, 60);
	add(p, 10, 12, rec, 4, 30);
	add(p, 20, 21, other, 2, 10);

	n = top_functions_rank(p, 0, 0, &f, &samples);
	CHECK(samples == 100);
	CHECK(n == 5); /* spin work main fib poll: no [cut] */
	CHECK_STR(f[0].label, "spin");
	CHECK(f[0].self == 60 && f[0].total == 60);
	CHECK_STR(f[1].label, "fib");
	CHECK(f[1].self == 30 && f[1].total == 30); /* recursion counted once */
	CHECK(find(f, n, "main") != NULL && find(f, n, "main")->total == 90 &&
	      find(f, n, "main")->self == 0);
	CHECK(find(f, n, "[cut: depth cap 2048]") == NULL);
	top_functions_rank_free(f, n);

	n = top_functions_rank(p, 20, 0, &f, &samples);
	CHECK(samples == 10 && n == 1);
	CHECK_STR(f[0].label, "poll");
	top_functions_rank_free(f, n);

	n = top_functions_rank(p, 10, 12, &f, &samples);
	CHECK(samples == 30 && n == 2);
	CHECK_STR(f[0].label, "fib");
	CHECK(find(f, n, "spin") == NULL);
	top_functions_rank_free(f, n);

	n = top_functions_rank(p, 30, 0, &f, &samples);
	CHECK(samples == 0 && n == 0);
	top_functions_rank_free(f, n);
	profile_free(p);
	return check_done("top_functions");
}
