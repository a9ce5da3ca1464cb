/* Where asyncio's tasks and suspended coroutines keep what `stacktop tasks`
 * reads, per CPython minor version (3.6+): fields of the C _asyncio
 * module's TaskObj (private to Modules/_asynciomodule.c), and of a
 * coroutine the state of its frame and the top of its value stack, where a
 * coroutine suspended in an await keeps the object it awaits.
 *
 * No installed header has these, so scripts/gen-asyncio-layouts measures
 * them in each interpreter (ctypes over objects it makes) and commits the
 * table (python_asyncio_layouts.c). Offsets are bytes from the start of the
 * object named; -1 when the version has no such field. */
#ifndef STACKTOP_PYTHON_ASYNCIO_LAYOUT_H
#define STACKTOP_PYTHON_ASYNCIO_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a suspended frame says where its value stack's top is. */
enum python_asyncio_top {
	/* a pointer one past the top slot (3.6-3.9 f_stacktop, 3.14+
	 * stackpointer, in a tagged _PyStackRef array) */
	PYTHON_ASYNCIO_TOP_POINTER,
	/* an int count of slots from the pointer at stack_top_base (3.10:
	 * f_stackdepth over f_valuestack) */
	PYTHON_ASYNCIO_TOP_DEPTH,
	/* an int count of slots from the array at stack_top_base (3.11-3.13:
	 * stacktop over localsplus, inline in the coroutine) */
	PYTHON_ASYNCIO_TOP_INDEX,
};

struct python_asyncio_layout {
	int major, minor;
	/* TaskObj (C _asyncio.Task) */
	struct {
		int32_t loop;       /* PyObject *: its event loop */
		int32_t coro;       /* PyObject *: its coroutine */
		int32_t name;       /* PyObject *: its name, a str (3.8+) */
		int32_t fut_waiter; /* PyObject *: the future it waits on, or NULL */
		int32_t state;      /* int: 0 pending, 1 cancelled, 2 finished */
	} task;
	/* PyCoroObject (and PyGenObject) */
	struct {
		int32_t frame;           /* PyFrameObject * (≤3.10; later the frame
		                            is inline at python_layout gen.gi_iframe) */
		bool state_in_frame;     /* the state byte is in the frame object (3.10),
		                            else in the coroutine */
		int32_t state;           /* int8: gi_running (≤3.9), f_state (3.10),
		                            gi_frame_state (3.11+) */
		int32_t state_executing; /* its value while the coroutine runs */
		int32_t state_suspended; /* its value while suspended in an await */
		enum python_asyncio_top stack_top_kind;
		/* From the frame object (≤3.10) or the coroutine (3.11+). */
		int32_t stack_top;
		int32_t stack_top_base;
		/* Which slot under the top holds the awaited object: 1 the top
		 * one; 2 on 3.15, which keeps one more above it. */
		int32_t stack_top_slot;
	} coro;
};

/* The entry of CPython major.minor, or NULL when the table has none.
 * Borrowed, static. */
const struct python_asyncio_layout *python_asyncio_layout_for(int major, int minor);

/* The generated table (python_asyncio_layouts.c), oldest first. */
const struct python_asyncio_layout *python_asyncio_layouts_table(size_t *count);

#endif
