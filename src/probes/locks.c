#include "locks.h"

#include "../syscall_names.h"
#include "../xmalloc.h"
#include "locks_decode.h"
#include "locks_fds.h"
#include "locks_graph.h"
#include "locks_rlock.h"
#include "procfs_parse.h"
#include "ptrace.h"
#include "python_lockwait.h"
#include "python_withlock.h"
#include "stacks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a thread let go after the stop may take to be back in its
 * syscall: LOCKS_REENTRY_TRIES looks, LOCKS_REENTRY_WAIT_NS apart. */
#define LOCKS_REENTRY_TRIES   20
#define LOCKS_REENTRY_WAIT_NS 500000

/* Syscalls that block on the fd in their first argument (poll, select and
 * epoll_wait are looked at apart: they wait on many). */
static const char *const locks_fd_syscalls[] = {
    "read",    "write",    "pread64",  "pwrite64",  "readv",   "writev",   "preadv",
    "preadv2", "pwritev",  "pwritev2", "recvfrom",  "recvmsg", "recvmmsg", "sendto",
    "sendmsg", "sendmmsg", "accept",   "accept4",   "connect", "flock",    "fcntl",
    "ioctl",   "splice",   "fsync",    "fdatasync",
};

/* A thread in a syscall, as read before the stop. */
struct locks_candidate {
	struct procfs_syscall sc;
	const char *name; /* the syscall's name (static), or NULL */
	unsigned char window[LOCKS_WINDOW_BEFORE + LOCKS_WINDOW_AFTER];
	struct locks_window win;
	bool moved; /* the stop found the thread elsewhere: no lasting wait */
};

static bool
locks_is(const char *name, const char *want)
{
	return name != NULL && strcmp(name, want) == 0;
}

static bool
locks_takes_fd(const char *name)
{
	for (size_t i = 0;
	     name != NULL && i < sizeof(locks_fd_syscalls) / sizeof(*locks_fd_syscalls); i++)
		if (strcmp(name, locks_fd_syscalls[i]) == 0)
			return true;
	return false;
}

/* Reads thread tid's syscall. Returns 0, -ENOENT when it is gone, -EACCES
 * when we may not read it. */
