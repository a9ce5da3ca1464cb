/* python_types_diff: two censuses of a process's objects compared by type
 * name; types that appear, vanish, shrink or stay equal; the growth order;
 * the interval between the censuses. */
#include "check.h"
#include "python_types_diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A census of rows (names borrowed: the test's literals). */
static struct python_types
census(struct python_type_row *rows, size_t n, double taken_s)
{
	return (struct python_types){.types = rows, .ntypes = n, .taken_s = taken_s};
}

static const struct python_type_change *
find(const struct python_type_change *rows, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

static void
test_changes(void)
{
	struct python_type_row b[] = {
	    {(char *)"dict", 1000, 100000, 0}, {(char *)"HxConn", 500, 28000, 0},
	    {(char *)"Gone", 40, 2240, 0},     {(char *)"list", 300, 30000, 0},
	    {(char *)"tuple", 200, 12800, 0},  {(char *)"Registry", 1, 64, 0},
	};
	struct python_type_row a[] = {
	    {(char *)"HxConn", 4500, 252000, 2}, {(char *)"dict", 1000, 100000, 0},
	    {(char *)"list", 250, 26000, 0},     {(char *)"tuple", 200, 12800, 0},
	    {(char *)"New", 10, 560, 0},         {(char *)"Registry", 1, 4160, 0},
	};
	struct python_types before = census(b, 6, 100.0), after = census(a, 6, 102.5);
	size_t n;
	struct python_type_change *rows = python_types_diff(&before, &after, &n);
	const struct python_type_change *c;

	/* Six names at each end, seven in all: Gone vanished, New appeared. */
	if (!CHECK(n == 7))
		return;
	/* Grew in count. */
	c = find(rows, n, "HxConn");
	CHECK(c != NULL && c->count == 4500 && c->count_before == 500 && c->count_delta == 4000 &&
	      c->bytes == 252000 && c->bytes_before == 28000 && c->bytes_delta == 224000 &&
	      c->size_errors == 2 && c->after == 0);
	/* Appeared: 0 at the start. */
	c = find(rows, n, "New");
	CHECK(c != NULL && c->count_before == 0 && c->bytes_before == 0 && c->count_delta == 10 &&
	      c->bytes_delta == 560 && c->after == 4);
	/* Vanished: 0 at the end, and no row of after. */
	c = find(rows, n, "Gone");
	CHECK(c != NULL && c->count == 0 && c->bytes == 0 && c->count_before == 40 &&
	      c->count_delta == -40 && c->bytes_delta == -2240 && c->after == PYTHON_TYPE_ABSENT);
	/* Shrank. */
	c = find(rows, n, "list");
	CHECK(c != NULL && c->count_delta == -50 && c->bytes_delta == -4000 && c->after == 2);
	/* Equal. */
	c = find(rows, n, "tuple");
	CHECK(c != NULL && c->count_delta == 0 && c->bytes_delta == 0 && c->after == 3);
	/* As many objects, more bytes: a registry growing its table. */
	c = find(rows, n, "Registry");
	CHECK(c != NULL && c->count_delta == 0 && c->bytes_delta == 4096);

	/* Growth order: count delta, then bytes delta, then the count at the
	 * end; the rows that grew first. */
	const char *want[] = {"HxConn", "New", "Registry", "dict", "tuple", "Gone", "list"};
	for (size_t i = 0; i < n; i++)
		CHECK_STR(rows[i].name, want[i]);
	for (size_t i = 0; i < n; i++)
		CHECK(python_type_change_grew(&rows[i]) == (i < 3));
	CHECK(fabs(python_types_interval_s(&before, &after) - 2.5) < 1e-9);
	free(rows);
}

/* Ties in the count's change are broken by bytes (a class and the __dict__
 * of each instance), then by the count, then by name. */
static void
test_ties(void)
{
	struct python_type_row b[] = {
	    {(char *)"b", 10, 100, 0},
	    {(char *)"a", 10, 100, 0},
	};
	struct python_type_row a[] = {
	    {(char *)"Conn", 1010, 56000, 0}, {(char *)"dict", 1010, 104000, 0},
	    {(char *)"b", 10, 100, 0},        {(char *)"a", 10, 100, 0},
	    {(char *)"big", 99, 100, 0},
	};
	struct python_types before = census(b, 2, 0), after = census(a, 5, 0);
	size_t n;
	struct python_type_change *rows = python_types_diff(&before, &after, &n);

	if (CHECK(n == 5)) {
		const char *want[] = {"dict", "Conn", "big", "a", "b"};

		/* dict and Conn appeared with 1010 each (dict has more bytes),
		 * big with 99; a and b are equal in all but name. */
		for (size_t i = 0; i < n; i++)
			CHECK_STR(rows[i].name, want[i]);
	}
	/* Times unknown: no interval. */
	CHECK(isnan(python_types_interval_s(&before, &after)));
	free(rows);
}

/* Empty and missing censuses; totals at the ends of uint64_t. */
static void
test_edges(void)
{
	struct python_type_row a[] = {{(char *)"huge", 1, UINT64_MAX, 0}};
	struct python_types empty = census(NULL, 0, 1), after = census(a, 1, 2);
	size_t n = 99;
	struct python_type_change *rows = python_types_diff(&empty, &empty, &n);

	CHECK(rows == NULL && n == 0);
	rows = python_types_diff(NULL, &after, &n);
	CHECK(n == 1 && rows[0].count_delta == 1 && rows[0].bytes_delta == INT64_MAX);
	free(rows);
	rows = python_types_diff(&after, NULL, &n);
	CHECK(n == 1 && rows[0].count_delta == -1 && rows[0].bytes_delta == INT64_MIN &&
	      rows[0].after == PYTHON_TYPE_ABSENT);
	free(rows);
	CHECK(isnan(python_types_interval_s(NULL, &after)));
}

int
main(void)
{
	test_changes();
	test_ties();
	test_edges();
	return check_done("test_python_types_diff");
}
