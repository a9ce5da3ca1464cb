#include "python_merge.h"

#include "../xmalloc.h"

#include <string.h>

bool
python_merge_is_eval(const struct frame_row *f)
{
	return !f->python && f->function != NULL &&
	       (strcmp(f->function, "_PyEval_EvalFrameDefault") == 0 ||
	        strcmp(f->function, "PyEval_EvalFrameEx") == 0);
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
