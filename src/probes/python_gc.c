#include "python_gc.h"

#include "python_stack.h"
#include "python_string.h"

#include <errno.h>
#include <string.h>

/* The address of the struct gc_generation array, and of the gc.garbage
 * variable (a PyObject *; 0 when unknown), and of the collecting int (0 when
 * unknown). */
static int
python_gc_where(const struct python_target *t, const struct python_memory *mem, uint64_t *gens,
                uint64_t *garbage, uint64_t *collecting, uint64_t *permanent)
{
	const struct python_layout *l = &t->layout;
	uint64_t state, interp;
	int err;

	*garbage = *collecting = *permanent = 0;
	if (l->runtime.gc >= 0) { /* 3.7, 3.8 */
		state = t->head_addr + (uint64_t)l->runtime.gc;
	} else if (l->interp.gc >= 0) { /* 3.9+ */
		if ((err = python_stack_first_interp(t, mem, &interp)) != 0)
			return err;
		if (interp == 0)
			return -EFAULT;
		state = interp + (uint64_t)l->interp.gc;
	} else { /* 2.7, 3.6: _PyGC_generation0 == &generations[0].head */
		if (t->gc_generation0_addr == 0)
			return -ENOTSUP;
		if ((err = python_memory_u64(mem, t->gc_generation0_addr, gens)) != 0)
			return err;
		if (*gens == 0)
			return -EFAULT;
		*gens -= (uint64_t)l->gc.generation_head;
		*garbage = t->gc_garbage_addr;
		return 0;
	}
	*gens = state + (uint64_t)l->gc.generations;
	*garbage = l->gc.garbage >= 0 ? state + (uint64_t)l->gc.garbage : 0;
	*collecting = l->gc.collecting >= 0 ? state + (uint64_t)l->gc.collecting : 0;
	*permanent =
	    l->gc.permanent_generation >= 0 ? state + (uint64_t)l->gc.permanent_generation : 0;
	return 0;
}

/* len(gc.garbage) from the variable at addr, or -1 when it cannot be read or
 * does not point to a list. NULL (2.7 and 3.6 before the gc module is
 * imported) is an empty gc.garbage: the collector creates the list when it
 * first finds garbage. */
static int64_t
python_gc_garbage_len(const struct python_layout *l, const struct python_memory *mem, uint64_t addr)
{
	uint64_t list, type;
	int64_t len;

	if (addr == 0 || python_memory_u64(mem, addr, &list) != 0)
		return -1;
	if (list == 0)
		return 0;
	if (python_memory_u64(mem, list + (uint64_t)l->object.ob_type, &type) != 0 ||
	    !python_string_type_named(l, mem, type, "list") ||
	    mem->read(mem->arg, list + (uint64_t)l->object.ob_size, &len, sizeof(len)) != 0 ||
	    len < 0)
		return -1;
	return len;
}

int
python_gc_read_state(const struct python_target *t, const struct python_memory *mem,
                     struct python_gc_state *out)
{
	const struct python_layout *l = &t->layout;
	uint64_t gens, garbage, collecting, permanent;
	int n = l->gc.num_generations;
	int err;

	memset(out, 0, sizeof(*out));
	out->garbage = -1;
	out->collecting = -1;
	if (n <= 0 || l->gc.generation_size <= 0)
		return -ENOTSUP;
	if (n > PYTHON_GC_MAX_GENERATIONS)
		n = PYTHON_GC_MAX_GENERATIONS;
	if ((err = python_gc_where(t, mem, &gens, &garbage, &collecting, &permanent)) != 0)
		return err == -ESRCH || err == -ENOTSUP ? err : -EFAULT;
	for (int g = 0; g < n; g++) {
		uint64_t gen = gens + (uint64_t)g * (uint64_t)l->gc.generation_size;
		int32_t count, threshold;

		if (mem->read(mem->arg, gen + (uint64_t)l->gc.generation_count, &count,
		              sizeof(count)) != 0 ||
		    mem->read(mem->arg, gen + (uint64_t)l->gc.generation_threshold, &threshold,
		              sizeof(threshold)) != 0)
			return -EFAULT;
		out->count[g] = count;
		out->threshold[g] = threshold;
		out->heads[out->nheads++] = gen + (uint64_t)l->gc.generation_head;
	}
	out->ngenerations = n;
	if (permanent != 0) {
		out->heads[out->nheads++] = permanent + (uint64_t)l->gc.generation_head;
		out->permanent = true;
	}
	if (collecting != 0) {
		int32_t c;

		if (mem->read(mem->arg, collecting, &c, sizeof(c)) == 0)
			out->collecting = c != 0;
	}
	out->garbage = python_gc_garbage_len(l, mem, garbage);
	return 0;
}
