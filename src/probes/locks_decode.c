#include "locks_decode.h"

#include <stdlib.h>
#include <string.h>

/* How deep into a stack a lock function may sit: the waits we know are a
 * few frames below it (futex syscall, __futex_abstimed_wait_common, …). */
#define LOCKS_HINT_DEPTH 24

/* FUTEX_TID_MASK (include/uapi/linux/futex.h): the owner's TID in a PI or
 * robust mutex's futex word, below the FUTEX_WAITERS and OWNER_DIED bits. */
#define LOCKS_TID_MASK 0x3fffffffu

/* glibc's __kind bits (sysdeps/nptl/pthreadP.h). */
#define LOCKS_MUTEX_ROBUST 16u
#define LOCKS_MUTEX_PI     32u

/* glibc's __readers bits (nptl/pthread_rwlock_common.c): write phase,
 * a primary writer, readers waiting while writers are preferred; the
 * count of readers above PTHREAD_RWLOCK_READER_SHIFT. */
#define LOCKS_RW_WRPHASE      1u
#define LOCKS_RW_WRLOCKED     2u
#define LOCKS_RW_RWAITING     4u
#define LOCKS_RW_READER_SHIFT 3
/* PTHREAD_RWLOCK_FUTEX_USED, and the value a waiter expects in
 * __wrphase_futex or __writers_futex. */
#define LOCKS_RW_FUTEX_USED 2u

enum locks_strength {
	LOCKS_LIBC,        /* a libc wait: what kind of lock */
	LOCKS_PYTHON_WEAK, /* CPython's lock call: a Lock, unless the GIL is above */
	LOCKS_PYTHON,      /* CPython says which lock */
	LOCKS_EVAL,        /* CPython's eval loop: what is above it is the wait */
};

struct locks_name {
	const char *name; /* without leading underscores */
	enum locks_hint hint;
	enum locks_strength strength;
};

