#include "python_stack.h"

#include "../xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* How many calls deeper a running thread may have gone since its walk for
 * the walk's frames still to count as its stack. */
#define PYTHON_DEEPER_LINKS 16

/* Bounds on what a corrupt or racing target can make us follow. */
#define PYTHON_MAX_INTERPRETERS 64
#define PYTHON_MAX_THREADS      10000
#define PYTHON_MAX_FRAMES       4096
#define PYTHON_MAX_ALL_FRAMES   (1 << 16) /* all threads together */
/* How much of a frame we read at once. */
#define PYTHON_FRAME_BYTES 128

/* Brent's cycle detection over a chain of pointers (threads, frames): a
 * corrupt or racing target can link a chain into a loop, which the bounds
 * alone would follow thousands of times. */
struct chain {
	uint64_t saved;
	size_t power, steps;
};

/* True when addr was seen before in this chain. */
static bool
chain_loops(struct chain *c, uint64_t addr)
{
	if (addr == c->saved)
		return true;
	if (++c->steps == c->power) {
		c->saved = addr;
		c->power *= 2;
		c->steps = 0;
	}
	return false;
}

int
python_stack_first_interp(const struct python_target *t, const struct python_memory *mem,
                          uint64_t *interp)
{
	const struct python_layout *l = &t->layout;
	uint64_t at = l->runtime.interpreters_head >= 0
	                  ? t->head_addr + (uint64_t)l->runtime.interpreters_head
	                  : t->head_addr;

	return python_memory_u64(mem, at, interp);
}

/* The thread state that holds the GIL in interpreter interp, or 0. */
static uint64_t
python_gil_holder(const struct python_target *t, const struct python_memory *mem, uint64_t interp)
{
	const struct python_layout *l = &t->layout;
	uint64_t holder = 0, gil;
	int32_t locked = 0;

	/* A free-threaded build keeps the GIL's struct, disabled: nobody holds
	 * it, and last_holder means nothing. */
	if (l->free_threaded)
		return 0;
	if (l->interp.ceval_gil >= 0) { /* 3.12+: a GIL per interpreter */
		if (python_memory_u64(mem, interp + (uint64_t)l->interp.ceval_gil, &gil) != 0 ||
		    gil == 0 ||
		    python_memory_i32(mem, gil + (uint64_t)l->gil.locked, &locked) != 0 ||
		    python_memory_u64(mem, gil + (uint64_t)l->gil.last_holder, &holder) != 0)
			return 0;
	} else if (l->runtime.gil_locked >= 0) { /* 3.7–3.11 */
		if (python_memory_i32(mem, t->head_addr + (uint64_t)l->runtime.gil_locked,
		                      &locked) != 0 ||
		    python_memory_u64(mem, t->head_addr + (uint64_t)l->runtime.gil_last_holder,
		                      &holder) != 0)
			return 0;
	} else if (t->gil_holder_addr != 0) { /* 2.7, 3.6: NULL while released */
		if (python_memory_u64(mem, t->gil_holder_addr, &holder) != 0)
			return 0;
		locked = holder != 0;
	}
	return locked ? holder : 0;
}

/* The innermost frame of a thread state. */
static uint64_t
python_top_frame(const struct python_layout *l, const unsigned char *ts, size_t len,
                 const struct python_memory *mem)
{
	uint64_t cframe, frame = 0;

	if (l->thread.frame >= 0) /* ≤3.10 */
		return python_memory_field_u64(ts, len, l->thread.frame);
	if (l->thread.current_frame >= 0) /* 3.13+ */
		return python_memory_field_u64(ts, len, l->thread.current_frame);
	cframe = python_memory_field_u64(ts, len, l->thread.cframe); /* 3.11–3.12 */
	if (cframe != 0)
		(void)python_memory_u64(mem, cframe + (uint64_t)l->cframe.current_frame, &frame);
	return frame;
}

static void
python_push(struct python_raw_thread *th, size_t *cap, struct python_raw_frame f)
{
	if (th->nframes == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		th->frames = xreallocarray(th->frames, *cap, sizeof(*th->frames));
	}
	th->frames[th->nframes++] = f;
}

/* The _PyCFrames of a thread (3.10-3.11; CFrame on 3.10): each call of the
 * eval loop keeps one among its locals, linked to its caller's, and the
 * thread state points to the innermost. */
struct cframes {
	const struct python_layout *l;
	const struct python_memory *mem;
	uint64_t next;
};

