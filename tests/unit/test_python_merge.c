/* Merging Python frames into native stacks: one eval-loop frame per call,
 * found by where the call keeps its state on the C stack when the
 * interpreter says (3.10+), else by name (with the parts the compiler split
 * off the loop counted as the loop); calls that do not line up shown side
 * by side, never guessed. */
#include "check.h"
#include "python_merge.h"

#include <stdlib.h>

/* A native frame whose locals start at sp (0: unknown). */
static struct frame_row
native(const char *function, uint64_t sp)
{
	return (struct frame_row){.ip = 0x1000, .function = (char *)function, .sp = sp};
}

static struct frame_row
python(const char *function)
{
	return (struct frame_row){.python = true, .function = (char *)function};
}

/* A raw Python frame: the end of a call (with its anchor) or not. */
static struct python_raw_frame
raw(bool last, uint64_t anchor)
{
	return (struct python_raw_frame){.eval_last = last, .anchor = anchor};
}

/* The functions of frames[0..n), innermost first, joined by ';'. */
static void
names(const struct frame_row *frames, size_t n, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strncat(buf, i ? ";" : "", size - strlen(buf) - 1);
		strncat(buf, frames[i].function ? frames[i].function : "?", size - strlen(buf) - 1);
	}
}

/* Merges and returns the result's names in buf, or "(no merge)". */
static void
merge(const struct frame_row *nat, size_t nn, const struct frame_row *py,
      const struct python_raw_frame *rp, size_t np, char *buf, size_t size)
{
	struct frame_row *out = NULL;
	size_t n = 0;

	if (!python_merge(nat, nn, py, rp, np, &out, &n)) {
		snprintf(buf, size, "(no merge)");
		CHECK(out == NULL);
		return;
	}
	names(out, n, buf, size);
	frame_rows_free(out, n);
}

/* A spinner thread's Python frames (two calls of the loop: leaf to spinner,
 * run to _bootstrap), and its stack once they are merged into the native
 * one of test_by_name and test_by_anchor. */
static const struct frame_row spinner[] = {
    {.python = true, .function = (char *)"leaf"},
    {.python = true, .function = (char *)"middle"},
    {.python = true, .function = (char *)"spinner"},
    {.python = true, .function = (char *)"run"},
    {.python = true, .function = (char *)"_bootstrap"},
};
static const char spinner_merged[] =
    "PyObject_Free;leaf;middle;spinner;_PyFunction_Vectorcall;run;_bootstrap;start_thread";

/* 3.11 and later: one call of the loop runs several Python frames. By
 * name, the loop's split-off part counts as the loop. */
static void
test_by_name(void)
{
	const struct frame_row nat[] = {
	    native("PyObject_Free", 0), native("_PyEval_EvalFrameDefault", 0),
	    native("_PyFunction_Vectorcall", 0), native("_PyEval_EvalFrameDefault.cold", 0),
	    native("start_thread", 0)};
	const struct python_raw_frame rp[] = {raw(false, 0), raw(false, 0), raw(true, 0),
	                                      raw(false, 0), raw(true, 0)};
	char buf[256];

	merge(nat, 5, spinner, rp, 5, buf, sizeof(buf));
	CHECK_STR(buf, spinner_merged);
}

/* 3.10 and later: each call's state lies among the locals of its native
 * frame, between the frame's stack pointer and its caller's. The names do
 * not matter: a stripped PGO build has none for the loop's cold part. */
static void
test_by_anchor(void)
{
	const struct frame_row nat[] = {native("PyObject_Free", 0x1000), native(NULL, 0x1100),
	                                native("_PyFunction_Vectorcall", 0x1500),
	                                native("_PyEval_EvalFrameDefault", 0x1600),
	                                native("start_thread", 0x1a00)};
	const struct python_raw_frame rp[] = {raw(false, 0), raw(false, 0), raw(true, 0x1200),
	                                      raw(false, 0), raw(true, 0x1700)};
	/* An anchor in no frame's extent: not placed, not guessed by name. */
	const struct python_raw_frame lost[] = {raw(false, 0), raw(false, 0), raw(true, 0x1200),
	                                        raw(false, 0), raw(true, 0x0800)};
	/* Two calls in one native frame cannot be. */
	const struct python_raw_frame twice[] = {raw(false, 0), raw(false, 0), raw(true, 0x1200),
	                                         raw(false, 0), raw(true, 0x1300)};
	char buf[256];

	merge(nat, 5, spinner, rp, 5, buf, sizeof(buf));
	CHECK_STR(buf, spinner_merged);
	merge(nat, 5, spinner, lost, 5, buf, sizeof(buf));
	CHECK_STR(buf, "(no merge)");
	merge(nat, 5, spinner, twice, 5, buf, sizeof(buf));
	CHECK_STR(buf, "(no merge)");
}

/* One call without an anchor (a chain cut short): all by name. */
static void
test_partly_anchored(void)
{
	const struct frame_row nat[] = {native("select", 0x100),
	                                native("PyEval_EvalFrameEx", 0x200),
	                                native("PyEval_EvalFrameEx", 0x300), native("main", 0x400)};
	const struct frame_row py[] = {python("inner"), python("outer")};
	const struct python_raw_frame rp[] = {raw(true, 0x250), raw(true, 0)};
	char buf[256];

	merge(nat, 4, py, rp, 2, buf, sizeof(buf));
	CHECK_STR(buf, "select;inner;outer;main");
}

/* Not the loop: a name that only starts like it. */
static void
test_not_eval(void)
{
	const struct frame_row lookalike = native("_PyEval_EvalFrameDefaultX", 0);
	const struct frame_row pyframe = python("_PyEval_EvalFrameDefault");
	const struct frame_row unnamed = native(NULL, 0);

	CHECK(!python_merge_is_eval(&lookalike));
	CHECK(!python_merge_is_eval(&pyframe));
	CHECK(!python_merge_is_eval(&unnamed));
}

/* Two Python calls, one eval frame named and no anchors: no merge; side
 * by side, both whole, with the marker. */
static void
test_mismatch(void)
{
	const struct frame_row nat[] = {native("take_gil", 0),
	                                native("_PyEval_EvalFrameDefault", 0),
	                                native("start_thread", 0)};
	const struct frame_row py[] = {python("leaf"), python("spinner"), python("_bootstrap")};
	const struct python_raw_frame rp[] = {raw(false, 0), raw(true, 0), raw(true, 0)};
	const struct python_raw_frame unterminated[] = {raw(true, 0), raw(false, 0)};
	struct frame_row *out;
	size_t n = 0;
	char buf[256];

	merge(nat, 3, py, rp, 3, buf, sizeof(buf));
	CHECK_STR(buf, "(no merge)");
	/* Python frames after the last call's end belong to no call. */
	merge(nat, 3, py, unterminated, 2, buf, sizeof(buf));
	CHECK_STR(buf, "(no merge)");
	out = python_merge_side_by_side(nat, 3, py, 3, &n);
	names(out, n, buf, sizeof(buf));
	CHECK_STR(buf, "leaf;spinner;_bootstrap;" PYTHON_UNPLACED
	               ";take_gil;_PyEval_EvalFrameDefault;start_thread");
	CHECK(out[0].python && python_merge_is_unplaced(&out[3]) && out[3].module == NULL);
	CHECK(!python_merge_is_unplaced(&out[0]) && !python_merge_is_unplaced(&out[4]));
	frame_rows_free(out, n);
}

int
main(void)
{
	test_by_name();
	test_by_anchor();
	test_partly_anchored();
	test_not_eval();
	test_mismatch();
	return check_done("test_python_merge");
}