static const struct locks_name locks_names[] = {
    {"pthread_mutex_lock", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_lock_full", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_timedlock", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_timedlock64", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_clocklock", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_clocklock64", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_clocklock_common", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_cond_lock", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    {"pthread_mutex_cond_lock_full", LOCKS_HINT_MUTEX, LOCKS_LIBC},
    /* glibc's internal locks (malloc arenas, stdio) wait here, with no
     * owner recorded; pthread_mutex_lock calls __lll_lock_wait instead. */
    {"lll_lock_wait_private", LOCKS_HINT_LIBC_LOCK, LOCKS_LIBC},
    {"pthread_rwlock_rdlock", LOCKS_HINT_RWLOCK_READ, LOCKS_LIBC},
    {"pthread_rwlock_timedrdlock", LOCKS_HINT_RWLOCK_READ, LOCKS_LIBC},
    {"pthread_rwlock_timedrdlock64", LOCKS_HINT_RWLOCK_READ, LOCKS_LIBC},
    {"pthread_rwlock_clockrdlock", LOCKS_HINT_RWLOCK_READ, LOCKS_LIBC},
    {"pthread_rwlock_clockrdlock64", LOCKS_HINT_RWLOCK_READ, LOCKS_LIBC},
    {"pthread_rwlock_wrlock", LOCKS_HINT_RWLOCK_WRITE, LOCKS_LIBC},
    {"pthread_rwlock_timedwrlock", LOCKS_HINT_RWLOCK_WRITE, LOCKS_LIBC},
    {"pthread_rwlock_timedwrlock64", LOCKS_HINT_RWLOCK_WRITE, LOCKS_LIBC},
    {"pthread_rwlock_clockwrlock", LOCKS_HINT_RWLOCK_WRITE, LOCKS_LIBC},
    {"pthread_rwlock_clockwrlock64", LOCKS_HINT_RWLOCK_WRITE, LOCKS_LIBC},
    {"pthread_cond_wait", LOCKS_HINT_CONDVAR, LOCKS_LIBC},
    {"pthread_cond_wait_common", LOCKS_HINT_CONDVAR, LOCKS_LIBC},
    {"pthread_cond_timedwait", LOCKS_HINT_CONDVAR, LOCKS_LIBC},
    {"pthread_cond_timedwait64", LOCKS_HINT_CONDVAR, LOCKS_LIBC},
    {"pthread_cond_clockwait", LOCKS_HINT_CONDVAR, LOCKS_LIBC},
    {"pthread_cond_clockwait64", LOCKS_HINT_CONDVAR, LOCKS_LIBC},
    {"sem_wait", LOCKS_HINT_SEMAPHORE, LOCKS_LIBC},
    {"new_sem_wait", LOCKS_HINT_SEMAPHORE, LOCKS_LIBC},
    {"new_sem_wait_slow64", LOCKS_HINT_SEMAPHORE, LOCKS_LIBC},
    {"sem_timedwait", LOCKS_HINT_SEMAPHORE, LOCKS_LIBC},
    {"sem_timedwait64", LOCKS_HINT_SEMAPHORE, LOCKS_LIBC},
    {"sem_clockwait", LOCKS_HINT_SEMAPHORE, LOCKS_LIBC},
    {"sem_clockwait64", LOCKS_HINT_SEMAPHORE, LOCKS_LIBC},
    /* CPython 2.7 takes the GIL with PyThread_acquire_lock, as a Lock;
     * what sits above it tells the two apart. */
    {"PyThread_acquire_lock", LOCKS_HINT_PYTHON_LOCK, LOCKS_PYTHON_WEAK},
    {"PyThread_acquire_lock_timed", LOCKS_HINT_PYTHON_LOCK, LOCKS_PYTHON_WEAK},
    {"take_gil", LOCKS_HINT_GIL, LOCKS_PYTHON},
    {"PyEval_RestoreThread", LOCKS_HINT_GIL, LOCKS_PYTHON},
    {"PyEval_AcquireThread", LOCKS_HINT_GIL, LOCKS_PYTHON},
    {"PyEval_AcquireLock", LOCKS_HINT_GIL, LOCKS_PYTHON},
    {"PyGILState_Ensure", LOCKS_HINT_GIL, LOCKS_PYTHON},
    /* 3.12+ drop and take the GIL back from here when another thread asks
     * for it (eval breaker): in a stripped build the only name above the
     * static take_gil. */
    {"_Py_HandlePending", LOCKS_HINT_GIL, LOCKS_PYTHON},
    {"lock_PyThread_acquire_lock", LOCKS_HINT_PYTHON_LOCK, LOCKS_PYTHON},
    /* 3.14+: a Lock or an RLock parks on a semaphore of the parking lot
     * (the Python frame then says which lock: probes/python_lockwait). */
    {"_PySemaphore_Wait", LOCKS_HINT_PYTHON_LOCK, LOCKS_PYTHON},
    {"rlock_acquire", LOCKS_HINT_PYTHON_RLOCK, LOCKS_PYTHON},
    {"PyEval_EvalFrameEx", LOCKS_HINT_NONE, LOCKS_EVAL},
    {"_PyEval_EvalFrameDefault", LOCKS_HINT_NONE, LOCKS_EVAL},
};

/* Looks function up by its name without leading underscores and without
 * the suffix of a compiler's copy ("__new_sem_wait_slow64.constprop.0",
 * "take_gil.isra.0"). */
static const struct locks_name *
locks_lookup(const char *function)
{
	size_t len;

	while (*function == '_')
		function++;
	len = strcspn(function, ".");
	for (size_t i = 0; i < sizeof(locks_names) / sizeof(locks_names[0]); i++) {
		const char *want = locks_names[i].name;

		while (*want == '_')
			want++;
		if (strlen(want) == len && memcmp(function, want, len) == 0)
			return &locks_names[i];
	}
	return NULL;
}

const char *
locks_decode_restarted_syscall(const struct frame_row *frames, size_t n)
{
	for (size_t i = 0; i < n && i < LOCKS_HINT_DEPTH; i++) {
		const char *f = frames[i].function;

		if (f == NULL || frames[i].python)
			continue;
		while (*f == '_')
			f++;
		/* glibc's own calls go to __GI___poll. */
		if (strncmp(f, "GI_", 3) == 0)
			for (f += 3; *f == '_';)
				f++;
		return strcspn(f, ".") == 4 && strncmp(f, "poll", 4) == 0 ? "poll" : NULL;
	}
	return NULL;
}

/* The eval loop waits for the GIL itself: 2.7 calls PyThread_acquire_lock
 * on it straight from PyEval_EvalFrameEx, 3.x waits on its condition
 * variable in take_gil, a static function that a stripped python does not
 * name (so only unnamed frames lie between). Any other wait there is
 * under a named function. */
static enum locks_hint
locks_hint_at_eval(enum locks_hint libc, enum locks_hint weak, bool named_since)
{
	if (weak != LOCKS_HINT_NONE && !named_since)
		return LOCKS_HINT_GIL;
	if (libc == LOCKS_HINT_CONDVAR && !named_since)
		return LOCKS_HINT_GIL;
	return weak != LOCKS_HINT_NONE ? weak : libc;
}

enum locks_hint
locks_decode_hint_from_stack(const struct frame_row *frames, size_t n, int python_major)
{
	enum locks_hint libc = LOCKS_HINT_NONE, weak = LOCKS_HINT_NONE;
	bool named_since = false; /* a named frame since the last hint */

	for (size_t i = 0; i < n && i < LOCKS_HINT_DEPTH; i++) {
		const struct locks_name *m;

		/* A Python frame merged in stands where its eval loop call is. */
		if (frames[i].python)
			return locks_hint_at_eval(libc, weak, named_since);
		if (frames[i].function == NULL)
			continue;
		if ((m = locks_lookup(frames[i].function)) == NULL) {
			named_since = libc != LOCKS_HINT_NONE || weak != LOCKS_HINT_NONE;
			continue;
		}
		if (m->strength == LOCKS_EVAL)
			return locks_hint_at_eval(libc, weak, named_since);
		if (m->strength == LOCKS_PYTHON ||
		    (m->strength == LOCKS_PYTHON_WEAK && python_major == 3))
			return m->hint;
		if (m->strength == LOCKS_PYTHON_WEAK && weak == LOCKS_HINT_NONE)
			weak = m->hint;
		if (m->strength == LOCKS_LIBC && libc == LOCKS_HINT_NONE)
			libc = m->hint;
		named_since = false;
	}
	return weak != LOCKS_HINT_NONE ? weak : libc;
}

static int
locks_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

void
locks_decode_sort_live(int *live, size_t nlive)
{
	qsort(live, nlive, sizeof(*live), locks_cmp_int);
}

bool
locks_decode_is_live(const int *live, size_t nlive, int tid)
{
	return tid > 0 && nlive > 0 && bsearch(&tid, live, nlive, sizeof(*live), locks_cmp_int);
}

/* The 32-bit word at addr, when the window holds all of it. */
static bool
locks_u32(const struct locks_window *win, uint64_t addr, uint32_t *out)
{
	uint64_t off = addr - win->start;

	if (addr < win->start || off > win->len || win->len - off < sizeof(*out))
		return false;
	memcpy(out, win->bytes + off, sizeof(*out));
	return true;
}

static void
locks_set_owner(struct lock_wait *out, int64_t claimed, const int *live, size_t nlive)
{
	if (claimed <= 0 || claimed > (int64_t)LOCKS_TID_MASK)
		return;
	out->claimed_owner = (int)claimed;
	out->owner = locks_decode_is_live(live, nlive, (int)claimed) ? (int)claimed : 0;
}

/* A pthread mutex whose __lock is the futex word. */
static void
locks_decode_mutex(const struct locks_futex_wait *w, const struct locks_window *win,
                   const int *live, size_t nlive, struct lock_wait *out)
{
	unsigned cmd = locks_futex_cmd(w->op);
	uint32_t word = 0, owner = 0, kind = 0;
	bool has_word = locks_u32(win, w->addr, &word);
	bool has_kind = locks_u32(win, w->addr + 16, &kind);

	out->kind = LOCK_MUTEX;
	out->address = w->addr;
	if (cmd == LOCKS_FUTEX_LOCK_PI || cmd == LOCKS_FUTEX_LOCK_PI2 ||
	    cmd == LOCKS_FUTEX_TRYLOCK_PI || (has_kind && (kind & LOCKS_MUTEX_PI))) {
		/* The kernel keeps a PI futex's owner in the word itself. */
		out->detail = LOCK_DETAIL_PI_MUTEX;
		if (has_word)
			locks_set_owner(out, word & LOCKS_TID_MASK, live, nlive);
	} else if (has_kind && (kind & LOCKS_MUTEX_ROBUST)) {
		/* A robust mutex's word holds its owner for the kernel to
		 * clean up after a thread that died holding it. */
		out->detail = LOCK_DETAIL_ROBUST_MUTEX;
		if (has_word)
			locks_set_owner(out, word & LOCKS_TID_MASK, live, nlive);
	} else {
		out->detail = LOCK_DETAIL_MUTEX;
		if (locks_u32(win, w->addr + 8, &owner))
			locks_set_owner(out, (int32_t)owner, live, nlive);
	}
}

/* Where the rwlock starts, from which word a waiter sleeps on and the
 * value it expects there (pthread_rwlock_common.c):
 *   a writer behind another writer: __writers_futex (+12), expects 1|USED;
 *   the primary writer behind readers: __wrphase_futex (+8), expects USED;
 *   a reader behind a writer: __wrphase_futex (+8), expects 1|USED;
 *   a reader while writers are preferred: __readers (+0), expects __readers
 *   with RWAITING set. */
static uint64_t
locks_rwlock_base(const struct locks_futex_wait *w, bool writer)
{
	uint64_t val = w->val & 0xffffffffu;

	if (writer)
		return val == LOCKS_RW_FUTEX_USED ? w->addr - 8 : w->addr - 12;
	return val == (1 | LOCKS_RW_FUTEX_USED) ? w->addr - 8 : w->addr;
}

static void
locks_decode_rwlock(const struct locks_futex_wait *w, const struct locks_window *win,
                    const int *live, size_t nlive, struct lock_wait *out)
{
	bool writer = w->hint == LOCKS_HINT_RWLOCK_WRITE;
	uint64_t base = locks_rwlock_base(w, writer);
	uint32_t readers, cur_writer;

	out->kind = writer ? LOCK_RWLOCK_WRITE : LOCK_RWLOCK_READ;
	out->detail = LOCK_DETAIL_RWLOCK;
	out->address = base;
	if (!locks_u32(win, base, &readers))
		return;
	/* A writer holds it (or is the primary writer waiting for readers:
	 * then __cur_writer is still 0, set only once it has the lock). */
	if ((readers & LOCKS_RW_WRLOCKED) && locks_u32(win, base + 24, &cur_writer))
		locks_set_owner(out, (int32_t)cur_writer, live, nlive);
	/* In a read phase the readers counted hold it; which threads they are
	 * the lock does not record. */
	if (!(readers & LOCKS_RW_WRPHASE) && (readers >> LOCKS_RW_READER_SHIFT) > 0)
		out->readers = readers >> LOCKS_RW_READER_SHIFT;
}

/* A wait with no owner to name: the word waited on is all we report. */
static void
locks_decode_ownerless(const struct locks_futex_wait *w, enum lock_kind kind,
                       enum lock_detail detail, struct lock_wait *out)
{
	out->kind = kind;
	out->detail = detail;
	out->address = w->addr;
}

/* No name on the stack says what this is: only what glibc's mutexes leave in
 * the arguments is trusted (lll_lock waits for the value 2; a PI lock's
 * operation says so itself). */
static void
locks_decode_unnamed(const struct locks_futex_wait *w, const struct locks_window *win,
                     const int *live, size_t nlive, struct lock_wait *out)
{
	unsigned cmd = locks_futex_cmd(w->op);

	if (cmd == LOCKS_FUTEX_LOCK_PI || cmd == LOCKS_FUTEX_LOCK_PI2 ||
	    (cmd == LOCKS_FUTEX_WAIT && w->val == 2))
		locks_decode_mutex(w, win, live, nlive, out);
	else if (cmd == LOCKS_FUTEX_WAIT_REQUEUE_PI)
		locks_decode_ownerless(w, LOCK_OTHER, LOCK_DETAIL_CONDVAR, out);
	else
		locks_decode_ownerless(w, LOCK_OTHER, LOCK_DETAIL_FUTEX, out);
}

void
locks_decode_futex(const struct locks_futex_wait *w, const struct locks_window *win,
                   const int *live, size_t nlive, struct lock_wait *out)
{
	out->futex = w->addr;
	out->owner = 0;
	out->claimed_owner = 0;
	out->readers = -1;
	switch (w->hint) {
	case LOCKS_HINT_MUTEX:
		locks_decode_mutex(w, win, live, nlive, out);
		break;
	case LOCKS_HINT_RWLOCK_READ:
	case LOCKS_HINT_RWLOCK_WRITE:
		locks_decode_rwlock(w, win, live, nlive, out);
		break;
	case LOCKS_HINT_LIBC_LOCK:
		locks_decode_ownerless(w, LOCK_MUTEX, LOCK_DETAIL_LIBC_LOCK, out);
		break;
	case LOCKS_HINT_CONDVAR:
		/* The word is __g_signals[g], 40 or 44 bytes into the condvar
		 * (glibc 2.25+) depending on the waiter's group: we report the
		 * word rather than guess. */
		locks_decode_ownerless(w, LOCK_OTHER, LOCK_DETAIL_CONDVAR, out);
		break;
	case LOCKS_HINT_SEMAPHORE:
		locks_decode_ownerless(w, LOCK_OTHER, LOCK_DETAIL_SEMAPHORE, out);
		break;
	case LOCKS_HINT_GIL:
		locks_decode_ownerless(w, LOCK_MUTEX, LOCK_DETAIL_GIL, out);
		/* The GIL state may still name a thread that dropped it and
		 * now waits to take it back: no thread waits for itself. */
		if (w->gil_holder != out->tid)
			locks_set_owner(out, w->gil_holder, live, nlive);
		break;
	case LOCKS_HINT_PYTHON_LOCK:
		/* A threading.Lock records no owner (any thread may release it);
		 * probes/python_withlock finds the thread with a with block on it. */
		locks_decode_ownerless(w, LOCK_MUTEX, LOCK_DETAIL_PYTHON_LOCK, out);
		break;
	case LOCKS_HINT_PYTHON_RLOCK:
		locks_decode_ownerless(w, LOCK_MUTEX, LOCK_DETAIL_PYTHON_RLOCK, out);
		break;
	case LOCKS_HINT_NONE:
	default:
		locks_decode_unnamed(w, win, live, nlive, out);
		break;
	}
}