/* The address of the next call's _PyCFrame, outwards, or 0 when unknown. */
static uint64_t
cframes_next(struct cframes *c)
{
	uint64_t at = c->next;

	if (at != 0 &&
	    (c->l->cframe.previous < 0 ||
	     python_memory_u64(c->mem, at + (uint64_t)c->l->cframe.previous, &c->next) != 0))
		c->next = 0;
	return at;
}

/* ≤3.10: PyFrameObjects, one call of the eval loop each. */
static void
python_walk_frames(const struct python_layout *l, const struct python_memory *mem, uint64_t frame,
                   struct cframes *cframes, struct python_raw_thread *th, size_t *budget)
{
	unsigned char buf[PYTHON_FRAME_BYTES];
	size_t cap = 0;

	struct chain chain = {0, 1, 0};

	for (size_t depth = 0; frame != 0; depth++) {
		int64_t lasti;

		if (depth == PYTHON_MAX_FRAMES || *budget == 0 || chain_loops(&chain, frame) ||
		    mem->read(mem->arg, frame, buf, sizeof(buf)) != 0) {
			th->truncated = true;
			return;
		}
		(*budget)--;
		lasti = python_memory_field_i32(buf, sizeof(buf), l->frame.f_lasti);
		python_push(th, &cap,
		            (struct python_raw_frame){
		                .code = python_memory_field_u64(buf, sizeof(buf), l->frame.f_code),
		                .offset = lasti < 0 ? -1 : lasti * l->frame.lasti_scale,
		                .eval_last = true,
		                .anchor = cframes_next(cframes),
		                .addr = frame,
		                .back = python_memory_field_u64(buf, sizeof(buf), l->frame.f_back),
		            });
		frame = python_memory_field_u64(buf, sizeof(buf), l->frame.f_back);
	}
}

/* The frames of 3.11+ are pushed on the thread's own data stack, each above
 * its caller: a thread's frames mostly lie together, under its innermost.
 * A walk reads them through a window of the memory below the frame it
 * needs, from as far as its page allows, so that a chain of frames in one
 * page is one read, not one a frame. */
#define PYTHON_WINDOW_BYTES 4096

struct frame_window {
	uint64_t start;
	size_t len;
	unsigned char bytes[PYTHON_WINDOW_BYTES + PYTHON_FRAME_BYTES];
};

/* Copies the PYTHON_FRAME_BYTES at addr into buf, through w. */
static int
frame_window_read(struct frame_window *w, const struct python_memory *mem, uint64_t addr,
                  unsigned char *buf)
{
	uint64_t lo = addr & ~(uint64_t)(PYTHON_WINDOW_BYTES - 1);

	if (w->len == 0 || addr < w->start || addr - w->start + PYTHON_FRAME_BYTES > w->len) {
		/* From the start of addr's page: mapped, as addr is. */
		if (addr + PYTHON_FRAME_BYTES < addr)
			return -EFAULT;
		w->len = 0;
		if (mem->read(mem->arg, lo, w->bytes, (size_t)(addr - lo) + PYTHON_FRAME_BYTES) !=
		    0)
			return mem->read(mem->arg, addr, buf, PYTHON_FRAME_BYTES);
		w->start = lo;
		w->len = (size_t)(addr - lo) + PYTHON_FRAME_BYTES;
	}
	memcpy(buf, w->bytes + (addr - w->start), PYTHON_FRAME_BYTES);
	return 0;
}

/* 3.11+: _PyInterpreterFrames. One call of the eval loop runs several: on
 * 3.11 its outermost is marked is_entry (and the call's place on the C
 * stack is its _PyCFrame); on 3.12+ each call pushes a shim frame owned by
 * the C stack under them, one of its locals. */
static void
python_walk_iframes(const struct python_layout *l, const struct python_memory *mem, uint64_t frame,
                    struct cframes *cframes, struct python_raw_thread *th, size_t *budget)
{
	unsigned char buf[PYTHON_FRAME_BYTES];
	int32_t instr = l->iframe.instr_ptr >= 0 ? l->iframe.instr_ptr : l->iframe.prev_instr;
	size_t cap = 0;
	struct frame_window window; /* its bytes are read before use */

	struct chain chain = {0, 1, 0};

