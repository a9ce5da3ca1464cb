#include "locks_text.h"

#include "../model.h"
#include "../plural.h"
#include "../syscall_names.h"
#include "dump_json.h"
#include "dump_text.h"
#include "text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

/* What a wait is for, in words: "mutex", "rwlock (to write)", "the GIL",
 * "read", "poll"… */
static const char *
locks_text_what(const struct lock_wait *w)
{
	switch (w->detail) {
	case LOCK_DETAIL_RWLOCK:
		return w->kind == LOCK_RWLOCK_WRITE ? "rwlock (to write)" : "rwlock (to read)";
	case LOCK_DETAIL_PI_MUTEX:
		return "PI mutex";
	case LOCK_DETAIL_ROBUST_MUTEX:
		return "robust mutex";
	case LOCK_DETAIL_LIBC_LOCK:
		return "glibc internal lock";
	case LOCK_DETAIL_CONDVAR:
		return "condition variable";
	case LOCK_DETAIL_GIL:
		return "the GIL";
	case LOCK_DETAIL_PYTHON_LOCK:
		return "threading.Lock";
	case LOCK_DETAIL_PYTHON_RLOCK:
		return "threading.RLock";
	case LOCK_DETAIL_SYSCALL: {
		const char *name = syscall_name(w->syscall);

		return name != NULL ? name : "syscall";
	}
	default:
		return lock_detail_name(w->detail);
	}
}

/* The width of the name column, and the most a name takes elsewhere. */
#define LOCKS_NAME_COLUMNS     16
#define LOCKS_NAME_COLUMNS_MAX 40

/* Thread tid's name as shown (text_thread_label): with its threading name
 * when it is a Python thread whose stack was taken, else python_name (an
 * owner's read apart, or NULL). Raw, into buf. */
static char *
locks_text_label(const struct locks_report *r, int tid, const char *os_name,
                 const char *python_name, char *buf, size_t size)
{
	const struct thread_stack *t = dump_report_thread(r->stacks, tid);
	char name[COMM_MAX];

	snprintf(name, sizeof(name), "%.*s", (int)strnlen(os_name, COMM_MAX - 1), os_name);
	return text_thread_label(name, t != NULL ? t->python_name : python_name, buf, size);
}

static void
locks_text_thread(FILE *out, const struct locks_report *r, const char *name,
                  const char *python_name, int tid)
{
	char label[256];

	locks_text_label(r, tid, name, python_name, label, sizeof(label));
	fputs("thread ", out);
	text_field(out, label, strlen(label), LOCKS_NAME_COLUMNS_MAX, 0);
	fprintf(out, " (%d)", tid);
}

/* The owner column: who holds it, or why nobody can be named. */
static void
locks_text_owner(FILE *out, const struct locks_report *r, const struct lock_wait *w)
{
	char label[256];

	if (w->owner > 0) {
		fprintf(out, "%d (", w->owner);
		locks_text_label(r, w->owner, w->owner_name, w->owner_python_name, label,
		                 sizeof(label));
		text_field(out, label, strlen(label), LOCKS_NAME_COLUMNS_MAX, 0);
		fputc(')', out);
	} else if (w->claimed_owner > 0) {
		fprintf(out, "%d? not a thread of the process (it exited holding it?)",
		        w->claimed_owner);
	} else if (w->readers > 0) {
		fprintf(out, "%" PRId64 " %s (which threads, the lock does not record)", w->readers,
		        plural((uint64_t)w->readers, "reader", "readers"));
	} else if (w->detail == LOCK_DETAIL_PYTHON_LOCK) {
		fputs("- (no with block holds it)", out);
	} else if (w->kind != LOCK_OTHER) {
		fputs("unknown", out);
	} else {
		fputc('-', out);
	}
}

/* "fd N (where it points)", the target cut to width columns. */
static void
locks_text_fd(FILE *out, int fd, const char *target, int width)
{
	fprintf(out, "fd %d", fd);
	if (target != NULL) {
		fputs(" (", out);
		text_field(out, target, strlen(target), width, 0);
		fputc(')', out);
	}
}

/* The fds w waits on: the one of a read or the like; "N fds: fd …, fd …"
 * for a poll or select; the epoll fd and then those it watches for an
 * epoll_wait; "and N more" beyond those listed. */
static void
locks_text_fds(FILE *out, const struct lock_wait *w)
{
	const char *name = syscall_name(w->syscall);
	bool epoll = name != NULL && strncmp(name, "epoll_", 6) == 0;

	if (!epoll && w->fds_total <= 1) {
		locks_text_fd(out, w->fd, w->fd_target, 80);
		return;
	}
	if (epoll) {
		fputs("epoll ", out);
		locks_text_fd(out, w->fd, w->fd_target, 40);
		fputs(": ", out);
	}
	fprintf(out, "%zu %s", w->fds_total, plural(w->fds_total, "fd", "fds"));
	for (size_t i = 0; i < w->nfds; i++) {
		fputs(i == 0 ? ": " : ", ", out);
		locks_text_fd(out, w->fds[i].fd, w->fds[i].target, 40);
	}
	if (w->fds_total > w->nfds)
		fprintf(out, " and %zu more", w->fds_total - w->nfds);
}

