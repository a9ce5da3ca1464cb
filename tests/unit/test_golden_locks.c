/* stacktop locks' renderers, text and JSON, compared with tests/golden/:
 * locks.txt/.json, a process with a deadlock cycle between two mutexes,
 * waits of every shape (an rwlock held by readers, a threading.Lock no with
 * block holds, a mutex whose owner exited, the GIL, a read on a pipe, an
 * epoll wait on more fds than listed, hostile names and fd targets), the
 * blocked threads' stacks, and Python frames said to be unreadable; and
 * locks_nostacks.txt/.json, the same waits when no stack could be taken.
 * STACKTOP_GOLDEN_UPDATE=1 rewrites the files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "syscall_names.h"
#include "ui/locks_json.h"
#include "ui/locks_text.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define BANK "/srv/bank/bin/bank"

static struct lock_wait
wait_for(int tid, const char *name, enum lock_kind kind, enum lock_detail detail, uint64_t address,
         int owner, const char *owner_name)
{
	struct lock_wait w = {
	    .tid = tid,
	    .kind = kind,
	    .detail = detail,
	    .syscall = syscall_number("futex"),
	    .address = address,
	    .futex = address,
	    .owner = owner,
	    .readers = -1,
	    .fd = -1,
	};

	snprintf(w.name, sizeof(w.name), "%s", name);
	snprintf(w.owner_name, sizeof(w.owner_name), "%s", owner_name);
	return w;
}

/* A thread blocked in syscall on fd (pointing at target), on no lock. */
static struct lock_wait
wait_fd(int tid, const char *name, const char *syscall, int fd, const char *target)
{
	struct lock_wait w = wait_for(tid, name, LOCK_OTHER, LOCK_DETAIL_SYSCALL, 0, 0, "");

	w.syscall = syscall_number(syscall);
	w.futex = 0;
	w.fd = fd;
	w.fd_target = xstrdup(target);
	return w;
}

static void
fixture_waits(struct locks_report *r)
{
	struct lock_wait *w;

	r->nwaits = 8;
	r->waits = w = xcalloc(r->nwaits, sizeof(*w));
	/* The cycle: each teller holds the account the other waits for. */
	w[0] = wait_for(5001, "teller-1", LOCK_MUTEX, LOCK_DETAIL_MUTEX, 0x55d0c0de1040, 5002,
	                "teller-2");
	w[1] = wait_for(5002, "teller-2", LOCK_MUTEX, LOCK_DETAIL_MUTEX, 0x55d0c0de2080, 5001,
	                "teller-1");
	w[2] = wait_for(5003, GOLDEN_HOSTILE_NAME, LOCK_RWLOCK_WRITE, LOCK_DETAIL_RWLOCK,
	                0x55d0c0de3000, 0, "");
	w[2].futex = 0x55d0c0de300c;
	w[2].readers = 2;
	w[3] =
	    wait_for(5004, "py-worker", LOCK_MUTEX, LOCK_DETAIL_PYTHON_LOCK, 0x7f11aa00c0a0, 0, "");
	w[4] =
	    wait_for(5005, "janitor", LOCK_MUTEX, LOCK_DETAIL_ROBUST_MUTEX, 0x55d0c0de4000, 0, "");
	w[4].claimed_owner = 5999;
	w[5] = wait_for(5006, "py-main", LOCK_MUTEX, LOCK_DETAIL_GIL, 0x5581c0e01c48, 0, "");
	w[6] = wait_fd(5007, "reader", "read", 7, "pipe:[123456]");
	w[6].fds_total = 1;
	w[7] = wait_fd(5008, "poller", "epoll_pwait", 5, "anon_inode:[eventpoll]");
	w[7].nfds = 3;
	w[7].fds_total = 20;
	w[7].fds = xcalloc(w[7].nfds, sizeof(*w[7].fds));
	w[7].fds[0] = (struct lock_fd){8, xstrdup("socket:[99887]")};
	w[7].fds[1] = (struct lock_fd){9, xstrdup("/tmp/\x1b[31mevil\"" GOLDEN_HOSTILE_BYTES)};
	w[7].fds[2] = (struct lock_fd){10, NULL};

	r->ncycles = 1;
	r->cycles = xcalloc(1, sizeof(*r->cycles));
	r->cycles[0].n = 2;
	r->cycles[0].tids = xcalloc(2, sizeof(int));
	r->cycles[0].tids[0] = 5001;
	r->cycles[0].tids[1] = 5002;
}