	window.len = 0;
	for (size_t depth = 0; frame != 0; depth++) {
		uint64_t code, ip, at = frame;
		bool entry;

		if (depth == PYTHON_MAX_FRAMES || *budget == 0 || chain_loops(&chain, frame) ||
		    frame_window_read(&window, mem, frame, buf) != 0) {
			th->truncated = true;
			return;
		}
		(*budget)--;
		frame = python_memory_field_u64(buf, sizeof(buf), l->iframe.previous);
		if (l->iframe.owned_by_cstack >= 0 &&
		    python_memory_field_u8(buf, sizeof(buf), l->iframe.owner) ==
		        (unsigned)l->iframe.owned_by_cstack) {
			/* 3.15 ends every chain with the thread's base frame, marked
			 * as a shim but not on the C stack: a frame already ended by
			 * its call's shim keeps that shim as its anchor. */
			if (th->nframes > 0 && !th->frames[th->nframes - 1].eval_last) {
				th->frames[th->nframes - 1].eval_last = true;
				th->frames[th->nframes - 1].anchor = at;
			}
			continue; /* the shim: no code of its own */
		}
		/* 3.14+ keep a tagged reference (Py_TAG_BITS: the low two bits);
		 * an object is aligned to 8 or more, so clearing them is right for
		 * the plain pointer of 3.11-3.13 too. */
		code = python_memory_field_u64(buf, sizeof(buf), l->iframe.code) & ~(uint64_t)3;
		/* A returning call's frame is cleared (its code reference first)
		 * just after the thread state moved past it: read running, the
		 * innermost frame may be one, no longer on the stack. Below a
		 * frame of the walk, one is a frame that returned while we read:
		 * the walk tore. */
		if (code == 0 && th->nframes == 0)
			continue;
		if (code == 0) {
			th->truncated = true;
			return;
		}
		ip = python_memory_field_u64(buf, sizeof(buf), instr);
		entry = l->iframe.is_entry >= 0 &&
		        python_memory_field_u8(buf, sizeof(buf), l->iframe.is_entry) != 0;
		/* A frame of Python code always has a caller: the shim of its
		 * eval loop call (3.12+), or on 3.11 it is marked as that call's
		 * entry. One without is a returning frame caught between its
		 * clearing and the thread moving past it (a preempted thread
		 * holds that state for as long as it waits for a CPU). */
		if (frame == 0 &&
		    (l->iframe.owned_by_cstack >= 0 || (l->iframe.is_entry >= 0 && !entry))) {
			th->truncated = true;
			return;
		}
		python_push(
		    th, &cap,
		    (struct python_raw_frame){
		        .code = code,
		        .offset = ip >= code + (uint64_t)l->code.co_code_adaptive
		                      ? (int64_t)(ip - code - (uint64_t)l->code.co_code_adaptive)
		                      : -1,
		        .eval_last = entry,
		        .anchor = entry ? cframes_next(cframes) : 0,
		        .addr = at,
		        .back = frame,
		    });
	}
	/* 3.11: every call of the eval loop links a _PyCFrame, and each of its
	 * entry frames used one; after a whole chain the one left is the
	 * thread state's root, which has no caller. One with a caller says the
	 * chain ended early: a frame read between its push and the store of
	 * its caller's link (seen running under load: a lone leaf frame, no
	 * caller, marked as an entry, held across the check). */
	if (l->iframe.is_entry >= 0 && l->cframe.previous >= 0 && cframes->next != 0) {
		uint64_t caller;

		if (python_memory_u64(mem, cframes->next + (uint64_t)l->cframe.previous, &caller) !=
		        0 ||
		    caller != 0)
			th->truncated = true;
	}
	/* The outermost frame ends the outermost call in any case. */
	if (th->nframes > 0)
		th->frames[th->nframes - 1].eval_last = true;
}

void
python_stack_raw_free(struct python_raw *r)
{
	for (size_t i = 0; i < r->nthreads; i++) {
		free(r->threads[i].frames);
		free(r->threads[i].name);
	}
	free(r->threads);
	r->threads = NULL;
	r->nthreads = 0;
}

/* How much of a PyThreadState holds every field we read. */
static size_t
python_tstate_len(const struct python_layout *l)
{
	const int32_t fields[] = {l->thread.next,      l->thread.frame,
	                          l->thread.cframe,    l->thread.current_frame,
	                          l->thread.thread_id, l->thread.native_thread_id};
	size_t len = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] >= 0 && (size_t)fields[i] + 8 > len)
			len = (size_t)fields[i] + 8;
	return len;
}

/* Follows the frames of the thread whose state ts (len bytes) was read,
 * into th (which has no frames yet). */
