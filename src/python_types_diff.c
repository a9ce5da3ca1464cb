#include "python_types_diff.h"

#include "xmalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Orders pointers to rows by their names. */
static int
diff_by_name(const void *a, const void *b)
{
	const struct python_type_row *x = *(const struct python_type_row *const *)a;
	const struct python_type_row *y = *(const struct python_type_row *const *)b;

	return strcmp(x->name, y->name);
}

/* Growth order (see python_types_diff). */
static int
diff_by_growth(const void *a, const void *b)
{
	const struct python_type_change *x = a, *y = b;

	if (x->count_delta != y->count_delta)
		return x->count_delta > y->count_delta ? -1 : 1;
	if (x->bytes_delta != y->bytes_delta)
		return x->bytes_delta > y->bytes_delta ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* a - b for two unsigned totals, within int64_t: bytes are summed with
 * saturation (a row may hold UINT64_MAX), counts are bounded far below. */
static int64_t
diff_delta(uint64_t a, uint64_t b)
{
	if (a >= b)
		return a - b > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(a - b);
	return b - a > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)(b - a);
}

/* before's or after's rows (t may be NULL) as pointers sorted by name, in
 * *out (owned); returns how many. */
static size_t
diff_sorted(const struct python_types *t, const struct python_type_row ***out)
{
	size_t n = t != NULL ? t->ntypes : 0;

	*out = xcalloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		(*out)[i] = &t->types[i];
	qsort(*out, n, sizeof(**out), diff_by_name);
	return n;
}

struct python_type_change *
python_types_diff(const struct python_types *before, const struct python_types *after, size_t *n)
{
	const struct python_type_row **b, **a;
	size_t nb = diff_sorted(before, &b), na = diff_sorted(after, &a);
	struct python_type_change *rows = NULL;
	size_t i = 0, j = 0, k = 0;

	if (nb + na > 0)
		rows = xcalloc(nb + na, sizeof(*rows));
	/* A merge of the two name-sorted lists. Each census has one row per
	 * name (python_types_take merges rows of one name). */
	while (i < nb || j < na) {
		int cmp = i == nb ? 1 : j == na ? -1 : strcmp(b[i]->name, a[j]->name);
		struct python_type_change *c = &rows[k++];

		c->after = PYTHON_TYPE_ABSENT;
		if (cmp <= 0) {
			c->name = b[i]->name;
			c->count_before = b[i]->count;
			c->bytes_before = b[i]->bytes;
			i++;
		}
		if (cmp >= 0) {
			c->name = a[j]->name;
			c->count = a[j]->count;
			c->bytes = a[j]->bytes;
			c->size_errors = a[j]->size_errors;
			c->after = (size_t)(a[j] - after->types);
			j++;
		}
		c->count_delta = diff_delta(c->count, c->count_before);
		c->bytes_delta = diff_delta(c->bytes, c->bytes_before);
	}
	free(b);
	free(a);
	if (k > 0) /* qsort's base may not be NULL, even for no rows */
		qsort(rows, k, sizeof(*rows), diff_by_growth);
	*n = k;
	return rows;
}

bool
python_type_change_grew(const struct python_type_change *c)
{
	return c->count_delta > 0 || (c->count_delta == 0 && c->bytes_delta > 0);
}

double
python_types_interval_s(const struct python_types *before, const struct python_types *after)
{
	if (before == NULL || after == NULL || before->taken_s <= 0 || after->taken_s <= 0)
		return NAN;
	return after->taken_s - before->taken_s;
}