/* A teller's stack: blocked in pthread_mutex_lock under transfer(). */
static void
teller_stack(struct thread_stack *t, int tid, const char *name, uint64_t pc)
{
	const struct frame_row f[] = {
	    golden_native(pc, "futex_wait", 0x3b, LIBC),
	    golden_native(pc + 0x1000, "__pthread_mutex_lock_full", 0x1c0, LIBC),
	    golden_native(0x55d0c0a01234, "transfer", 0x54, BANK),
	    golden_native(0x55d0c0a01400, "teller_main", 0x90, BANK),
	    golden_native(0x7f3a1c0911f3, "start_thread", 0x2f3, LIBC),
	    golden_native(0x7f3a1c11282c, "clone3", 0x2c, LIBC),
	};

	*t = (struct thread_stack){.tid = tid, .state = 'S', .holds_gil = -1};
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->frames = golden_frames(f, sizeof(f) / sizeof(f[0]));
	t->nframes = sizeof(f) / sizeof(f[0]);
}

/* The blocked threads' stacks: the tellers (the second cut short), and a
 * Python thread known by its threading name, its frames native only. */
static struct dump_report *
fixture_stacks(void)
{
	struct dump_report *d = xcalloc(1, sizeof(*d));

	d->pid = 5000;
	snprintf(d->comm, sizeof(d->comm), "bank");
	d->python = golden_fixture_python();
	snprintf(d->python.unreadable, sizeof(d->python.unreadable),
	         "Python frames not read: the interpreter's state is not initialized");
	d->stopped_ms = 0.75;
	d->nthreads = 3;
	d->threads = xcalloc(d->nthreads, sizeof(*d->threads));
	teller_stack(&d->threads[0], 5001, "teller-1", 0x7f3a1c08e3b3);
	teller_stack(&d->threads[1], 5002, "teller-2", 0x7f3a1c08e3b3);
	snprintf(d->threads[1].cut, sizeof(d->threads[1].cut), "unreadable memory at 0x7ffd0000");
	teller_stack(&d->threads[2], 5004, "py-worker", 0x7f3a1c08e000);
	d->threads[2].python = true;
	d->threads[2].python_name = xstrdup("Worker-\"3\"");
	return d;
}

static struct locks_report *
fixture_locks(bool with_stacks)
{
	struct locks_report *r = xcalloc(1, sizeof(*r));

	r->pid = 5000;
	r->taken_at = GOLDEN_FIXTURE_TAKEN_AT;
	snprintf(r->comm, sizeof(r->comm), "bank");
	r->nthreads = 12;
	fixture_waits(r);
	if (with_stacks)
		r->stacks = fixture_stacks();
	else
		r->stacks_err = -EPERM;
	return r;
}

static void
render(const char *dir, bool with_stacks, const char *txt, const char *json)
{
	struct locks_report *r = fixture_locks(with_stacks);
	struct golden g;

	locks_text_write(golden_open(&g, dir, txt), r);
	CHECK(golden_check(&g));
	locks_json_write(golden_open(&g, dir, json), r);
	golden_replace_version(&g);
	CHECK(golden_check(&g));
	locks_report_free(r);
}

int
main(int argc, char **argv)
{
	if (!CHECK(argc == 2)) /* the golden directory */
		return 1;
	CHECK(syscall_number("futex") >= 0 && syscall_number("read") >= 0 &&
	      syscall_number("epoll_pwait") >= 0);
	render(argv[1], true, "locks.txt", "locks.json");
	render(argv[1], false, "locks_nostacks.txt", "locks_nostacks.json");
	return check_done("test_golden_locks");
}