static void
python_walk_thread(const struct python_layout *l, const struct python_memory *mem,
                   const unsigned char *ts, size_t len, struct python_raw_thread *th,
                   size_t *budget)
{
	uint64_t frame = python_top_frame(l, ts, len, mem);

	th->top = frame;
	/* 3.12 has _PyCFrames too, but its shim frames say more. */
	struct cframes cframes = {
	    l, mem,
	    l->iframe.owned_by_cstack < 0 ? python_memory_field_u64(ts, len, l->thread.cframe) : 0};

	if (l->thread.frame >= 0)
		python_walk_frames(l, mem, frame, &cframes, th, budget);
	else
		python_walk_iframes(l, mem, frame, &cframes, th, budget);
}

/* The thread states of a previous read, read again at once: where a chain
 * reaches the same address, its bytes are taken from here. */
struct tstate_prefetch {
	const struct python_raw *previous;
	unsigned char *bytes; /* previous->nthreads thread states, or NULL */
	size_t len, next;     /* the length of one; where the next is likely */
};

static void
tstate_prefetch_read(struct tstate_prefetch *p, const struct python_memory *mem)
{
	const struct python_raw *prev = p->previous;
	struct python_read *reads;

	if (prev == NULL || prev->nthreads == 0)
		return;
	p->bytes = xcalloc(prev->nthreads, p->len);
	reads = xcalloc(prev->nthreads, sizeof(*reads));
	for (size_t i = 0; i < prev->nthreads; i++)
		reads[i] =
		    (struct python_read){prev->threads[i].tstate, p->bytes + i * p->len, p->len};
	/* One that ended makes the whole read fail: then each is read alone. */
	if (python_memory_readv(mem, reads, prev->nthreads) != 0) {
		free(p->bytes);
		p->bytes = NULL;
	}
	free(reads);
}

/* Reads the thread state at addr into ts: from the prefetch when it holds
 * that address, looked for from where the last one was found and a few
 * after (a thread that started or ended shifts the rest by one; a search
 * of them all, for each thread, would cost more than the reads it saves). */
#define TSTATE_PREFETCH_LOOK 8

static int
tstate_read(struct tstate_prefetch *p, const struct python_memory *mem, uint64_t addr,
            unsigned char *ts)
{
	size_t n = p->bytes != NULL ? p->previous->nthreads : 0;

	for (size_t k = 0; k < TSTATE_PREFETCH_LOOK && k < n; k++) {
		size_t i = (p->next + k) % n;

		if (p->previous->threads[i].tstate == addr) {
			memcpy(ts, p->bytes + i * p->len, p->len);
			p->next = i + 1;
			return 0;
		}
	}
	return mem->read(mem->arg, addr, ts, p->len);
}

/* python_stack_read, following the frames of the threads want wants (all
 * when want is NULL). */
static int
python_stack_read_wanted(const struct python_target *t, const struct python_memory *mem,
                         const struct python_want *want, struct python_raw *out)
{
	const struct python_layout *l = &t->layout;
	size_t ts_len = python_tstate_len(l), cap = 0;
	uint64_t interp;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = python_stack_first_interp(t, mem, &interp)) != 0)
		return err == -ESRCH ? err : -EFAULT;
	unsigned char *ts = xmalloc(ts_len);

	size_t budget = PYTHON_MAX_ALL_FRAMES;
	struct chain interps = {0, 1, 0};
	struct tstate_prefetch prefetch = {want != NULL ? want->previous : NULL, NULL, ts_len, 0};

	tstate_prefetch_read(&prefetch, mem);
	for (size_t ni = 0;
	     interp != 0 && ni < PYTHON_MAX_INTERPRETERS && !chain_loops(&interps, interp); ni++) {
		uint64_t tstate = 0,
		         holder = want == NULL || want->gil ? python_gil_holder(t, mem, interp) : 0;

		struct chain chain = {0, 1, 0};

		(void)python_memory_u64(mem, interp + (uint64_t)l->interp.threads_head, &tstate);
		for (size_t nt = 0;
		     tstate != 0 && nt < PYTHON_MAX_THREADS && !chain_loops(&chain, tstate); nt++) {
			struct python_raw_thread *th;

			if (tstate_read(&prefetch, mem, tstate, ts) != 0)
				break;
			if (out->nthreads == cap) {
				cap = cap ? cap * 2 : 8;
				out->threads =
				    xreallocarray(out->threads, cap, sizeof(*out->threads));
			}
			th = &out->threads[out->nthreads++];
			*th = (struct python_raw_thread){
			    .tstate = tstate,
			    .interp = interp,
			    .pthread = python_memory_field_u64(ts, ts_len, l->thread.thread_id),
			    .tid = (int)python_memory_field_u64(ts, ts_len,
			                                        l->thread.native_thread_id),
			    .holds_gil = holder == tstate,
			};
			th->skipped = want != NULL && !want->thread(want->arg, th);
			if (!th->skipped)
				python_walk_thread(l, mem, ts, ts_len, th, &budget);
			tstate = python_memory_field_u64(ts, ts_len, l->thread.next);
		}
		if (python_memory_u64(mem, interp + (uint64_t)l->interp.next, &interp) != 0)
			break;
	}
	free(prefetch.bytes);
	free(ts);
	return 0;
}

