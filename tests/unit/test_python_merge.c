/* Merging Python frames into native stacks: one eval-loop frame per call,
 * parts the compiler split off the loop counted as the loop, and calls that
 * do not line up shown side by side, never guessed. */
#include "check.h"
#include "python_merge.h"

#include <stdlib.h>

static struct frame_row
native(const char *function)
{
	return (struct frame_row){.ip = 0x1000, .function = (char *)function};
}

static struct frame_row
python(const char *function)
{
	return (struct frame_row){.python = true, .function = (char *)function};
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

static void
free_frames(struct frame_row *frames, size_t n)
{
	for (size_t i = 0; i < n; i++)
		frame_row_clear(&frames[i]);
	free(frames);
}

/* 3.11 and later: one call of the loop runs several Python frames. */
static void
test_runs_of_frames(void)
{
	const struct frame_row nat[] = {native("PyObject_Free"), native("_PyEval_EvalFrameDefault"),
	                                native("_PyFunction_Vectorcall"),
	                                native("_PyEval_EvalFrameDefault.cold"),
	                                native("start_thread")};
	const struct frame_row py[] = {python("leaf"), python("middle"), python("spinner"),
	                               python("run"), python("_bootstrap")};
	const bool last[] = {false, false, true, false, true};
	struct frame_row *out;
	size_t n;
	char buf[256];

	CHECK(python_merge(nat, 5, py, last, 5, &out, &n));
	names(out, n, buf, sizeof(buf));
	CHECK_STR(buf, "PyObject_Free;leaf;middle;spinner;_PyFunction_Vectorcall;run;_bootstrap;"
	               "start_thread");
	CHECK(out[1].python && !out[4].python);
	free_frames(out, n);
}

/* 3.10 and before: a call of the loop per Python frame. */
static void
test_frame_per_call(void)
{
	const struct frame_row nat[] = {native("select"), native("PyEval_EvalFrameEx"),
	                                native("PyEval_EvalFrameEx"), native("main")};
	const struct frame_row py[] = {python("inner"), python("outer")};
	const bool last[] = {true, true};
	struct frame_row *out;
	size_t n;
	char buf[256];

	CHECK(python_merge(nat, 4, py, last, 2, &out, &n));
	names(out, n, buf, sizeof(buf));
	CHECK_STR(buf, "select;inner;outer;main");
	free_frames(out, n);
}

/* Not the loop: a name that only starts like it. */
static void
test_not_eval(void)
{
	const struct frame_row lookalike = native("_PyEval_EvalFrameDefaultX");
	const struct frame_row pyframe = python("_PyEval_EvalFrameDefault");
	const struct frame_row unnamed = {.ip = 0x1000};

	CHECK(!python_merge_is_eval(&lookalike));
	CHECK(!python_merge_is_eval(&pyframe));
	CHECK(!python_merge_is_eval(&unnamed));
}

/* Two Python calls, one eval frame found (its part in a stripped PGO build
 * has no name): no merge; side by side, both whole, with the marker. */
static void
test_mismatch(void)
{
	const struct frame_row nat[] = {native("take_gil"), native("_PyEval_EvalFrameDefault"),
	                                native("start_thread")};
	const struct frame_row py[] = {python("leaf"), python("spinner"), python("_bootstrap")};
	const bool last[] = {false, true, true};
	const bool unterminated[] = {true, false};
	struct frame_row *out = NULL;
	size_t n = 0;
	char buf[256];

	CHECK(!python_merge(nat, 3, py, last, 3, &out, &n) && out == NULL);
	/* Python frames after the last call's end belong to no call. */
	CHECK(!python_merge(nat, 3, py, unterminated, 2, &out, &n) && out == NULL);
	out = python_side_by_side(nat, 3, py, 3, &n);
	names(out, n, buf, sizeof(buf));
	CHECK_STR(buf, "leaf;spinner;_bootstrap;" PYTHON_UNPLACED
	               ";take_gil;_PyEval_EvalFrameDefault;start_thread");
	CHECK(out[0].python && !out[3].python && out[3].ip == 0 && out[3].module == NULL);
	free_frames(out, n);
}

int
main(void)
{
	test_runs_of_frames();
	test_frame_per_call();
	test_not_eval();
	test_mismatch();
	return check_done("test_python_merge");
}
