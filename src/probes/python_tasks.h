/* The asyncio tasks of a live CPython process (stacktop tasks): found by
 * type on the collector's lists (every Task is a tracked object, in every
 * version: one way for 3.6-3.15, whatever registry of tasks a version
 * keeps, and it finds tasks that are done but not yet collected), read
 * while the target is stopped (one bounded stop, as mem --python-types
 * makes), then named with the target running again. */
#ifndef STACKTOP_PYTHON_TASKS_H
#define STACKTOP_PYTHON_TASKS_H

#include "../task_graph.h"
#include "procfs.h"
#include "python_types.h"

#include <stdbool.h>

/* What -ENOTSUP means, for the line a command prints. */
#define PYTHON_TASKS_SUPPORTED                                                                     \
	"stacktop reads them in CPython 3.6 to 3.15 with the GIL (not 2.7, not free-threaded "     \
	"builds)"

/* The longest the target is stopped for. */
#define PYTHON_TASKS_MAX_STOP_S 2.0

/* Takes pid's tasks into an owned *out (free with tasks_report_free), its
 * graph built; with locals, each coroutine frame's arguments and locals
 * too (dump --locals), read in the same stop. Returns 0 (possibly with no tasks: asyncio not in
 * use, or out->partial saying why the search ended early); -ENOEXEC (not Python), -ENOTSUP (a
 * version without a table here, 2.7, or a free-threaded build, whose objects are not on the
 * collector's lists), -ESRCH, -EPERM/-EACCES. */
int python_tasks_take(const struct procfs *fs, int pid, bool locals, struct tasks_report **out);

/* What python_tasks_take would stop pid for, before it is taken (nothing
 * is stopped): its walk of the collector's lists copies the memory the
 * objects live in, as a census does, within PYTHON_TASKS_MAX_STOP_S.
 * Returns 0; -ENOEXEC, -ENOTSUP, -ESRCH, -EPERM/-EACCES as
 * python_tasks_take. */
int python_tasks_expect(const struct procfs *fs, int pid, struct python_types_expect *out);

struct target;
struct python_target;
struct python_asyncio_layout;

/* The same through handle (a target opened for Python frames, borrowed),
 * whose interpreter is found already: record --async takes its census
 * of tasks again while it samples. pid is handle's process. */
int python_tasks_take_in(const struct procfs *fs, struct target *handle, int pid, bool locals,
                         struct tasks_report **out);

/* The layout pt's tasks are read with (static), or NULL when they cannot
 * be (no table for its version, 2.7, a free-threaded build): what
 * python_tasks_take's -ENOTSUP says. */
const struct python_asyncio_layout *python_tasks_layout(const struct python_target *pt);

#endif
