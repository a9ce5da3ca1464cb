#include "python_merge.h"

#include "../xmalloc.h"

#include <string.h>

/* True when name is function or a part of it that the compiler split off
 * (function.cold, function.part.0): a PGO build moves the eval loop's rare
 * paths to _PyEval_EvalFrameDefault.cold, and calls made from there are
 * calls of the loop all the same. */
static bool
python_merge_names(const char *name, const char *function)
{
	size_t len = strlen(function);

	return strncmp(name, function, len) == 0 && (name[len] == '\0' || name[len] == '.');
}

bool
python_merge_is_eval(const struct frame_row *f)
{
	return !f->python && f->function != NULL &&
	       (python_merge_names(f->function, "_PyEval_EvalFrameDefault") ||
	        python_merge_names(f->function, "PyEval_EvalFrameEx"));
}

struct frame_row
python_merge_copy(const struct frame_row *f)
{
	struct frame_row c = *f;

	c.function = f->function ? xstrdup(f->function) : NULL;
	c.module = f->module ? xstrdup(f->module) : NULL;
	c.file = f->file ? xstrdup(f->file) : NULL;
	return c;
}

bool
python_merge(const struct frame_row *native, size_t nn, const struct frame_row *py,
             const bool *eval_last, size_t np, struct frame_row **out, size_t *nout)
{
	size_t calls = 0, evals = 0, k = 0, p = 0;
	struct frame_row *merged;

	for (size_t i = 0; i < np; i++)
		calls += eval_last[i];
	for (size_t i = 0; i < nn; i++)
		evals += python_merge_is_eval(&native[i]);
	/* Frames after the last marked one belong to no call we can place. */
	if (calls != evals || (np > 0 && !eval_last[np - 1]))
		return false;
	merged = xcalloc(nn + np + 1, sizeof(*merged));
	for (size_t i = 0; i < nn; i++) {
		if (!python_merge_is_eval(&native[i])) {
			merged[k++] = python_merge_copy(&native[i]);
			continue;
		}
		do
			merged[k++] = python_merge_copy(&py[p]);
		while (!eval_last[p++]);
	}
	*out = merged;
	*nout = k;
	return true;
}

struct frame_row *
python_side_by_side(const struct frame_row *native, size_t nn, const struct frame_row *py,
                    size_t np, size_t *nout)
{
	struct frame_row *both = xcalloc(np + 1 + nn, sizeof(*both));

	for (size_t i = 0; i < np; i++)
		both[i] = python_merge_copy(&py[i]);
	both[np] = (struct frame_row){.function = xstrdup(PYTHON_UNPLACED)};
	for (size_t i = 0; i < nn; i++)
		both[np + 1 + i] = python_merge_copy(&native[i]);
	*nout = np + 1 + nn;
	return both;
}
