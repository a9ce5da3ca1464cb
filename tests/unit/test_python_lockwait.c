/* The 3.14+ lock-wait reader over a fake address space laid out with the
 * generated 3.14 layout: the topmost threading lock on the waiting frame's
 * value stack, an RLock's owner ident, tagged ints and other objects passed
 * over, and frames that cannot be what they claim. */
#include "../fake_memory.h"
#include "check.h"
#include "probes/python_lockwait.h"

#define SPACE 8192

static uint8_t space[SPACE];
static struct fake_memory fake = {space, SPACE};
static const struct python_memory mem = {fake_read, &fake, NULL};

/* Where things are in the fake space. */
#define TSTATE     (FAKE_BASE + 0x000)
#define FRAME      (FAKE_BASE + 0x400)
#define LOCK_TYPE  (FAKE_BASE + 0x800)
#define RLOCK_TYPE (FAKE_BASE + 0x900)
#define STR_TYPE   (FAKE_BASE + 0xa00)
#define NAMES      (FAKE_BASE + 0xb00)
#define LOCK       (FAKE_BASE + 0xc00)
#define RLOCK      (FAKE_BASE + 0xd00)
#define STR        (FAKE_BASE + 0xe00)

/* A thread whose innermost frame has slots[0..n) on its value stack. */
static void
build(const struct python_layout *l, const uint64_t *slots, size_t n)
{
	memset(space, 0, sizeof(space));
	fake_put_object(space, l, LOCK, LOCK_TYPE, NAMES, "_thread.lock");
	fake_put_object(space, l, RLOCK, RLOCK_TYPE, NAMES + 32, "_thread.RLock");
	fake_put_object(space, l, STR, STR_TYPE, NAMES + 64, "str");
	fake_put_u64(space, RLOCK + (uint64_t)l->thread_lock.rlock_owner, 0x7f00deadbe00ull);
	fake_put_u64(space, TSTATE + (uint64_t)l->thread.current_frame, FRAME);
	for (size_t i = 0; i < n; i++)
		fake_put_u64(space, FRAME + (uint64_t)l->iframe.localsplus + 8 * i, slots[i]);
	fake_put_u64(space, FRAME + (uint64_t)l->iframe.stackpointer,
	             FRAME + (uint64_t)l->iframe.localsplus + 8 * n);
}

int
main(void)
{
	const struct python_layout *l = python_layout_for(3, 14);
	struct python_target t = {0};
	struct python_lock_wait w;

	if (!CHECK(l != NULL))
		return check_done("python_lockwait");
	t.layout = *l;
	CHECK(python_lockwait_applies(&t));

	/* rlock.acquire(): [a local str, a tagged int, the bound method's
	 * self] with the deferred-reference tag on the RLock. */
	const uint64_t rlock_call[] = {STR, (42u << 2) | 3, RLOCK | 1};
	build(l, rlock_call, 3);
	CHECK(python_lockwait_find(&t, &mem, TSTATE, &w) == 0);
	CHECK(w.lock == RLOCK && w.rlock && w.owner_ident == 0x7f00deadbe00ull);

	/* The topmost lock wins: a Lock acquired while an RLock is a local. */
	const uint64_t lock_call[] = {RLOCK, STR, LOCK};
	build(l, lock_call, 3);
	CHECK(python_lockwait_find(&t, &mem, TSTATE, &w) == 0);
	CHECK(w.lock == LOCK && !w.rlock && w.owner_ident == 0);

	/* No lock on the stack: a wait for one of CPython's own mutexes. */
	const uint64_t none[] = {STR, 0, 7, (1u << 2) | 3};
	build(l, none, 4);
	CHECK(python_lockwait_find(&t, &mem, TSTATE, &w) == -ENOENT);

	/* A stack pointer below the frame's slots, or absurdly far above. */
	build(l, lock_call, 3);
	fake_put_u64(space, FRAME + (uint64_t)l->iframe.stackpointer, FRAME);
	CHECK(python_lockwait_find(&t, &mem, TSTATE, &w) == -ENOENT);
	fake_put_u64(space, FRAME + (uint64_t)l->iframe.stackpointer, FRAME + (1u << 20));
	CHECK(python_lockwait_find(&t, &mem, TSTATE, &w) == -ENOENT);
	/* A thread state whose frame cannot be read. */
	fake_put_u64(space, TSTATE + (uint64_t)l->thread.current_frame, 0x10);
	CHECK(python_lockwait_find(&t, &mem, TSTATE, &w) == -EFAULT);

	/* Before 3.14 locks are found by their futex word instead. */
	t.layout = *python_layout_for(3, 13);
	CHECK(!python_lockwait_applies(&t));
	CHECK(python_lockwait_find(&t, &mem, TSTATE, &w) == -ENOTSUP);
	return check_done("python_lockwait");
}
