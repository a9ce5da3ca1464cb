#include "python_merge.h"

#include "../xmalloc.h"

#include <stdlib.h>
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
	c.locals = f->nlocals > 0 ? xcalloc(f->nlocals, sizeof(*c.locals)) : NULL;
	for (size_t i = 0; i < f->nlocals; i++)
		c.locals[i] =
		    (struct frame_local){xstrdup(f->locals[i].name), xstrdup(f->locals[i].type),
		                         xstrdup(f->locals[i].repr)};
	return c;
}

/* True when native frame i's locals hold address a: between its stack
 * pointer and its caller's (the outermost frame's extent has no end). */
static bool
python_merge_holds(const struct frame_row *native, size_t nn, size_t i, uint64_t a)
{
	return native[i].sp != 0 && native[i].sp <= a && (i + 1 == nn || a < native[i + 1].sp);
}

/* Marks in is_eval the native frames that are the calls of the eval loop,
 * one per call of py (calls innermost first, each ending at a frame marked
 * eval_last). When every call's place on the C stack is known (3.10+), by
 * that place: exact, whatever the binary's symbols say (a stripped PGO
 * build has no name for _PyEval_EvalFrameDefault.cold). Else by name.
 * False when they do not line up. */
static bool
python_merge_find_calls(const struct frame_row *native, size_t nn,
                        const struct python_raw_frame *py, size_t np, bool *is_eval)
{
	size_t calls = 0, anchored = 0, evals = 0, i = 0;

	for (size_t p = 0; p < np; p++) {
		calls += py[p].eval_last;
		anchored += py[p].eval_last && py[p].anchor != 0;
	}
	if (calls > 0 && anchored == calls) {
		for (size_t p = 0; p < np; p++) {
			if (!py[p].eval_last)
				continue;
			while (i < nn && !python_merge_holds(native, nn, i, py[p].anchor))
				i++;
			if (i == nn)
				return false;
			is_eval[i++] = true;
		}
		return true;
	}
	for (i = 0; i < nn; i++)
		evals += is_eval[i] = python_merge_is_eval(&native[i]);
	return calls == evals;
}

bool
python_merge(const struct frame_row *native, size_t nn, const struct frame_row *pyf,
             const struct python_raw_frame *py, size_t np, struct frame_row **out, size_t *nout)
{
	bool *is_eval = xcalloc(nn ? nn : 1, sizeof(*is_eval));
	struct frame_row *merged;
	size_t k = 0, p = 0;

	/* Frames after the last marked one belong to no call we can place. */
	if ((np > 0 && !py[np - 1].eval_last) ||
	    !python_merge_find_calls(native, nn, py, np, is_eval)) {
		free(is_eval);
		return false;
	}
	merged = xcalloc(nn + np + 1, sizeof(*merged));
	for (size_t i = 0; i < nn; i++) {
		if (!is_eval[i]) {
			merged[k++] = python_merge_copy(&native[i]);
			continue;
		}
		do
			merged[k++] = python_merge_copy(&pyf[p]);
		while (!py[p++].eval_last);
	}
	free(is_eval);
	*out = merged;
	*nout = k;
	return true;
}

struct frame_row *
python_merge_side_by_side(const struct frame_row *native, size_t nn, const struct frame_row *py,
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

bool
python_merge_is_unplaced(const struct frame_row *f)
{
	return !f->python && f->ip == 0 && f->function != NULL &&
	       strcmp(f->function, PYTHON_UNPLACED) == 0;
}
