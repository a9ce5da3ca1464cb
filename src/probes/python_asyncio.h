/* Reading asyncio tasks from outside a CPython process: each task's
 * fields (the C _asyncio.Task, through python_asyncio_layout; the
 * pure-Python asyncio.tasks.Task, which asyncio uses when it has no C
 * _asyncio module, from its instance dict), the chain
 * of coroutines it is suspended in (each suspended coroutine's frame, and
 * the coroutine it awaits, found at the top of that frame's value stack),
 * and what the innermost one waits for: another task, the tasks of a
 * gather or a TaskGroup, a sleep, an asyncio lock, event, condition,
 * semaphore or queue, or another future.
 *
 * Pure: it reads only through the struct python_memory given (a copy of a
 * stopped target, a fake address space in tests and the fuzzer), and
 * everything read is untrusted: chains, lists and sets are bounded, and an
 * object is followed only when its type is the one expected. Names (the
 * task's name, frames as function, file and line) are read afterwards by
 * a namer (python_namer), from the raw addresses kept here. */
#ifndef STACKTOP_PYTHON_ASYNCIO_H
#define STACKTOP_PYTHON_ASYNCIO_H

#include "python_asyncio_layout.h"
#include "python_find.h"
#include "python_memory.h"
#include "python_namer.h"
#include "python_stack.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The deepest chain of coroutines followed in one task. */
#define PYTHON_ASYNCIO_MAX_DEPTH 64
/* The most tasks one gather or TaskGroup lists that are read. */
#define PYTHON_ASYNCIO_MAX_CHILDREN 4096

enum python_task_state {
	PYTHON_TASK_RUNNING,   /* its coroutine is executing now */
	PYTHON_TASK_WAITING,   /* suspended on a future (fut_waiter) */
	PYTHON_TASK_SCHEDULED, /* pending, waiting for no future: its next step
	                          is in its loop's ready queue */
	PYTHON_TASK_DONE,      /* finished, the object not yet collected */
	PYTHON_TASK_CANCELLED, /* cancelled, the object not yet collected */
	PYTHON_TASK_UNKNOWN,
};

/* What a waiting task waits for. */
enum python_task_awaits {
	PYTHON_AWAITS_NOTHING,
	PYTHON_AWAITS_TASK,      /* another task (awaits[0]) */
	PYTHON_AWAITS_GATHER,    /* the tasks of an asyncio.gather (awaits[]) */
	PYTHON_AWAITS_TASKGROUP, /* the tasks of a TaskGroup it leaves (awaits[]) */
	PYTHON_AWAITS_SLEEP,     /* asyncio.sleep */
	PYTHON_AWAITS_LOCK,      /* asyncio.Lock.acquire (object: the lock) */
	PYTHON_AWAITS_EVENT,     /* asyncio.Event.wait */
	PYTHON_AWAITS_CONDITION, /* asyncio.Condition.wait */
	PYTHON_AWAITS_SEMAPHORE, /* asyncio.(Bounded)Semaphore.acquire */
	PYTHON_AWAITS_QUEUE,     /* asyncio.Queue get or put */
	PYTHON_AWAITS_FUTURE,    /* another future (object) */
};

/* The words of the kinds, as JSON and text show them ("task", "sleep" …);
 * "" for nothing. */
const char *python_task_state_name(enum python_task_state s);
const char *python_task_awaits_name(enum python_task_awaits a);

/* One task, as read. */
struct python_task {
	uint64_t addr; /* the Task object: id(task) */
	uint64_t loop;
	uint64_t name_obj; /* its name, a str (3.8+), or 0 */
	uint64_t coro;
	uint64_t fut_waiter;
	enum python_task_state state;
	uint64_t type; /* its class */
	bool pure;     /* a pure-Python Task: its fields are in its instance dict */
	/* The coroutines it is suspended in, outermost first as followed:
	 * innermost first once python_asyncio_read returns. */
	struct python_raw_frame *frames; /* owned */
	size_t nframes;
	bool truncated; /* the chain ended at a bound or a failed read */
	enum python_task_awaits awaits;
	uint64_t awaits_object; /* the lock, queue, future … it waits on */
	uint64_t *awaits_tasks; /* owned: the tasks it awaits */
	size_t nawaits_tasks;
};

/* How python_asyncio_read tells tasks and the other objects it meets. */
struct python_asyncio_types {
	/* Type addresses of the target's task classes (_asyncio.Task and its
	 * subclasses), and of asyncio.tasks._GatheringFuture when known. */
	const uint64_t *task_types;
	size_t ntask_types;
	uint64_t gathering_future_type;
	/* Those of its pure-Python task classes (asyncio.tasks.Task where
	 * the C module is missing, and its subclasses). */
	const uint64_t *py_task_types;
	size_t npy_task_types;
};

/* Reads the n tasks at addrs of target t (layout al) through mem, and
 * what each awaits; namer (over the same memory) names the innermost
 * frame of each and the attributes read. Returns the owned array of n
 * tasks in *out (free with python_asyncio_tasks_free); a task that cannot
 * be read has state UNKNOWN. */
void python_asyncio_read(const struct python_target *t, const struct python_asyncio_layout *al,
                         const struct python_memory *mem, struct python_namer *namer,
                         const struct python_asyncio_types *types, const uint64_t *addrs, size_t n,
                         struct python_task **out);
void python_asyncio_tasks_free(struct python_task *tasks, size_t n);

/* The value of int object obj when it is at least 0 and has at most two
 * digits (below 2**60: a task's number, a thread ident): 0 and *value, or
 * -1 (not such an int, negative, unreadable). */
int python_asyncio_small_int(const struct python_layout *l, const struct python_memory *mem,
                             uint64_t obj, int64_t *value);

/* The thread ident (threading.get_ident(): its pthread_t) of the thread
 * running event loop obj: BaseEventLoop._thread_id, set by run_forever
 * and None when the loop is not running (every version 3.6-3.15). Returns
 * it, or 0 (not running, not an asyncio loop, unreadable). namer: over
 * the memory the loop is read from. */
uint64_t python_asyncio_loop_thread(struct python_namer *namer, uint64_t loop);

/* Whether type (a type object of the target) is one of types' task
 * classes, C or pure-Python. */
bool python_asyncio_is_task_type(const struct python_asyncio_types *types, uint64_t type);

#endif