static int
locks_read_syscall(const struct procfs *fs, int pid, int tid, struct procfs_syscall *sc)
{
	char path[64], buf[256];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/syscall", pid, tid);
	n = procfs_read(fs, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (procfs_parse_syscall_args(buf, (size_t)n, sc) != 0)
		sc->nr = SYSCALL_UNKNOWN;
	return 0;
}

/* Whether now is the wait c was: the same syscall on the same first
 * argument, or its restart (a futex wait with a timeout, or a sleep,
 * interrupted by our stop resumes as restart_syscall with the same
 * registers). */
static bool
locks_same_wait(const struct locks_candidate *c, const struct procfs_syscall *now)
{
	return (now->nr == c->sc.nr || locks_is(syscall_name(now->nr), "restart_syscall")) &&
	       now->args[0] == c->sc.args[0];
}

/* The memory around a futex word, read without stopping the target. The
 * bytes before it may lie on an unmapped page when the lock starts one: then
 * from the word on only. */
static void
locks_read_window(int pid, uint64_t addr, struct locks_candidate *c)
{
	ssize_t n = -1;

	c->win = (struct locks_window){addr, c->window, 0};
	if (addr >= LOCKS_WINDOW_BEFORE)
		n = ptrace_read_memory(pid, addr - LOCKS_WINDOW_BEFORE, c->window,
		                       sizeof(c->window));
	if (n >= LOCKS_WINDOW_BEFORE) {
		c->win.start = addr - LOCKS_WINDOW_BEFORE;
		c->win.len = (size_t)n;
		return;
	}
	n = ptrace_read_memory(pid, addr, c->window, LOCKS_WINDOW_AFTER);
	c->win.len = n > 0 ? (size_t)n : 0;
}

/* The memory around candidate c's futex word, when it waits on one: read
 * while the waiters are stopped, so that a mutex's owner is read at the
 * same instant as the waits and the other owners. */
static void
locks_read_futex(int pid, struct locks_candidate *c)
{
	if (locks_is(c->name, "futex") || locks_is(c->name, "restart_syscall"))
		locks_read_window(pid, c->sc.args[0], c);
}

/* Where fd of pid points ("pipe:[123]", "socket:[456]", a path), raw
 * (renderers sanitize), or NULL. */
static char *
locks_fd_target(const struct procfs *fs, int pid, int fd)
{
	char path[64], target[512];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/fd/%d", pid, fd);
	n = readlinkat(procfs_root_fd(fs), path, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	return xstrdup(target);
}

/* How many struct pollfd of a poll are read at most (RLIMIT_NOFILE's
 * usual soft limit): the total counts the fds among them. */
#define LOCKS_POLL_MAX 1024

/* The fds a poll or ppoll (fds, nfds, …) waits on, read from the pollfd
 * array in pid's memory. */
static size_t
locks_poll_fds(int pid, const struct procfs_syscall *sc, int *fds, size_t *total)
{
	uint64_t n = sc->args[1] < LOCKS_POLL_MAX ? sc->args[1] : LOCKS_POLL_MAX;
	unsigned char *buf = xmalloc(n ? n * 8 : 1);
	ssize_t got = n > 0 ? ptrace_read_memory(pid, sc->args[0], buf, n * 8) : 0;
	size_t found = locks_fds_poll(buf, got > 0 ? (size_t)got : 0, n, fds, LOCKS_FDS_MAX, total);

	free(buf);
	return found;
}

/* The fds a select or pselect6 (nfds, readfds, writefds, exceptfds, …)
 * waits on, from its three fd_sets in pid's memory. */
static size_t
locks_select_fds(int pid, const struct procfs_syscall *sc, int *fds, size_t *total)
{
	unsigned char sets[3][LOCKS_FDS_SELECT_BITS / 8];
	const unsigned char *given[3] = {NULL, NULL, NULL};
	uint64_t nfds = sc->args[0] < LOCKS_FDS_SELECT_BITS ? sc->args[0] : LOCKS_FDS_SELECT_BITS;
	/* The kernel reads whole longs of each set. */
	size_t len = (size_t)(nfds + 63) / 64 * 8;

	for (int s = 0; s < 3; s++)
		if (sc->args[1 + s] != 0 && len > 0 &&
		    ptrace_read_memory(pid, sc->args[1 + s], sets[s], len) == (ssize_t)len)
			given[s] = sets[s];
	return locks_fds_select(given, len, nfds, fds, LOCKS_FDS_MAX, total);
}

/* The fds epoll instance epfd of pid watches, from its fdinfo. */
static size_t
locks_epoll_fds(const struct procfs *fs, int pid, uint64_t epfd, int *fds, size_t *total)
{
	char path[64], *text;
	ssize_t len;
	size_t found = 0;

	*total = 0;
	snprintf(path, sizeof(path), "%d/fdinfo/%d", pid, (int)epfd);
	if (epfd > 0x7fffffff || (len = procfs_read_all(fs, path, &text)) < 0)
		return 0;
	found = locks_fds_epoll(text, (size_t)len, fds, LOCKS_FDS_MAX, total);
	free(text);
	return found;
}

/* A blocking syscall other than a futex: which fds, and where they point.
 * fd is the one fd of a read or the like, the first of a poll or select,
 * an epoll_wait's epoll fd; fds all those it waits on. */
static void
locks_decode_syscall(const struct procfs *fs, int pid, const struct locks_candidate *c,
                     const char *name, struct lock_wait *w)
{
	int fds[LOCKS_FDS_MAX];
	size_t n = 0, total = 0;
	uint64_t fd = c->sc.args[0];

	w->kind = LOCK_OTHER;
	w->detail = LOCK_DETAIL_SYSCALL;
	if (locks_is(name, "poll") || locks_is(name, "ppoll")) {
		n = locks_poll_fds(pid, &c->sc, fds, &total);
		fd = n > 0 ? (uint64_t)fds[0] : (uint64_t)-1;
	} else if (locks_is(name, "select") || locks_is(name, "pselect6")) {
		n = locks_select_fds(pid, &c->sc, fds, &total);
		fd = n > 0 ? (uint64_t)fds[0] : (uint64_t)-1;
	} else if (name != NULL && strncmp(name, "epoll_", 6) == 0) {
		n = locks_epoll_fds(fs, pid, fd, fds, &total);
	} else if (locks_takes_fd(name)) {
		if (fd <= 0x7fffffff) {
			fds[0] = (int)fd;
			n = total = 1;
		}
	} else {
		return;
	}
	if (fd <= 0x7fffffff) {
		w->fd = (int)fd;
		w->fd_target = locks_fd_target(fs, pid, w->fd);
	}
	w->fds = n > 0 ? xcalloc(n, sizeof(*w->fds)) : NULL;
	w->nfds = n;
	w->fds_total = total;
	for (size_t i = 0; i < n; i++)
		w->fds[i] = (struct lock_fd){fds[i], locks_fd_target(fs, pid, fds[i])};
}

/* Lists the threads of pid (all, nall of them) that wait in a syscall: *n
 * of them, with their TIDs, what was read of each (cands) and their rows
 * (waits), all owned. Returns 0 or -errno. */
static int
locks_scan(const struct procfs *fs, int pid, int *all, size_t nall, int **tids,
           struct locks_candidate **cands, struct lock_wait **waits, size_t *n)
{
	*tids = xcalloc(nall ? nall : 1, sizeof(**tids));
	*cands = xcalloc(nall ? nall : 1, sizeof(**cands));
	*waits = xcalloc(nall ? nall : 1, sizeof(**waits));
	*n = 0;
	for (size_t i = 0; i < nall; i++) {
		struct thread_stack t = {.tid = all[i]};
		struct locks_candidate *c = &(*cands)[*n];
		int err = locks_read_syscall(fs, pid, all[i], &c->sc);

		if (procfs_is_gone(err))
			continue; /* the thread exited meanwhile: nothing waits there */
		if (err != 0)
			return err;
		stacks_read_thread(fs, pid, &t);
		/* Running, or runnable inside a syscall: not waiting. */
		if (c->sc.nr < 0 || t.state == 'R')
			continue;
		c->name = syscall_name(c->sc.nr);
		(*tids)[*n] = all[i];
		(*waits)[*n] =
		    (struct lock_wait){.tid = all[i], .syscall = c->sc.nr, .fd = -1, .readers = -1};
		memcpy((*waits)[*n].name, t.name, sizeof(t.name));
		(*n)++;
	}
	return 0;
}

/* The major version of the CPython d's process runs, 0 when none. */
static int
locks_python_major(const struct dump_report *d)
{
	return d != NULL && d->python.version[0] >= '2' && d->python.version[0] <= '9'
	           ? d->python.version[0] - '0'
	           : 0;
}

/* What thread tid's stack in d says it waits for; none without a stack. */
static enum locks_hint
locks_hint(const struct dump_report *d, int tid)
{
	const struct thread_stack *t = dump_report_thread(d, tid);

	return t != NULL
	           ? locks_decode_hint_from_stack(t->frames, t->nframes, locks_python_major(d))
	           : LOCKS_HINT_NONE;
}

/* The TID of the thread whose ident (pthread_t) is ident: from the thread
 * states of raw (which know their TIDs in our PID namespace), else from
 * glibc's struct pthread at ident (a process not in a namespace of its own:
 * inside one, its small TIDs match too many of the struct's ints). 0 when
 * unknown. */
static int
locks_tid_of_ident(const struct python_raw *raw, const struct python_memory *mem, uint64_t ident,
                   const int *live, size_t nlive, bool own_namespace)
{
	for (size_t k = 0; raw != NULL && k < raw->nthreads; k++)
		if (raw->threads[k].pthread == ident && raw->threads[k].tid > 0)
			return raw->threads[k].tid;
	return own_namespace || ident == 0 ? 0 : locks_rlock_tid_of_ident(mem, ident, live, nlive);
}

/* The most locks one thread is taken to hold in with blocks. */
#define LOCKS_WITH_HELD 64
/* The Python threads whose held locks (and 3.14+ lock waits) are read
 * while the waiters are stopped; those of any further ones are read after
 * (a process of thousands of threads is not kept stopped for all of them),
 * and count in no deadlock a second look confirms. */
#define LOCKS_STOP_THREADS 256

/* RLocks found by an earlier look (the futex word its waiters sleep on,
 * where it keeps its owner): a later look reads their owners while the
 * threads are stopped. */
struct locks_known {
	uint64_t *futex;
	uint64_t *owner_at;
	size_t n;
};

static void
locks_known_free(struct locks_known *k)
{
	free(k->futex);
	free(k->owner_at);
	*k = (struct locks_known){0};
}

/* What a Python thread state holds and waits for, read while the waiters
 * are stopped (or after, late). */
struct locks_pythread {
	uint64_t held[LOCKS_WITH_HELD]; /* Lock objects its with blocks hold */
	size_t nheld;
	bool waits_found; /* 3.14+: found holds the lock it waits for */
	struct python_lock_wait found;
	uint64_t rlock27; /* 2.7: the RLock (an _RLock) it waits for, or 0 */
	bool late;        /* read after the stop */
};

/* A look's Python side: what is read while the waiters are stopped
 * (locks_while_stopped), then used after. */
struct locks_python {
	int pid;
	const struct target *target;   /* NULL: its stacks were not taken */
	const struct python_target *t; /* NULL: not a Python process */
	struct python_memory mem;
	struct python_raw raw;          /* the thread states' ids only (no frames) */
	struct locks_pythread *threads; /* [raw.nthreads] */
	const struct locks_known *known;
	uint64_t *known_idents; /* [known->n]: each known RLock's owner, read in the stop */
	bool read;              /* the stop's read was made */
	struct python_withlock_cache *cache; /* owned */
};

/* What thread state th (of lp's process) holds in with blocks and, 3.14+,
 * which lock it waits for, into *out. */
static void
locks_python_thread(struct locks_python *lp, const struct python_raw_thread *th,
                    struct locks_pythread *out)
{
	out->nheld =
	    python_withlock_held(lp->t, &lp->mem, lp->cache, th, out->held, LOCKS_WITH_HELD);
	out->waits_found = python_lockwait_applies(lp->t) &&
	                   python_lockwait_find(lp->t, &lp->mem, th->tstate, &out->found) == 0;
	out->rlock27 = python_withlock_rlock27(lp->t, &lp->mem, lp->cache, th);
}

/* The Python side of a look, while the waiters are stopped: every thread
 * state's ids, what the first LOCKS_STOP_THREADS of them hold and wait
 * for, and the owners of the RLocks an earlier look found. raw: the frames
 * the stop read (probes/stacks). */
static void
locks_python_stopped(struct locks_python *lp, const struct python_raw *raw)
{
	lp->read = true;
	lp->cache = python_withlock_cache_new();
	lp->raw.nthreads = raw->nthreads;
	lp->raw.threads = xcalloc(raw->nthreads ? raw->nthreads : 1, sizeof(*lp->raw.threads));
	lp->threads = xcalloc(raw->nthreads ? raw->nthreads : 1, sizeof(*lp->threads));
	for (size_t k = 0; k < raw->nthreads; k++) {
		const struct python_raw_thread *th = &raw->threads[k];

		lp->raw.threads[k] = (struct python_raw_thread){.tstate = th->tstate,
		                                                .interp = th->interp,
		                                                .pthread = th->pthread,
		                                                .tid = th->tid};
		if (k < LOCKS_STOP_THREADS)
			locks_python_thread(lp, th, &lp->threads[k]);
		else
			lp->threads[k].late = true;
	}
	for (size_t i = 0; lp->known != NULL && i < lp->known->n; i++)
		if (lp->mem.read(lp->mem.arg, lp->known->owner_at[i], &lp->known_idents[i],
		                 sizeof(uint64_t)) != 0)
			lp->known_idents[i] = 0;
}

/* The threads past LOCKS_STOP_THREADS, read after the stop (their frames
 * read again: the stop kept only ids). */
static void
locks_python_late(struct locks_python *lp)
{
	struct python_raw again = {0};

	if (lp->raw.nthreads <= LOCKS_STOP_THREADS ||
	    python_stack_read(lp->t, &lp->mem, &again) != 0)
		return;
	for (size_t k = LOCKS_STOP_THREADS; k < lp->raw.nthreads; k++)
		for (size_t j = 0; j < again.nthreads; j++)
			if (again.threads[j].tstate == lp->raw.threads[k].tstate)
				locks_python_thread(lp, &again.threads[j], &lp->threads[k]);
	python_stack_raw_free(&again);
}

static void
locks_python_free(struct locks_python *lp)
{
	python_stack_raw_free(&lp->raw);
	free(lp->threads);
	free(lp->known_idents);
	python_withlock_cache_free(lp->cache);
}

/* The stop's reads (a stacks_hook): every waiter's futex word and the
 * memory around it (a mutex's owner), and the Python side. */
struct locks_stop {
	const struct procfs *fs;
	const int *tids; /* [n]: the candidates' threads */
	struct locks_candidate *cands;
	size_t n;
	struct locks_python *py;
	bool called;
};

static void
locks_while_stopped(void *arg, const struct python_raw *raw)
{
	struct locks_stop *ls = arg;

	ls->called = true;
	for (size_t i = 0; i < ls->n; i++) {
		struct locks_candidate *c = &ls->cands[i];
		struct procfs_syscall now;

		/* The wait was read before the stop; the stack, the futex word
		 * and the with blocks held are read in it. A thread that went
		 * on in between (took that lock, and now waits for the next one)
		 * would show the wait it left beside the with block that holds
		 * its lock: waiting for itself, a false deadlock. Its wait is
		 * dropped, as one that ends after the stop is. */
		if (locks_read_syscall(ls->fs, ls->py->pid, ls->tids[i], &now) == 0 &&
		    !locks_same_wait(c, &now))
			c->moved = true;
		locks_read_futex(ls->py->pid, c);
	}
	if (ls->py->t != NULL && raw != NULL)
		locks_python_stopped(ls->py, raw);
}

/* The python thread of lp whose TID is tid, or NULL. */
static const struct locks_pythread *
locks_python_of(const struct locks_python *lp, int tid)
{
	for (size_t k = 0; tid > 0 && k < lp->raw.nthreads; k++)
		if (lp->raw.threads[k].tid == tid)
			return &lp->threads[k];
	return NULL;
}

/* 3.14+: the Lock or RLock each Python lock wait of r is for, from the
 * waiting frame's value stack (probes/python_lockwait), and an RLock's
 * owner ident. A PyMutex wait whose frame holds no threading lock is one of
 * CPython's own mutexes: an unclassified futex wait. */
static void
locks_python_frames(const struct locks_python *lp, struct locks_report *r, uint64_t *idents,
                    bool *late)
{
	for (size_t i = 0; i < r->nwaits; i++) {
		struct lock_wait *w = &r->waits[i];
		const struct locks_pythread *th = locks_python_of(lp, w->tid);

		if (w->detail != LOCK_DETAIL_PYTHON_LOCK && w->detail != LOCK_DETAIL_PYTHON_RLOCK)
			continue;
		if (th == NULL || !th->waits_found) {
			w->kind = LOCK_OTHER;
			w->detail = LOCK_DETAIL_FUTEX;
			continue;
		}
		w->address = th->found.lock;
		w->kind = LOCK_MUTEX;
		w->detail = th->found.rlock ? LOCK_DETAIL_PYTHON_RLOCK : LOCK_DETAIL_PYTHON_LOCK;
		idents[i] = th->found.owner_ident;
		late[i] = th->late;
	}
}

/* Up to 3.13: the owners of the RLocks the Python lock waits of r are for,
 * by the futex word inside each: read in the stop for those an earlier
 * look found (known), else found now in one pass over the process's memory
 * (probes/locks_rlock), read late, and added to found (owned) for the next
 * look. A wait shown as a Lock's (a build that hides rlock_acquire's name)
 * whose lock turns out to be an RLock's becomes an RLock wait. */
static void
locks_scan_rlocks(const struct procfs *fs, const struct locks_python *lp, struct locks_report *r,
                  uint64_t tp_name_at, uint64_t *idents, bool *late, struct locks_known *found)
{
	uint64_t *futexes = xcalloc(r->nwaits ? r->nwaits : 1, sizeof(*futexes));
	uint64_t *owner_at = xcalloc(r->nwaits ? r->nwaits : 1, sizeof(*owner_at));
	size_t *which = xcalloc(r->nwaits ? r->nwaits : 1, sizeof(*which));
	char path[64], *maps;
	size_t n = 0;
	ssize_t len;

	for (size_t i = 0; i < r->nwaits; i++) {
		struct lock_wait *w = &r->waits[i];
		bool known = false;

		if ((w->detail != LOCK_DETAIL_PYTHON_RLOCK &&
		     w->detail != LOCK_DETAIL_PYTHON_LOCK) ||
		    w->owner != 0 || w->futex == 0)
			continue;
		for (size_t k = 0; lp->known != NULL && k < lp->known->n && !known; k++) {
			if (lp->known->futex[k] != w->futex || !lp->read)
				continue;
			known = true;
			w->detail = LOCK_DETAIL_PYTHON_RLOCK;
			idents[i] = lp->known_idents[k];
		}
		if (!known) {
			which[n] = i;
			futexes[n++] = w->futex;
		}
	}
	snprintf(path, sizeof(path), "%d/maps", r->pid);
	if (n > 0 && (len = procfs_read_all(fs, path, &maps)) >= 0) {
		locks_rlock_find(r->pid, maps, (size_t)len, futexes, n, tp_name_at, owner_at);
		free(maps);
	}
	found->futex = xcalloc(n ? n : 1, sizeof(*found->futex));
	found->owner_at = xcalloc(n ? n : 1, sizeof(*found->owner_at));
	for (size_t k = 0; k < n; k++) {
		if (owner_at[k] == 0)
			continue;
		r->waits[which[k]].detail = LOCK_DETAIL_PYTHON_RLOCK;
		if (lp->mem.read(lp->mem.arg, owner_at[k], &idents[which[k]], sizeof(uint64_t)) !=
		    0)
			idents[which[k]] = 0;
		late[which[k]] = true;
		found->futex[found->n] = futexes[k];
		found->owner_at[found->n++] = owner_at[k];
	}
	free(futexes);
	free(owner_at);
	free(which);
}

/* 2.7: a Lock wait inside an RLock's method is a wait for that RLock (a
 * Python class there, waiting on a Lock of its own). */
static void
locks_rlocks27(const struct locks_python *lp, struct locks_report *r)
{
	for (size_t i = 0; i < r->nwaits; i++) {
		struct lock_wait *w = &r->waits[i];
		const struct locks_pythread *th = locks_python_of(lp, w->tid);

		if (w->detail != LOCK_DETAIL_PYTHON_LOCK || th == NULL || th->rlock27 == 0)
			continue;
		w->address = th->rlock27;
		w->detail = LOCK_DETAIL_PYTHON_RLOCK;
	}
}

/* Whether wait w is for lock object obj: the object itself (3.14+ find
 * it; 2.7's RLock), or the object whose semaphore w sleeps on (up to
 * 3.13). */
static bool
locks_with_matches(const struct locks_python *lp, const struct lock_wait *w, uint64_t obj)
{
	return obj == w->address || python_withlock_is_futex(lp->t, &lp->mem, obj, w->futex);
}

/* The holders of the threading.Locks (and RLocks) that Python lock waits
 * of r are for and that have no owner: a Lock keeps none (nor does 2.7's
 * RLock, whose owner is a Python attribute), so its holder is the thread
 * inside a `with` block on it (probes/python_withlock). A Lock taken with
 * acquire() leaves no trace: its owner stays unknown. */
static void
locks_with_holders(const struct locks_python *lp, struct locks_report *r, bool *late)
{
	for (size_t k = 0; k < lp->raw.nthreads; k++) {
		const struct locks_pythread *th = &lp->threads[k];

		if (lp->raw.threads[k].tid <= 0)
			continue;
		for (size_t i = 0; i < r->nwaits; i++) {
			struct lock_wait *w = &r->waits[i];

			if ((w->detail != LOCK_DETAIL_PYTHON_LOCK &&
			     w->detail != LOCK_DETAIL_PYTHON_RLOCK) ||
			    w->owner != 0)
				continue;
			for (size_t j = 0; j < th->nheld && w->owner == 0; j++) {
				if (!locks_with_matches(lp, w, th->held[j]))
					continue;
				w->owner = w->claimed_owner = lp->raw.threads[k].tid;
				late[i] = th->late;
			}
		}
	}
}

/* The threading locks the Python lock waits of r are for, and their
 * owners: RLocks' from the objects, Locks' from with blocks (live[0..nlive):
 * the process's threads, sorted). late[i] says that wait i's owner was read
 * after the stop; found gets the RLocks found by this look (owned). */
static void
locks_find_python_locks(const struct procfs *fs, struct locks_python *lp, struct locks_report *r,
                        const int *live, size_t nlive, bool *late, struct locks_known *found)
{
	uint64_t *idents = xcalloc(r->nwaits ? r->nwaits : 1, sizeof(*idents));
	bool waits = false;

	for (size_t i = 0; i < r->nwaits; i++)
		waits |= r->waits[i].detail == LOCK_DETAIL_PYTHON_LOCK ||
		         r->waits[i].detail == LOCK_DETAIL_PYTHON_RLOCK;
	if (lp->read) {
		target_map_tids(lp->target, &lp->raw);
		locks_python_late(lp);
	}
	if (lp->read)
		locks_rlocks27(lp, r);
	if (lp->read && python_lockwait_applies(lp->t))
		locks_python_frames(lp, r, idents, late);
	else if (waits) /* PyTypeObject's tp_name: after ob_refcnt, ob_type, ob_size */
		locks_scan_rlocks(fs, lp, r,
		                  lp->t != NULL ? (uint64_t)lp->t->layout.type.tp_name : 24, idents,
		                  late, found);
	for (size_t i = 0; i < r->nwaits; i++) {
		struct lock_wait *w = &r->waits[i];
		int owner;

		if (idents[i] == 0 || w->owner != 0)
			continue;
		owner = locks_tid_of_ident(lp->read ? &lp->raw : NULL, &lp->mem, idents[i], live,
		                           nlive, procfs_inner_id(fs, r->pid, r->pid) != r->pid);
		/* An RLock is re-entrant: its owner never waits for it. Read a
		 * moment after the wait, the owner can be the waiter itself, which
		 * took the lock since (a churn of RLocks showed it): unknown. */
		if (owner == w->tid)
			owner = 0;
		w->owner = w->claimed_owner = owner;
	}
	if (lp->read)
		locks_with_holders(lp, r, late);
	free(idents);
}

static void
locks_classify(const struct procfs *fs, int pid, const struct locks_candidate *c,
               const struct dump_report *d, const int *live, size_t nlive, struct lock_wait *w)
{
	enum locks_hint hint = locks_hint(d, w->tid);

	/* A futex wait with a timeout that a stop interrupted (ours, or a
	 * debugger's) resumes as restart_syscall with the futex's arguments
	 * still in the registers; only the stack tells that it was a futex. */
	if (locks_is(c->name, "futex") ||
	    (locks_is(c->name, "restart_syscall") && hint != LOCKS_HINT_NONE)) {
		struct locks_futex_wait fw = {c->sc.args[0], c->sc.args[1], c->sc.args[2], hint,
		                              d != NULL ? d->gil_holder : 0};

		locks_decode_futex(&fw, &c->win, live, nlive, w);
	} else if (locks_is(c->name, "restart_syscall")) {
		const struct thread_stack *t = dump_report_thread(d, w->tid);
		const char *was =
		    t != NULL ? locks_decode_restarted_syscall(t->frames, t->nframes) : NULL;

		if (was != NULL)
			w->syscall = syscall_number(was);
		locks_decode_syscall(fs, pid, c, was != NULL ? was : c->name, w);
	} else {
		locks_decode_syscall(fs, pid, c, c->name, w);
	}
}

/* True when thread tid still waits where it did before the stop and
 * during it. A thread that moved on meanwhile had a passing wait, and the
 * stack taken shows something else. */
static bool
locks_still_waiting(const struct procfs *fs, int pid, int tid, const struct locks_candidate *c)
{
	const struct timespec pause = {0, LOCKS_REENTRY_WAIT_NS};
	struct procfs_syscall now;

	/* Just let go, a thread may not have gone back into its syscall yet
	 * (it shows as running): it does within microseconds of getting a
	 * CPU, so it is looked at again a few times before it counts as gone
	 * elsewhere. */
	for (int tries = 0;; tries++) {
		if (locks_read_syscall(fs, pid, tid, &now) != 0)
			return false;
		if (now.nr >= 0 || tries == LOCKS_REENTRY_TRIES)
			break;
		nanosleep(&pause, NULL);
	}
	return !c->moved && locks_same_wait(c, &now);
}

/* The wait-for graph's cycles; with strict, of the owners read while the
 * waiters were stopped only (late[i]: wait i's was read after). */
static void
locks_find_deadlocks(const int *tids, const bool *late, bool strict, struct locks_report *r)
{
	int *owners = xcalloc(r->nwaits ? r->nwaits : 1, sizeof(*owners));

	for (size_t i = 0; i < r->nwaits; i++)
		owners[i] = strict && late[i] ? 0 : r->waits[i].owner;
	r->ncycles = locks_graph_cycles(tids, owners, r->nwaits, &r->cycles);
	free(owners);
}

/* Keeps the waits that held across the stop (tids and cands alongside). */
static void
locks_keep_lasting(const struct procfs *fs, int pid, int *tids, struct locks_candidate *cands,
                   struct locks_report *r)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->nwaits; i++) {
		if (!locks_still_waiting(fs, pid, tids[i], &cands[i])) {
			free(r->waits[i].fd_target);
			continue;
		}
		r->waits[kept] = r->waits[i];
		tids[kept] = tids[i];
		cands[kept] = cands[i];
		cands[kept].win.bytes = cands[kept].window;
		kept++;
	}
	r->nwaits = kept;
}

