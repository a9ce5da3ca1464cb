/* libFuzzer harness for the asyncio task reader (python_asyncio) and the
 * graph and renderers after it: arbitrary bytes as a target's memory, read
 * through a fake address space for each CPython 3.x layout. The first
 * words of the memory are the task addresses, then the task type, the
 * gather type, the code type and a pure-Python task type (whose tasks'
 * fields are read from their instance dicts): loops in coroutine chains, gathers and TaskGroups of
 * absurd sizes, tasks awaiting themselves, garbage everywhere — every loop must stay bounded, every
 * read inside what is given, and the JSON valid in shape (the json writer asserts its own nesting).
 */
#include "../fake_memory.h"
#include "probes/python_asyncio.h"
#include "probes/python_namer.h"
#include "task_graph.h"
#include "ui/tasks_json.h"
#include "ui/tasks_text.h"
#include "xmalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_TASKS 6

/* Names what was read and builds the report, as python_tasks_take does. */
static void
fuzz_report(struct python_namer *namer, const struct python_task *tasks, size_t n)
{
	struct tasks_report *r = xcalloc(1, sizeof(*r));
	FILE *sink = fopen("/dev/null", "w");

	r->tasks = xcalloc(n, sizeof(*r->tasks));
	r->ntasks = n;
	for (size_t i = 0; i < n; i++) {
		const struct python_task *t = &tasks[i];
		struct task_row *row = &r->tasks[i];

		row->addr = t->addr;
		row->name = t->name_obj != 0 ? python_namer_string(namer, t->name_obj) : NULL;
		row->state = python_task_state_name(t->state);
		row->awaits = python_task_awaits_name(t->awaits);
		row->frames = xcalloc(t->nframes ? t->nframes : 1, sizeof(*row->frames));
		row->nframes = t->nframes;
		for (size_t f = 0; f < t->nframes; f++)
			python_namer_frame(namer, &t->frames[f], &row->frames[f]);
		if (t->nawaits_tasks > 0) {
			row->awaits_addrs = xcalloc(t->nawaits_tasks, sizeof(uint64_t));
			memcpy(row->awaits_addrs, t->awaits_tasks,
			       t->nawaits_tasks * sizeof(uint64_t));
			row->nawaits_addrs = t->nawaits_tasks;
		}
	}
	task_graph_build(r);
	if (sink != NULL) {
		tasks_text_write(sink, r);
		tasks_json_write(sink, r);
		fclose(sink);
	}
	tasks_report_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_memory fake;
	struct python_memory mem = {fake_read, &fake, NULL};
	struct python_target t;
	const struct python_layout *l = fake_memory_fuzz_input(data, size, &fake);
	const struct python_asyncio_layout *al;
	uint64_t addrs[FUZZ_TASKS], task_type, py_task_type;
	struct python_asyncio_types types;
	struct python_task *tasks;
	struct python_namer *namer;

	if (l == NULL)
		return 0;
	al = python_asyncio_layout_for(l->major, l->minor);
	if (al == NULL) {
		free((void *)fake.bytes);
		return 0;
	}
	memset(&t, 0, sizeof(t));
	t.pid = 1;
	t.layout = *l;
	/* Half the inputs check code objects' type, as a target whose
	 * PyCode_Type is known. */
	t.code_type_addr = size % 2 ? fake_word(&fake, FUZZ_TASKS + 2) : 0;
	for (size_t i = 0; i < FUZZ_TASKS; i++)
		addrs[i] = fake_word(&fake, i);
	task_type = fake_word(&fake, FUZZ_TASKS);
	py_task_type = fake_word(&fake, FUZZ_TASKS + 3);
	types =
	    (struct python_asyncio_types){.task_types = &task_type,
	                                  .ntask_types = 1,
	                                  .gathering_future_type = fake_word(&fake, FUZZ_TASKS + 1),
	                                  .py_task_types = &py_task_type,
	                                  .npy_task_types = 1};
	namer = python_namer_new(&t, &mem);
	python_asyncio_read(&t, al, &mem, namer, &types, addrs, FUZZ_TASKS, &tasks);
	fuzz_report(namer, tasks, FUZZ_TASKS);
	for (size_t i = 0; i < FUZZ_TASKS; i++) {
		int64_t v;

		(void)python_asyncio_small_int(l, &mem, tasks[i].name_obj, &v);
	}
	python_asyncio_tasks_free(tasks, FUZZ_TASKS);
	python_namer_free(namer);
	free((void *)fake.bytes);
	return 0;
}
