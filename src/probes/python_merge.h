/* Merging a thread's Python frames into its native stack, the way the
 * interpreter nests them: each call of the eval loop (a native frame of
 * _PyEval_EvalFrameDefault, PyEval_EvalFrameEx on 2.7) runs one Python frame
 * on 3.10 and before, and a run of them on 3.11+ (up to the one marked
 * is_entry on 3.11, or to a C-stack shim frame on 3.12+). Which native
 * frame is that call: on 3.10+ the one whose locals hold the call's state
 * (its _PyCFrame or shim frame), before by the function's name. Pure. */
#ifndef STACKTOP_PYTHON_MERGE_H
#define STACKTOP_PYTHON_MERGE_H

#include "../model.h"
#include "python_stack.h"

#include <stdbool.h>
#include <stddef.h>

/* True when f is a native frame of the eval loop. */
bool python_merge_is_eval(const struct frame_row *f);

/* Replaces each eval-loop frame of native[0..nn) by the Python frames of
 * that call: pyf[0..np), innermost first, named, read as py[0..np) (where
 * eval_last marks the outermost frame of each call and anchor its place on
 * the C stack, matched against the native frames' sp). Returns true and
 * *out (owned frames, *nout of them, strings copied) when the calls line
 * up one to one; false, with *out untouched, when they do not (then show
 * both rather than guess). */
bool python_merge(const struct frame_row *native, size_t nn, const struct frame_row *pyf,
                  const struct python_raw_frame *py, size_t np, struct frame_row **out,
                  size_t *nout);

/* The frame python_merge_side_by_side puts between the two stacks. */
#define PYTHON_UNPLACED "[Python frames not placed]"

/* Both stacks in one, for a profile, where each sample is one stack: the
 * native frames as the root, then a PYTHON_UNPLACED frame, then the Python
 * frames, innermost first as ever (owned, *nout of them, strings copied).
 * For calls that do not line up: it shows what was seen, and says so,
 * rather than guess where the Python frames belong. */
struct frame_row *python_merge_side_by_side(const struct frame_row *native, size_t nn,
                                            const struct frame_row *py, size_t np, size_t *nout);

/* True when f is the PYTHON_UNPLACED frame of python_merge_side_by_side (no
 * native frame has its shape: no address, and that name). */
bool python_merge_is_unplaced(const struct frame_row *f);

/* A deep copy of frame f (owned strings). */
struct frame_row python_merge_copy(const struct frame_row *f);

#endif