/* The name column's width: the waiters' labels, within bounds. */
static size_t
locks_text_name_width(const struct locks_report *r)
{
	size_t width = LOCKS_NAME_COLUMNS, w;
	char label[256];

	for (size_t i = 0; i < r->nwaits; i++) {
		w = text_width(locks_text_label(r, r->waits[i].tid, r->waits[i].name, NULL, label,
		                                sizeof(label)));
		width = w > width ? w : width;
	}
	return width < LOCKS_NAME_COLUMNS_MAX ? width : LOCKS_NAME_COLUMNS_MAX;
}

static void
locks_text_wait(FILE *out, const struct locks_report *r, const struct lock_wait *w,
                size_t name_width)
{
	char what[96], label[256];

	fprintf(out, "%-8d ", w->tid);
	locks_text_label(r, w->tid, w->name, NULL, label, sizeof(label));
	text_field(out, label, strlen(label), name_width, 1);
	snprintf(what, sizeof(what), "%s", locks_text_what(w));
	fprintf(out, " %-20s ", what);
	if (w->address != 0)
		fprintf(out, "0x%016" PRIx64 " ", w->address);
	else
		fprintf(out, "%-18s ", "-");
	if (w->fd >= 0 || w->nfds > 0) {
		locks_text_fds(out, w);
	} else {
		locks_text_owner(out, r, w);
	}
	fputc('\n', out);
}

static const struct lock_wait *
locks_text_find(const struct locks_report *r, int tid)
{
	for (size_t i = 0; i < r->nwaits; i++)
		if (r->waits[i].tid == tid)
			return &r->waits[i];
	return NULL;
}

static void
locks_text_stack(FILE *out, const struct locks_report *r, const struct lock_wait *w)
{
	const struct thread_stack *t = dump_report_thread(r->stacks, w->tid);
	const char *why = t != NULL ? dump_json_thread_error(t->err) : "not taken";

	fputc('\n', out);
	locks_text_thread(out, r, w->name, NULL, w->tid);
	fputs(":\n", out);
	if (why != NULL) {
		fprintf(out, "    (no stack: %s)\n", why);
		return;
	}
	for (size_t f = 0; f < t->nframes; f++)
		dump_text_frame(out, f, &t->frames[f]);
	dump_text_cut(out, 0, t);
}

static void
locks_text_deadlock(FILE *out, const struct locks_report *r, const struct lock_cycle *c)
{
	fputs("\nFound one deadlock:\n===================\n", out);
	for (size_t k = 0; k < c->n; k++) {
		const struct lock_wait *w = locks_text_find(r, c->tids[k]);

		if (w == NULL)
			continue;
		locks_text_thread(out, r, w->name, NULL, w->tid);
		fprintf(out, " waits for %s 0x%" PRIx64 " held by ", locks_text_what(w),
		        w->address);
		locks_text_thread(out, r, w->owner_name, w->owner_python_name, w->owner);
		fputc('\n', out);
	}
	fputs("\nStacks of the threads above:\n", out);
	for (size_t k = 0; k < c->n; k++) {
		const struct lock_wait *w = locks_text_find(r, c->tids[k]);

		if (w != NULL)
			locks_text_stack(out, r, w);
	}
}

void
locks_text_write(FILE *out, const struct locks_report *r)
{
	size_t name_width;

	fprintf(out, "PID %d (", r->pid);
	text_field(out, r->comm, strlen(r->comm), sizeof(r->comm), 0);
	fprintf(out, "): %zu %s, %zu blocked", r->nthreads,
	        plural(r->nthreads, "thread", "threads"), r->nwaits);
	if (r->stacks != NULL)
		dump_text_python(out, &r->stacks->python);
	if (r->stacks != NULL)
		fprintf(out, ", blocked threads stopped for %.2f ms", r->stacks->stopped_ms);
	fputc('\n', out);
	if (r->stacks != NULL)
		dump_text_python_unreadable(out, &r->stacks->python);
	if (r->nwaits > 0 && r->stacks == NULL)
		fprintf(out, "(no stacks: %s; kinds read from /proc and memory alone)\n",
		        dump_json_thread_error(r->stacks_err ? r->stacks_err : -EPERM));
	if (r->nwaits == 0) {
		fputs("no thread is waiting\n", out);
		return;
	}
	name_width = locks_text_name_width(r);
	fprintf(out, "\n%-8s %-*s %-20s %-18s %s\n", "TID", (int)name_width, "NAME", "WAITS FOR",
	        "ADDRESS", "OWNER / FD");
	for (size_t i = 0; i < r->nwaits; i++)
		locks_text_wait(out, r, &r->waits[i], name_width);
	for (size_t k = 0; k < r->ncycles; k++)
		locks_text_deadlock(out, r, &r->cycles[k]);
	if (r->ncycles == 0)
		fputs("\nno deadlock found\n", out);
	else if (r->ncycles > 1)
		fprintf(out, "\nFound %zu deadlocks.\n", r->ncycles);
}