int
python_stack_read(const struct python_target *t, const struct python_memory *mem,
                  struct python_raw *out)
{
	return python_stack_read_wanted(t, mem, NULL, out);
}

/* Whether the walk's first frame (top) is still on the thread's stack,
 * whose innermost frame is now now: the same, or reached from it within a
 * few links (the thread called deeper meanwhile). One it returned past may
 * keep its old links and code while nothing reuses it: stale, not a stack
 * the thread has. */
static bool
python_still_on_stack(const struct python_layout *l, const struct python_memory *mem, uint64_t now,
                      uint64_t top)
{
	int32_t back = l->thread.frame >= 0 ? l->frame.f_back : l->iframe.previous;

	for (int i = 0; i < PYTHON_DEEPER_LINKS && now != 0; i++) {
		if (now == top)
			return true;
		if (python_memory_u64(mem, now + (uint64_t)back, &now) != 0)
			return false;
	}
	return now == top;
}

/* The words read of each frame to check a walk: its back link, its code,
 * its code's type and line table (the frame's stamp). */
#define PYTHON_CHECK_WORDS 4

/* The reads that check th's walk, into now (PYTHON_CHECK_WORDS a frame). */
static void
python_check_reads(const struct python_target *t, const struct python_raw_thread *th,
                   struct python_read *reads, uint64_t *now)
{
	const struct python_layout *l = &t->layout;
	int32_t back = l->thread.frame >= 0 ? l->frame.f_back : l->iframe.previous;
	int32_t code = l->thread.frame >= 0 ? l->frame.f_code : l->iframe.code;
	int32_t at[PYTHON_CHECK_WORDS] = {back, code, l->object.ob_type,
	                                  python_layout_code_table(l)};

	for (size_t i = 0; i < th->nframes; i++)
		for (size_t w = 0; w < PYTHON_CHECK_WORDS; w++) {
			size_t k = PYTHON_CHECK_WORDS * i + w;

			reads[k] = (struct python_read){
			    (w < 2 ? th->frames[i].addr : th->frames[i].code) + (uint64_t)at[w],
			    &now[k], 8};
		}
}

/* Whether th's frames read again (now, as python_check_reads asked) are the
 * ones its walk saw; when they are, each frame gets its stamp. */
static bool
python_check_holds(const struct python_target *t, struct python_raw_thread *th, const uint64_t *now)
{
	for (size_t i = 0; i < th->nframes; i++) {
		const uint64_t *w = now + PYTHON_CHECK_WORDS * i;

		if (w[0] != th->frames[i].back || (w[1] & ~(uint64_t)3) != th->frames[i].code ||
		    (t->code_type_addr != 0 && w[2] != t->code_type_addr))
			return false;
	}
	for (size_t i = 0; i < th->nframes; i++)
		th->frames[i].stamp = now[PYTHON_CHECK_WORDS * i + 3];
	return true;
}

/* What a check found of a thread's walk. */
enum python_check {
	PYTHON_HELD, /* the stack it had at the check */
	PYTHON_TORN, /* changed under the walk: to walk again, from ts */
	PYTHON_GONE, /* its thread state could not be read: the thread ended */
};

/* Checks the walks of the n threads th[] at once (their thread states in
 * one read, all their frames in another; a read that fails is made again
 * thread by thread, to find whose), leaving each thread's state as read in
 * ts[i * len] and the outcome in found[i]. Whether a walk holds: read again
 * at once, every frame it followed still has the back link and code the
 * walk saw, so that at that instant the chain was this one. (The thread
 * may have called or returned since: its innermost frame is not asked to be
 * the same, only the frames the walk went through to be one stack.) A
 * change between the two looks can hide only where every frame came back to
 * exactly what it was. A frame popped meanwhile and not yet reused keeps
 * its old links (3.11 does not clear them): that its code is still a code
 * object (of type PyCode_Type, when the file names it) tells the stale from
 * the live. */