static int locks_take_once(const struct procfs *fs, int pid, const struct locks_known *known,
                           struct locks_known *found, struct locks_report **out);

/* Whether r has cycle c (cycles start at their smallest TID). */
static bool
locks_has_cycle(const struct locks_report *r, const struct lock_cycle *c)
{
	for (size_t i = 0; i < r->ncycles; i++)
		if (r->cycles[i].n == c->n &&
		    memcmp(r->cycles[i].tids, c->tids, c->n * sizeof(int)) == 0)
			return true;
	return false;
}

int
locks_take(const struct procfs *fs, int pid, struct locks_report **out)
{
	struct locks_report *r, *again = NULL;
	struct locks_known found = {0}, unused = {0};
	size_t kept = 0;
	int err = locks_take_once(fs, pid, NULL, &found, &r);

	if (err != 0 || r->ncycles == 0) {
		locks_known_free(&found);
		*out = r;
		return err;
	}
	/* A cycle is reported only when a second look finds it again, of
	 * waits and owners all read within its one stop (the RLocks the first
	 * look found have their owners read there): waits that lasted across
	 * one stop can still be parts of a churn, and an owner read a moment
	 * after the wait can have closed a loop that never was (a false
	 * deadlock is worse than none). */
	if (locks_take_once(fs, pid, &found, &unused, &again) != 0)
		again = NULL;
	locks_known_free(&found);
	locks_known_free(&unused);
	for (size_t i = 0; i < r->ncycles; i++) {
		if (again != NULL && locks_has_cycle(again, &r->cycles[i]))
			r->cycles[kept++] = r->cycles[i];
		else
			free(r->cycles[i].tids);
	}
	r->ncycles = kept;
	locks_report_free(again);
	*out = r;
	return 0;
}

