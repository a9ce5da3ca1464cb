/* stacktop tasks' renderers, text and JSON, compared with tests/golden/
 * tasks.txt/.json: a root awaiting a gather of workers whose names sort as
 * numbers (worker-2 before worker-10, whatever order the gather held
 * them in), a worker awaiting a lock, one waiting on a future, a done
 * task, an unnamed one whose chain was cut, a hostile name, and two tasks
 * awaiting each other (a deadlock). STACKTOP_GOLDEN_UPDATE=1 rewrites the
 * files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "task_graph.h"
#include "ui/tasks_json.h"
#include "ui/tasks_text.h"
#include "xmalloc.h"

#include <stdio.h>
#include <string.h>

#define APP     "/srv/app/app.py"
#define ASYNCIO "/usr/lib/python3.12/asyncio/"

static void
task(struct task_row *t, uint64_t addr, const char *name, const char *state, const char *awaits,
     uint64_t object)
{
	t->addr = addr;
	t->name = name != NULL ? xstrdup(name) : NULL;
	t->state = state;
	t->awaits = awaits;
	t->awaits_object = object;
	t->loop = 0x7f0000100000;
	t->loop_tid = 4100;
}

static void
frames(struct task_row *t, const struct frame_row *f, size_t n)
{
	t->frames = golden_frames(f, n);
	t->nframes = n;
}

static void
awaits(struct task_row *t, const uint64_t *addrs, size_t n)
{
	t->awaits_addrs = xcalloc(n, sizeof(uint64_t));
	memcpy(t->awaits_addrs, addrs, n * sizeof(uint64_t));
	t->nawaits_addrs = n;
}

static struct tasks_report *
fixture(void)
{
	struct tasks_report *r = xcalloc(1, sizeof(*r));
	struct task_row *t;

	r->pid = 4100;
	r->taken_at = GOLDEN_FIXTURE_TAKEN_AT;
	snprintf(r->comm, sizeof(r->comm), "app");
	r->python = golden_fixture_python();
	r->stopped_ms = 12.5;
	r->ntasks = 9;
	r->tasks = t = xcalloc(r->ntasks, sizeof(*r->tasks));
	task(&t[0], 0x7f0000200000, "main", "waiting", "gather", 0x7f0000280000);
	awaits(&t[0], (const uint64_t[]){0x7f0000201000, 0x7f0000202000, 0x7f0000203000}, 3);
	frames(&t[0], (const struct frame_row[]){golden_python("main", APP, 40)}, 1);
	task(&t[1], 0x7f0000201000, "worker-10", "waiting", "sleep", 0x7f0000281000);
	frames(&t[1],
	       (const struct frame_row[]){golden_python("sleep", ASYNCIO "tasks.py", 665),
	                                  golden_python("work", APP, 21),
	                                  golden_python("worker", APP, 30)},
	       3);
	task(&t[2], 0x7f0000202000, "worker-2", "waiting", "lock", 0x7f0000290000);
	frames(&t[2],
	       (const struct frame_row[]){golden_python("Lock.acquire", ASYNCIO "locks.py", 112),
	                                  golden_python("worker", APP, 28)},
	       2);
	task(&t[3], 0x7f0000203000, "worker-1", "waiting", "future", 0x7f0000282000);
	frames(&t[3], (const struct frame_row[]){golden_python("worker", APP, 33)}, 1);
	task(&t[4], 0x7f0000204000, "finished", "done", "", 0);
	task(&t[5], 0x7f0000205000, NULL, "scheduled", "", 0);
	frames(&t[5], (const struct frame_row[]){golden_python("poll", APP, 50)}, 1);
	t[5].frames_truncated = true;
	task(&t[6], 0x7f0000206000, "evil\x1b[2J\nname", "running", "", 0);
	frames(&t[6], (const struct frame_row[]){golden_python("spin", APP, 60)}, 1);
	task(&t[7], 0x7f0000207000, "ping", "waiting", "task", 0x7f0000208000);
	awaits(&t[7], (const uint64_t[]){0x7f0000208000}, 1);
	frames(&t[7], (const struct frame_row[]){golden_python("ping", APP, 70)}, 1);
	task(&t[8], 0x7f0000208000, "pong", "waiting", "task", 0x7f0000207000);
	awaits(&t[8], (const uint64_t[]){0x7f0000207000}, 1);
	frames(&t[8], (const struct frame_row[]){golden_python("pong", APP, 75)}, 1);
	task_graph_build(r);
	return r;
}

int
main(int argc, char **argv)
{
	struct tasks_report *r;
	struct golden g;

	if (!CHECK(argc == 2)) /* the golden directory */
		return 1;
	r = fixture();
	tasks_text_write(golden_open(&g, argv[1], "tasks.txt"), r);
	CHECK(golden_check(&g));
	tasks_json_write(golden_open(&g, argv[1], "tasks.json"), r);
	golden_replace_version(&g);
	CHECK(golden_check(&g));
	tasks_report_free(r);
	return check_done("test_golden_tasks");
}
