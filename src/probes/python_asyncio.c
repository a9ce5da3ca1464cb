#include "python_asyncio.h"

#include "../xmalloc.h"
#include "python_dict.h"
#include "python_string.h"

#include <stdlib.h>
#include <string.h>

/* What is read of a coroutine object in one go: its head, and on 3.11+ the
 * frame inline in it with the first slots of its locals and value stack
 * (the stack top of an await is within these for all but frames with many
 * locals, which are read again where their top is). */
#define CORO_READ  512
#define FRAME_READ 256
/* Tagged stack references (3.14+) keep flags in the low two bits. */
#define REF_MASK (~(uint64_t)3)

const char *
python_task_state_name(enum python_task_state s)
{
	switch (s) {
	case PYTHON_TASK_RUNNING:
		return "running";
	case PYTHON_TASK_WAITING:
		return "waiting";
	case PYTHON_TASK_SCHEDULED:
		return "scheduled";
	case PYTHON_TASK_DONE:
		return "done";
	case PYTHON_TASK_CANCELLED:
		return "cancelled";
	case PYTHON_TASK_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *
python_task_awaits_name(enum python_task_awaits a)
{
	static const char *const names[] = {
	    [PYTHON_AWAITS_NOTHING] = "",
	    [PYTHON_AWAITS_TASK] = "task",
	    [PYTHON_AWAITS_GATHER] = "gather",
	    [PYTHON_AWAITS_TASKGROUP] = "taskgroup",
	    [PYTHON_AWAITS_SLEEP] = "sleep",
	    [PYTHON_AWAITS_LOCK] = "lock",
	    [PYTHON_AWAITS_EVENT] = "event",
	    [PYTHON_AWAITS_CONDITION] = "condition",
	    [PYTHON_AWAITS_SEMAPHORE] = "semaphore",
	    [PYTHON_AWAITS_QUEUE] = "queue",
	    [PYTHON_AWAITS_FUTURE] = "future",
	};

	return (size_t)a < sizeof(names) / sizeof(names[0]) ? names[a] : "";
}

/* Whether type (not 0) is one of types[0..n). */
static bool
type_among(const uint64_t *types, size_t n, uint64_t type)
{
	for (size_t i = 0; i < n; i++)
		if (types[i] == type && type != 0)
			return true;
	return false;
}

bool
python_asyncio_is_task_type(const struct python_asyncio_types *types, uint64_t type)
{
	return type_among(types->task_types, types->ntask_types, type) ||
	       type_among(types->py_task_types, types->npy_task_types, type);
}

static uint64_t
object_type(const struct python_layout *l, const struct python_memory *mem, uint64_t obj)
{
	uint64_t type = 0;

	if (obj == 0 || (obj & 7) != 0 ||
	    python_memory_u64(mem, obj + (uint64_t)l->object.ob_type, &type) != 0)
		return 0;
	return type;
}

/* Whether obj's type's tp_name is name (an exact, short name). */
static bool
type_named(const struct python_layout *l, const struct python_memory *mem, uint64_t obj,
           const char *name)
{
	return python_string_type_named(l, mem, object_type(l, mem, obj), name);
}

int
python_asyncio_small_int(const struct python_layout *l, const struct python_memory *mem,
                         uint64_t obj, int64_t *value)
{
	uint64_t type = object_type(l, mem, obj), flags = 0, size;
	uint32_t digits[2] = {0, 0};
	int64_t ndigits;
	bool negative;

	if (type == 0 || l->type.flag_long_subclass < 0 ||
	    python_memory_u64(mem, type + (uint64_t)l->type.tp_flags, &flags) != 0 ||
	    (flags & (uint64_t)l->type.flag_long_subclass) == 0)
		return -1;
	/* 3.12+: lv_tag holds the digit count above 3 bits of sign and flags;
	 * before, ob_size is the signed count. */
	if (python_memory_u64(
	        mem,
	        obj + (uint64_t)(l->longobj.lv_tag >= 0 ? l->longobj.lv_tag : l->object.ob_size),
	        &size) != 0)
		return -1;
	ndigits = l->longobj.lv_tag >= 0 ? (int64_t)(size >> 3) : (int64_t)size;
	/* 3.12+: sign 2 in the low bits is negative; before, a negative size. */
	negative = l->longobj.lv_tag >= 0 ? (size & 3) == 2 : ndigits < 0;
	if (negative || ndigits > 2 || l->longobj.digit_size != 4)
		return -1;
	if (ndigits > 0 && mem->read(mem->arg, obj + (uint64_t)l->longobj.ob_digit, digits,
	                             sizeof(uint32_t) * (size_t)ndigits) != 0)
		return -1;
	/* 30-bit digits, least significant first; a digit's top bits are 0. */
	if ((digits[0] | digits[1]) >> 30 != 0)
		return -1;
	*value = (int64_t)(((uint64_t)digits[1] << 30) | digits[0]);
	return 0;
}

/* One link of a task's chain: a coroutine's frame, its state, and what it
 * awaits when suspended in an await. */
struct coro_link {
	struct python_raw_frame frame;
	int state;        /* the state byte, signed */
	uint64_t awaited; /* the object at the awaited slot, or 0 */
	uint64_t self;    /* the frame's first local (self of a method), or 0 */
};

/* ≤3.10: the frame is an object of its own. */
static int
coro_link_frame_object(const struct python_layout *l, const struct python_asyncio_layout *al,
                       const struct python_memory *mem, uint64_t coro, struct coro_link *out)
{
	unsigned char c[64], f[FRAME_READ];
	uint64_t frame;
	int64_t lasti;

	if (al->coro.frame < 0 || (size_t)al->coro.frame + 8 > sizeof(c) ||
	    mem->read(mem->arg, coro, c, sizeof(c)) != 0)
		return -1;
	frame = python_memory_field_u64(c, sizeof(c), al->coro.frame);
	if (frame == 0 || (frame & 7) != 0 || mem->read(mem->arg, frame, f, sizeof(f)) != 0)
		return -1;
	lasti = python_memory_field_i32(f, sizeof(f), l->frame.f_lasti);
	out->frame = (struct python_raw_frame){
	    .code = python_memory_field_u64(f, sizeof(f), l->frame.f_code),
	    .offset = lasti < 0 ? -1 : lasti * l->frame.lasti_scale,
	    .addr = frame,
	};
	out->state = (int8_t)(al->coro.state_in_frame
	                          ? python_memory_field_u8(f, sizeof(f), al->coro.state)
	                          : python_memory_field_u8(c, sizeof(c), al->coro.state));
	/* The locals are past the frame's head (beyond what was read). */
	out->self = 0;
	if (l->frame.f_localsplus >= 0)
		python_memory_u64(mem, frame + (uint64_t)l->frame.f_localsplus, &out->self);
	out->awaited = 0;
	if (out->state != al->coro.state_suspended || lasti < 0)
		return 0;
	if (al->coro.stack_top_kind == PYTHON_ASYNCIO_TOP_POINTER) {
		uint64_t top = python_memory_field_u64(f, sizeof(f), al->coro.stack_top);

		/* A suspended 3.6-3.9 frame keeps f_stacktop; NULL otherwise. */
		if (top > frame && top - frame < ((uint64_t)1 << 20))
			python_memory_u64(mem, top - 8 * (uint64_t)al->coro.stack_top_slot,
			                  &out->awaited);
	} else {
		int64_t depth = python_memory_field_i32(f, sizeof(f), al->coro.stack_top);
		uint64_t base = python_memory_field_u64(f, sizeof(f), al->coro.stack_top_base);

		if (depth >= al->coro.stack_top_slot && depth < 65536 && base != 0)
			python_memory_u64(mem,
			                  base + 8 * (uint64_t)(depth - al->coro.stack_top_slot),
			                  &out->awaited);
	}
	return 0;
}

/* 3.11+: the frame is inline in the coroutine. */
static int
coro_link_inline(const struct python_layout *l, const struct python_asyncio_layout *al,
                 const struct python_memory *mem, uint64_t coro, struct coro_link *out)
{
	unsigned char c[CORO_READ];
	int32_t fr = l->gen.gi_iframe;
	int32_t instr = l->iframe.instr_ptr >= 0 ? l->iframe.instr_ptr : l->iframe.prev_instr;
	uint64_t code, ip, slot = 0;

	if (fr < 0 || mem->read(mem->arg, coro, c, sizeof(c)) != 0)
		return -1;
	code = python_memory_field_u64(c, sizeof(c), fr + l->iframe.code) & REF_MASK;
	ip = python_memory_field_u64(c, sizeof(c), fr + instr);
	if (code == 0)
		return -1;
	out->frame = (struct python_raw_frame){
	    .code = code,
	    .offset = ip >= code + (uint64_t)l->code.co_code_adaptive
	                  ? (int64_t)(ip - code - (uint64_t)l->code.co_code_adaptive)
	                  : -1,
	    .addr = coro + (uint64_t)fr,
	};
	out->state = (int8_t)python_memory_field_u8(c, sizeof(c), al->coro.state);
	out->self = python_memory_field_u64(c, sizeof(c), fr + l->iframe.localsplus) & REF_MASK;
	out->awaited = 0;
	if (out->state != al->coro.state_suspended)
		return 0;
	if (al->coro.stack_top_kind == PYTHON_ASYNCIO_TOP_INDEX) {
		int64_t depth = python_memory_field_i32(c, sizeof(c), al->coro.stack_top);

		if (depth >= al->coro.stack_top_slot && depth < 65536)
			slot = coro + (uint64_t)al->coro.stack_top_base +
			       8 * (uint64_t)(depth - al->coro.stack_top_slot);
	} else {
		uint64_t top = python_memory_field_u64(c, sizeof(c), al->coro.stack_top);

		/* The stack is inside the coroutine object, after its frame head. */
		if (top > coro && top - coro < ((uint64_t)1 << 20))
			slot = top - 8 * (uint64_t)al->coro.stack_top_slot;
	}
	if (slot != 0 && python_memory_u64(mem, slot, &out->awaited) == 0)
		out->awaited &= REF_MASK;
	return 0;
}

static int
coro_link(const struct python_target *t, const struct python_asyncio_layout *al,
          const struct python_memory *mem, uint64_t coro, struct coro_link *out)
{
	const struct python_layout *l = &t->layout;
	int err = l->gen.gi_iframe >= 0 ? coro_link_inline(l, al, mem, coro, out)
	                                : coro_link_frame_object(l, al, mem, coro, out);

	/* A frame's code must be a code object (when we know its type). */
	if (err == 0 && t->code_type_addr != 0 &&
	    object_type(l, mem, out->frame.code) != t->code_type_addr)
		return -1;
	return err;
}

/* Appends task to t->awaits_tasks. */
static void
task_awaits_add(struct python_task *t, uint64_t task)
{
	if (t->nawaits_tasks >= PYTHON_ASYNCIO_MAX_CHILDREN)
		return;
	for (size_t i = 0; i < t->nawaits_tasks; i++)
		if (t->awaits_tasks[i] == task)
			return;
	t->awaits_tasks = xreallocarray(t->awaits_tasks, t->nawaits_tasks + 1, sizeof(uint64_t));
	t->awaits_tasks[t->nawaits_tasks++] = task;
}

/* The items of list obj that are tasks, into t's awaited tasks. */
static void
awaits_list(const struct python_layout *l, const struct python_memory *mem,
            const struct python_asyncio_types *types, uint64_t list, struct python_task *t)
{
	uint64_t items, n, item;

	if (list == 0 || python_memory_u64(mem, list + (uint64_t)l->object.ob_size, &n) != 0 ||
	    python_memory_u64(mem, list + (uint64_t)l->list.ob_item, &items) != 0)
		return;
	for (uint64_t i = 0; i < n && i < PYTHON_ASYNCIO_MAX_CHILDREN; i++)
		if (python_memory_u64(mem, items + 8 * i, &item) == 0 &&
		    python_asyncio_is_task_type(types, object_type(l, mem, item)))
			task_awaits_add(t, item);
}

/* The members of set obj that are tasks, into t's awaited tasks. */
static void
awaits_set(const struct python_layout *l, const struct python_memory *mem,
           const struct python_asyncio_types *types, uint64_t set, struct python_task *t)
{
	uint64_t mask, table, key;

	if (set == 0 || python_memory_u64(mem, set + (uint64_t)l->set.mask, &mask) != 0 ||
	    python_memory_u64(mem, set + (uint64_t)l->set.table, &table) != 0 ||
	    mask >= 4 * PYTHON_ASYNCIO_MAX_CHILDREN)
		return;
	for (uint64_t i = 0; i <= mask; i++)
		if (python_memory_u64(mem, table + i * (uint64_t)l->set.entry_size, &key) == 0 &&
		    python_asyncio_is_task_type(types, object_type(l, mem, key)))
			task_awaits_add(t, key);
}

/* The value of obj's attribute name (its instance dict), or 0. */
static uint64_t
instance_attr(struct python_namer *namer, uint64_t obj, const char *name)
{
	const struct python_target *t = python_namer_target(namer);
	struct python_dict_item *items;
	const struct python_dict_item *it;
	size_t n = python_instance_attrs(&t->layout, python_namer_memory(namer), obj, &items);
	uint64_t v;

	it = python_dict_find(namer, items, n, name, NULL);
	v = it != NULL ? it->value : 0;
	free(items);
	return v;
}

uint64_t
python_asyncio_loop_thread(struct python_namer *namer, uint64_t loop)
{
	int64_t ident;
	uint64_t v = instance_attr(namer, loop, "_thread_id");

	return v != 0 && python_asyncio_small_int(&python_namer_target(namer)->layout,
	                                          python_namer_memory(namer), v, &ident) == 0
	           ? (uint64_t)ident
	           : 0;
}

/* Whether path is a file of the asyncio package named base ("tasks.py"). */
static bool
asyncio_file(const char *path, const char *base)
{
	size_t n, b = strlen(base);

	if (path == NULL)
		return false;
	n = strlen(path);
	return n >= b + 8 && strcmp(path + n - b, base) == 0 &&
	       memcmp(path + n - b - 8, "asyncio/", 8) == 0;
}

/* The last part of a qualified name ("Lock.acquire" -> "acquire"). */
static const char *
short_name(const char *function)
{
	const char *dot = strrchr(function, '.');

	return dot != NULL ? dot + 1 : function;
}

/* What a waiting task waits for: the future it waits on, told by the
 * innermost coroutine's function (asyncio's own sleep, lock, queue, …)
 * and by its kind (a task, a gather's future). selves: the first local of
 * the innermost frame and of the one under it. A pure-Python Future is
 * awaited through its own __await__ (3.6, 3.7: __iter__), a frame of
 * futures.py at the top of the chain: the frame under it tells. */
static void
task_classify(const struct python_layout *l, const struct python_memory *mem,
              struct python_namer *namer, const struct python_asyncio_types *types,
              const uint64_t selves[2], struct python_task *t)
{
	struct frame_row row = {0};
	uint64_t innermost_self = selves[0];
	const char *fn;

	if (t->state != PYTHON_TASK_WAITING)
		return;
	t->awaits = PYTHON_AWAITS_FUTURE;
	t->awaits_object = t->fut_waiter;
	if (python_asyncio_is_task_type(types, object_type(l, mem, t->fut_waiter))) {
		t->awaits = PYTHON_AWAITS_TASK;
		task_awaits_add(t, t->fut_waiter);
		return;
	}
	if ((types->gathering_future_type != 0 &&
	     object_type(l, mem, t->fut_waiter) == types->gathering_future_type) ||
	    type_named(l, mem, t->fut_waiter, "_GatheringFuture")) {
		t->awaits = PYTHON_AWAITS_GATHER;
		awaits_list(l, mem, types, instance_attr(namer, t->fut_waiter, "_children"), t);
		return;
	}
	if (t->nframes == 0)
		return;
	python_namer_frame(namer, &t->frames[t->nframes - 1], &row);
	fn = short_name(row.function);
	if (t->nframes > 1 && asyncio_file(row.file, "futures.py") &&
	    (strcmp(fn, "__await__") == 0 || strcmp(fn, "__iter__") == 0)) {
		frame_row_clear(&row);
		python_namer_frame(namer, &t->frames[t->nframes - 2], &row);
		fn = short_name(row.function);
		innermost_self = selves[1];
	}
	if (asyncio_file(row.file, "tasks.py") && strcmp(fn, "sleep") == 0) {
		t->awaits = PYTHON_AWAITS_SLEEP;
	} else if (asyncio_file(row.file, "taskgroups.py") &&
	           (strcmp(fn, "__aexit__") == 0 || strcmp(fn, "_aexit") == 0)) {
		/* 3.11+: the parent waits in TaskGroup.__aexit__ (3.14: _aexit)
		 * for the tasks of the group's _tasks set. */
		t->awaits = PYTHON_AWAITS_TASKGROUP;
		t->awaits_object = innermost_self;
		awaits_set(l, mem, types, instance_attr(namer, innermost_self, "_tasks"), t);
	} else if (asyncio_file(row.file, "locks.py")) {
		t->awaits_object = innermost_self;
		if (type_named(l, mem, innermost_self, "Lock"))
			t->awaits = PYTHON_AWAITS_LOCK;
		else if (type_named(l, mem, innermost_self, "Event"))
			t->awaits = PYTHON_AWAITS_EVENT;
		else if (type_named(l, mem, innermost_self, "Condition"))
			t->awaits = PYTHON_AWAITS_CONDITION;
		else if (type_named(l, mem, innermost_self, "Semaphore") ||
		         type_named(l, mem, innermost_self, "BoundedSemaphore"))
			t->awaits = PYTHON_AWAITS_SEMAPHORE;
		else
			t->awaits_object = t->fut_waiter;
	} else if (asyncio_file(row.file, "queues.py")) {
		t->awaits = PYTHON_AWAITS_QUEUE;
		t->awaits_object = innermost_self;
	}
	frame_row_clear(&row);
}

/* A C task's fields, from the TaskObj. Returns its state: 0 pending, 1
 * cancelled, 2 finished, -1 unreadable. */
static int64_t
task_fields_c(const struct python_asyncio_layout *al, const struct python_memory *mem,
              struct python_task *t)
{
	unsigned char buf[256];

	if (mem->read(mem->arg, t->addr, buf, sizeof(buf)) != 0)
		return -1;
	t->loop = python_memory_field_u64(buf, sizeof(buf), al->task.loop);
	t->name_obj = python_memory_field_u64(buf, sizeof(buf), al->task.name);
	t->coro = python_memory_field_u64(buf, sizeof(buf), al->task.coro);
	t->fut_waiter = python_memory_field_u64(buf, sizeof(buf), al->task.fut_waiter);
	return python_memory_field_i32(buf, sizeof(buf), al->task.state);
}

/* A pure-Python task's fields, the attributes asyncio.futures.Future and
 * asyncio.tasks.Task set (the same names in 3.6-3.15): _loop, _coro,
 * _fut_waiter (None while it waits for nothing), _name (3.8+) and _state,
 * the str 'PENDING', 'CANCELLED' or 'FINISHED', which a pending task does
 * not have (it is Future's class attribute, 'PENDING', until the future is
 * done). Returns the state as task_fields_c does. */
static int64_t
task_fields_py(struct python_namer *namer, struct python_task *t)
{
	static const char *const states[] = {"PENDING", "CANCELLED", "FINISHED"};
	const struct python_target *tg = python_namer_target(namer);
	struct python_dict_item *items;
	const struct python_dict_item *it;
	size_t n = python_instance_attrs(&tg->layout, python_namer_memory(namer), t->addr, &items);
	char *state = NULL;
	int64_t at = 0;

	if ((it = python_dict_find(namer, items, n, "_loop", NULL)) != NULL)
		t->loop = it->value;
	if ((it = python_dict_find(namer, items, n, "_name", NULL)) != NULL)
		t->name_obj = it->value;
	if ((it = python_dict_find(namer, items, n, "_coro", NULL)) != NULL)
		t->coro = it->value;
	if ((it = python_dict_find(namer, items, n, "_fut_waiter", NULL)) != NULL &&
	    !type_named(&tg->layout, python_namer_memory(namer), it->value, "NoneType"))
		t->fut_waiter = it->value;
	if ((it = python_dict_find(namer, items, n, "_state", NULL)) != NULL) {
		state = python_namer_string(namer, it->value);
		at = -1;
		for (size_t i = 0; state != NULL && i < sizeof(states) / sizeof(*states); i++)
			if (strcmp(state, states[i]) == 0)
				at = (int64_t)i;
	}
	if (t->coro == 0)
		at = -1; /* not a task read whole */
	free(state);
	free(items);
	return at;
}

/* Reads one task. */
static void
task_read(const struct python_target *tg, const struct python_asyncio_layout *al,
          const struct python_memory *mem, struct python_namer *namer,
          const struct python_asyncio_types *types, uint64_t addr, struct python_task *t)
{
	const struct python_layout *l = &tg->layout;
	uint64_t coro, coro_type, selves[2] = {0, 0}; /* innermost, the one under it */
	int64_t state;
	size_t cap = 0;
	bool executing = false;

	*t = (struct python_task){.addr = addr, .state = PYTHON_TASK_UNKNOWN};
	t->type = object_type(l, mem, addr);
	t->pure = type_among(types->py_task_types, types->npy_task_types, t->type);
	state = t->pure ? task_fields_py(namer, t) : task_fields_c(al, mem, t);
	if (state == 1 || state == 2) {
		/* Its coroutine has returned (or was closed): no frames. */
		t->state = state == 1 ? PYTHON_TASK_CANCELLED : PYTHON_TASK_DONE;
		return;
	}
	if (state != 0)
		return;
	/* The chain: each suspended coroutine awaits the next one, of the
	 * same type (a native coroutine); anything else ends it. */
	coro = t->coro;
	coro_type = object_type(l, mem, coro);
	for (size_t depth = 0; coro != 0; depth++) {
		struct coro_link link;

		if (depth == PYTHON_ASYNCIO_MAX_DEPTH || coro_link(tg, al, mem, coro, &link) != 0) {
			t->truncated = true;
			break;
		}
		if (t->nframes == cap) {
			cap = cap ? cap * 2 : 8;
			t->frames = xreallocarray(t->frames, cap, sizeof(*t->frames));
		}
		t->frames[t->nframes++] = link.frame;
		selves[1] = selves[0];
		selves[0] = link.self;
		if (link.state == al->coro.state_executing) {
			executing = true;
			break;
		}
		/* 3.6's asyncio.sleep and other @coroutine functions are
		 * generators, laid out as coroutines are. */
		coro = link.awaited != 0 && (object_type(l, mem, link.awaited) == coro_type ||
		                             type_named(l, mem, link.awaited, "generator"))
		           ? link.awaited
		           : 0;
	}
	t->state = executing            ? PYTHON_TASK_RUNNING
	           : t->fut_waiter != 0 ? PYTHON_TASK_WAITING
	                                : PYTHON_TASK_SCHEDULED;
	task_classify(l, mem, namer, types, selves, t);
	/* Innermost first, as every stack stacktop shows. */
	for (size_t i = 0; i < t->nframes / 2; i++) {
		struct python_raw_frame f = t->frames[i];

		t->frames[i] = t->frames[t->nframes - 1 - i];
		t->frames[t->nframes - 1 - i] = f;
	}
}

void
python_asyncio_read(const struct python_target *t, const struct python_asyncio_layout *al,
                    const struct python_memory *mem, struct python_namer *namer,
                    const struct python_asyncio_types *types, const uint64_t *addrs, size_t n,
                    struct python_task **out)
{
	*out = xcalloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		task_read(t, al, mem, namer, types, addrs[i], &(*out)[i]);
}

void
python_asyncio_tasks_free(struct python_task *tasks, size_t n)
{
	if (tasks == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(tasks[i].frames);
		free(tasks[i].awaits_tasks);
	}
	free(tasks);
}