/* The threading names of the owners whose stacks were not taken (an
 * owner that was not blocked, as a thread holding a lock while it sleeps
 * in a loop can be runnable at the moment the waits are read), read from
 * target, a Python process, running: what the stop named the others. */
static void
locks_name_owners(struct target *target, struct locks_report *r)
{
	struct tid_name *names = NULL;
	size_t n = 0;
	bool wanted = false;

	for (size_t i = 0; i < r->nwaits; i++)
		wanted |= r->waits[i].owner > 0 &&
		          dump_report_thread(r->stacks, r->waits[i].owner) == NULL;
	if (!wanted || target == NULL || target_python(target) == NULL ||
	    target_thread_names(target, &names, &n) != 0)
		return;
	for (size_t i = 0; i < r->nwaits; i++) {
		const char *name = tid_names_find(names, n, r->waits[i].owner);

		if (r->waits[i].owner > 0 && name != NULL &&
		    dump_report_thread(r->stacks, r->waits[i].owner) == NULL)
			r->waits[i].owner_python_name = xstrdup(name);
	}
	tid_names_free(names, n);
}

/* One look: the waits, then one stop of the waiting threads for their
 * stacks, their futex words and the Python threads' locks, then the
 * owners. known: RLocks an earlier look found, whose owners are read in
 * the stop; with it (a confirming look), cycles count only owners read in
 * the stop. found gets the RLocks this look found (owned). */