static void
python_check_walks(const struct python_target *t, const struct python_memory *mem,
                   struct python_raw_thread **th, size_t n, unsigned char *ts,
                   enum python_check *found)
{
	const struct python_layout *l = &t->layout;
	size_t len = python_tstate_len(l), nframes = 0, at = 0;
	struct python_read *reads = xcalloc(n, sizeof(*reads));
	struct python_read *checks;
	uint64_t *now;

	for (size_t i = 0; i < n; i++)
		reads[i] = (struct python_read){th[i]->tstate, ts + i * len, len};
	bool all_read = python_memory_readv(mem, reads, n) == 0;

	for (size_t i = 0; i < n; i++) {
		if (!all_read && mem->read(mem->arg, th[i]->tstate, ts + i * len, len) != 0)
			found[i] = PYTHON_GONE;
		else if (th[i]->truncated ||
		         !python_still_on_stack(l, mem, python_top_frame(l, ts + i * len, len, mem),
		                                th[i]->top))
			found[i] = PYTHON_TORN;
		else
			found[i] = PYTHON_HELD;
		if (found[i] == PYTHON_HELD)
			nframes += th[i]->nframes;
	}
	free(reads);
	checks = xcalloc(PYTHON_CHECK_WORDS * nframes + 1, sizeof(*checks));
	now = xcalloc(PYTHON_CHECK_WORDS * nframes + 1, sizeof(*now));
	for (size_t i = 0; i < n; i++) {
		if (found[i] != PYTHON_HELD)
			continue;
		python_check_reads(t, th[i], checks + PYTHON_CHECK_WORDS * at,
		                   now + PYTHON_CHECK_WORDS * at);
		at += th[i]->nframes;
	}
	bool all_checked = python_memory_readv(mem, checks, PYTHON_CHECK_WORDS * nframes) == 0;

	at = 0;
	for (size_t i = 0; i < n; i++) {
		const struct python_read *own = checks + PYTHON_CHECK_WORDS * at;

		if (found[i] != PYTHON_HELD)
			continue;
		if ((!all_checked &&
		     python_memory_readv(mem, own, PYTHON_CHECK_WORDS * th[i]->nframes) != 0) ||
		    !python_check_holds(t, th[i], now + PYTHON_CHECK_WORDS * at))
			found[i] = PYTHON_TORN;
		at += th[i]->nframes;
	}
	free(checks);
	free(now);
}

int
python_stack_read_running(const struct python_target *t, const struct python_memory *mem, int tries,
                          const struct python_want *want, struct python_raw *out)
{
	const struct python_layout *l = &t->layout;
	size_t len = python_tstate_len(l), budget = PYTHON_MAX_ALL_FRAMES, n = 0;
	struct python_raw_thread **pending;
	enum python_check *found;
	unsigned char *ts;
	int err = python_stack_read_wanted(t, mem, want, out);

	if (err != 0)
		return err;
	pending = xcalloc(out->nthreads + 1, sizeof(*pending));
	found = xcalloc(out->nthreads + 1, sizeof(*found));
	ts = xcalloc(out->nthreads + 1, len);
	for (size_t i = 0; i < out->nthreads; i++)
		if (!out->threads[i].skipped)
			pending[n++] = &out->threads[i];
	/* Each attempt checks the walks still pending; a torn one is walked
	 * again from the thread state just read, and checked at the next. */
	for (int attempt = 1; n > 0; attempt++) {
		size_t kept = 0;

		python_check_walks(t, mem, pending, n, ts, found);
		for (size_t i = 0; i < n; i++) {
			struct python_raw_thread *th = pending[i];

			if (found[i] == PYTHON_HELD)
				continue;
			free(th->frames);
			th->frames = NULL;
			th->nframes = 0;
			th->truncated = false;
			if (found[i] == PYTHON_GONE || attempt >= tries) {
				th->dropped = true;
				out->dropped++;
				continue;
			}
			python_walk_thread(l, mem, ts + i * len, len, th, &budget);
			pending[kept++] = th;
		}
		n = kept;
	}
	free(pending);
	free(found);
	free(ts);
	return 0;
}
