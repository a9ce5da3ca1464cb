#include "python_lockwait.h"

#include "python_string.h"

#include <errno.h>
#include <string.h>

/* A frame's value stack is short (the compiler's co_stacksize); more than
 * this many slots means we are not reading a frame. */
#define LOCKWAIT_MAX_SLOTS 512
/* Distinct types looked at in one frame before giving up. */
#define LOCKWAIT_MAX_TYPES 16
/* Py_TAG_BITS: a _PyStackRef keeps tags in its low two bits; 3 marks a
 * tagged int (3.14's Py_INT_TAG), which is no object at all. */
#define LOCKWAIT_TAG_BITS 3u

static const char lockwait_lock_name[] = "_thread.lock";
static const char lockwait_rlock_name[] = "_thread.RLock";

enum lockwait_kind { KIND_OTHER, KIND_LOCK, KIND_RLOCK };

bool
python_lockwait_applies(const struct python_target *t)
{
	return t->layout.iframe.stackpointer >= 0 && t->layout.iframe.localsplus >= 0 &&
	       t->layout.thread_lock.rlock_owner >= 0;
}

/* What the type at address type is, by its tp_name. */
static enum lockwait_kind
lockwait_type_kind(const struct python_target *t, const struct python_memory *mem, uint64_t type)
{
	if (python_string_type_named(&t->layout, mem, type, lockwait_rlock_name))
		return KIND_RLOCK;
	if (python_string_type_named(&t->layout, mem, type, lockwait_lock_name))
		return KIND_LOCK;
	return KIND_OTHER;
}

int
python_lockwait_find(const struct python_target *t, const struct python_memory *mem,
                     uint64_t tstate, struct python_lock_wait *out)
{
	const struct python_layout *l = &t->layout;
	uint64_t frame, sp, base, slots[LOCKWAIT_MAX_SLOTS];
	uint64_t types[LOCKWAIT_MAX_TYPES];
	enum lockwait_kind kinds[LOCKWAIT_MAX_TYPES];
	size_t n, ntypes = 0;

	memset(out, 0, sizeof(*out));
	if (!python_lockwait_applies(t))
		return -ENOTSUP;
	if (python_memory_u64(mem, tstate + (uint64_t)l->thread.current_frame, &frame) != 0 ||
	    frame == 0 ||
	    python_memory_u64(mem, frame + (uint64_t)l->iframe.stackpointer, &sp) != 0)
		return -EFAULT;
	base = frame + (uint64_t)l->iframe.localsplus;
	if (sp <= base || (sp - base) % 8 != 0 || (sp - base) / 8 > LOCKWAIT_MAX_SLOTS)
		return -ENOENT;
	n = (size_t)((sp - base) / 8);
	if (mem->read(mem->arg, base, slots, n * 8) != 0)
		return -EFAULT;
	/* From the top: acquire()'s lock is the last thing pushed before the
	 * call (self of the method, or the object of a with statement). */
	for (size_t i = n; i-- > 0;) {
		uint64_t obj = slots[i] & ~(uint64_t)LOCKWAIT_TAG_BITS, type;
		enum lockwait_kind kind = KIND_OTHER;
		size_t k;

		if ((slots[i] & LOCKWAIT_TAG_BITS) == LOCKWAIT_TAG_BITS || obj < 4096 ||
		    python_memory_u64(mem, obj + (uint64_t)l->object.ob_type, &type) != 0 ||
		    type == 0)
			continue;
		for (k = 0; k < ntypes && types[k] != type; k++)
			;
		if (k < ntypes) {
			kind = kinds[k];
		} else if (ntypes < LOCKWAIT_MAX_TYPES) {
			kind = lockwait_type_kind(t, mem, type);
			types[ntypes] = type;
			kinds[ntypes++] = kind;
		} else {
			continue;
		}
		if (kind == KIND_OTHER)
			continue;
		out->lock = obj;
		out->rlock = kind == KIND_RLOCK;
		if (out->rlock && python_memory_u64(mem, obj + (uint64_t)l->thread_lock.rlock_owner,
		                                    &out->owner_ident) != 0)
			out->owner_ident = 0;
		return 0;
	}
	return -ENOENT;
}