static int
locks_take_once(const struct procfs *fs, int pid, const struct locks_known *known,
                struct locks_known *found, struct locks_report **out)
{
	struct locks_python lp = {.pid = pid, .known = known};
	struct locks_stop stop = {.py = &lp};
	struct locks_candidate *cands = NULL;
	struct target *target = NULL;
	bool *late = NULL;
	struct locks_report *r;
	struct procfs_stat st;
	char path[64];
	int *all = NULL, *tids = NULL;
	ssize_t nall;
	int err;

	*out = NULL;
	if ((err = target_read_process(fs, pid, &st)) != 0)
		return err;
	snprintf(path, sizeof(path), "%d/task", pid);
	if ((nall = procfs_list_ids(fs, path, &all)) < 0)
		return procfs_is_gone((int)nall) ? -ESRCH : (int)nall;
	locks_decode_sort_live(all, (size_t)nall);
	r = xcalloc(1, sizeof(*r));
	r->pid = pid;
	memcpy(r->comm, st.comm, sizeof(r->comm));
	r->nthreads = (size_t)nall;
	lp.mem = (struct python_memory){python_memory_live, &lp.pid, python_memory_live_v};
	lp.known_idents = xcalloc(known != NULL && known->n ? known->n : 1, sizeof(uint64_t));
	err = locks_scan(fs, pid, all, (size_t)nall, &tids, &cands, &r->waits, &r->nwaits);
	stop.fs = fs;
	stop.tids = tids;
	stop.cands = cands;
	stop.n = r->nwaits;
	if (err == 0 && r->nwaits > 0) {
		struct stacks_hook hook = {locks_while_stopped, &stop};

		r->stacks_err = target_open(fs, pid, TARGET_AUTO, true, &target);
		if (r->stacks_err == 0) {
			lp.target = target;
			lp.t = target_python(target);
			r->stacks_err = stacks_snapshot(target, tids, r->nwaits, &hook, &r->stacks);
		}
		/* Gone during the stop: there is nothing left to report. */
		if (r->stacks_err == -ESRCH)
			err = -ESRCH;
	}
	/* No stop (ptrace denied): the futex words are read now. */
	for (size_t i = 0; err == 0 && !stop.called && i < r->nwaits; i++)
		locks_read_futex(pid, &cands[i]);
	if (err == 0)
		locks_keep_lasting(fs, pid, tids, cands, r);
	late = xcalloc(r->nwaits ? r->nwaits : 1, sizeof(*late));
	for (size_t i = 0; err == 0 && i < r->nwaits; i++)
		locks_classify(fs, pid, &cands[i], r->stacks, all, (size_t)nall, &r->waits[i]);
	if (err == 0)
		locks_find_python_locks(fs, &lp, r, all, (size_t)nall, late, found);
	for (size_t i = 0; err == 0 && i < r->nwaits; i++) {
		struct thread_stack owner = {0};

		owner.tid = r->waits[i].owner;
		if (owner.tid > 0) {
			stacks_read_thread(fs, pid, &owner);
			memcpy(r->waits[i].owner_name, owner.name, sizeof(owner.name));
		}
	}
	if (err == 0)
		locks_name_owners(target, r);
	if (err == 0)
		locks_find_deadlocks(tids, late, known != NULL, r);
	/* A process that exited while we looked left only threads that had
	 * gone: say it is gone rather than report that nothing waits. */
	if (err == 0)
		err = target_read_process(fs, pid, &st);
	free(all);
	free(tids);
	free(cands);
	free(late);
	locks_python_free(&lp);
	target_close(target);
	if (err != 0) {
		locks_report_free(r);
		return procfs_is_gone(err) ? -ESRCH : err;
	}
	*out = r;
	return 0;
}
