/* Threads blocked on locks, for stacktop locks. The mode (argv[1]) says how:
 *
 *   abba    locker-a holds mutex A and wants B, locker-b holds B and wants A
 *           (a deadlock); bystander waits for A outside the cycle
 *   rwlock  rw-writer wants to write a lock rw-reader reads; rw-rwaiter wants
 *           to read a lock rw-holder writes; rw-writer2 wants to write it too;
 *           with writers preferred, pw-writer waits for pw-reader and
 *           pw-reader2 waits behind pw-writer
 *   pi      pi-waiter wants a priority-inheritance mutex pi-holder holds;
 *           robust-waiter a robust mutex robust-holder holds
 *   cond    cond-waiter waits on a condition variable
 *   none    sleeper sleeps, pipe-reader reads a pipe nobody writes to
 *   fds     poller polls the read ends of 3 pipes, epoller waits in
 *           epoll_wait on a pipe, an eventfd and a socket, selector selects
 *           on 3 pipes, poller-many polls 20 pipes (more than stacktop lists)
 *
 * "ready PID" is printed once every thread that should block is blocked in
 * its syscall; then the main thread pauses. */
#include "target.h"

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>

static pthread_mutex_t mutex_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mutex_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t both_hold;
static pthread_rwlock_t rw_read_held = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw_write_held = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rw_prefer_writer;
static pthread_mutex_t pi_mutex;
static pthread_mutex_t robust_mutex;
static pthread_mutex_t cond_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int pipe_fds[2];
/* Each thread's TID, for the wait below; 0 until it has started. */
static volatile pid_t tids[8];

static pid_t
gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* A thread's start: its name, its TID published under slot. */
static void
thread_start(const char *name, int slot)
{
	pthread_setname_np(pthread_self(), name);
	tids[slot] = gettid_();
}

/* Waits until thread slot sits in syscall nr (from /proc). */
static void
wait_blocked(int slot, long nr)
{
	char path[64], buf[64];

	while (tids[slot] == 0)
		usleep(1000);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tids[slot]);
	for (;;) {
		FILE *f = fopen(path, "r");
		bool in = f != NULL && fgets(buf, sizeof(buf), f) != NULL && atol(buf) == nr &&
		          strncmp(buf, "running", 7) != 0;

		if (f != NULL)
			fclose(f);
		if (in)
			return;
		usleep(1000);
	}
}

static void
hold_forever(void)
{
	for (;;)
		pause();
}

static void
start(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, arg) != 0)
		exit(1);
}

/* --- abba --- */

__attribute__((noinline)) static void
take_second_lock(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	/* Never reached; keeps the call from becoming a tail call, so that
	 * this frame shows in the stack. */
	pthread_mutex_unlock(m);
}

static void *
locker_a_main(void *arg)
{
	(void)arg;
	thread_start("locker-a", 0);
	pthread_mutex_lock(&mutex_a);
	pthread_barrier_wait(&both_hold);
	take_second_lock(&mutex_b);
	return NULL;
}

static void *
locker_b_main(void *arg)
{
	(void)arg;
	thread_start("locker-b", 1);
	pthread_mutex_lock(&mutex_b);
	pthread_barrier_wait(&both_hold);
	take_second_lock(&mutex_a);
	return NULL;
}

static void *
bystander_main(void *arg)
{
	(void)arg;
	thread_start("bystander", 2);
	pthread_mutex_lock(&mutex_a);
	return NULL;
}

static void
mode_abba(void)
{
	pthread_barrier_init(&both_hold, NULL, 2);
	start(locker_a_main, NULL);
	start(locker_b_main, NULL);
	wait_blocked(0, SYS_futex);
	wait_blocked(1, SYS_futex);
	start(bystander_main, NULL);
	wait_blocked(2, SYS_futex);
}

/* --- rwlock --- */

static void *
rw_reader_main(void *arg)
{
	(void)arg;
	thread_start("rw-reader", 0);
	pthread_rwlock_rdlock(&rw_read_held);
	hold_forever();
	return NULL;
}

static void *
rw_writer_main(void *arg)
{
	(void)arg;
	thread_start("rw-writer", 1);
	pthread_rwlock_wrlock(&rw_read_held);
	return NULL;
}

static void *
rw_holder_main(void *arg)
{
	(void)arg;
	thread_start("rw-holder", 2);
	pthread_rwlock_wrlock(&rw_write_held);
	hold_forever();
	return NULL;
}

static void *
rw_rwaiter_main(void *arg)
{
	(void)arg;
	thread_start("rw-rwaiter", 3);
	pthread_rwlock_rdlock(&rw_write_held);
	return NULL;
}

static void *
rw_writer2_main(void *arg)
{
	(void)arg;
	thread_start("rw-writer2", 4);
	pthread_rwlock_wrlock(&rw_write_held);
	return NULL;
}

static void *
pw_reader_main(void *arg)
{
	(void)arg;
	thread_start("pw-reader", 5);
	pthread_rwlock_rdlock(&rw_prefer_writer);
	hold_forever();
	return NULL;
}

static void *
pw_writer_main(void *arg)
{
	(void)arg;
	thread_start("pw-writer", 6);
	pthread_rwlock_wrlock(&rw_prefer_writer);
	return NULL;
}

static void *
pw_reader2_main(void *arg)
{
	(void)arg;
	thread_start("pw-reader2", 7);
	pthread_rwlock_rdlock(&rw_prefer_writer);
	return NULL;
}

static void
wait_holding(int slot)
{
	wait_blocked(slot, SYS_pause);
}

static void
mode_rwlock(void)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&rw_prefer_writer, &attr);

	start(rw_reader_main, NULL);
	wait_holding(0);
	start(rw_writer_main, NULL);
	wait_blocked(1, SYS_futex);

	start(rw_holder_main, NULL);
	wait_holding(2);
	start(rw_rwaiter_main, NULL);
	wait_blocked(3, SYS_futex);
	start(rw_writer2_main, NULL);
	wait_blocked(4, SYS_futex);

	start(pw_reader_main, NULL);
	wait_holding(5);
	start(pw_writer_main, NULL);
	wait_blocked(6, SYS_futex);
	start(pw_reader2_main, NULL);
	wait_blocked(7, SYS_futex);
}

/* --- pi --- */

static void *
holder_main(void *arg)
{
	pthread_mutex_t *m = arg;

	thread_start(m == &pi_mutex ? "pi-holder" : "robust-holder", m == &pi_mutex ? 0 : 2);
	pthread_mutex_lock(m);
	hold_forever();
	return NULL;
}

static void *
waiter_main(void *arg)
{
	pthread_mutex_t *m = arg;

	thread_start(m == &pi_mutex ? "pi-waiter" : "robust-waiter", m == &pi_mutex ? 1 : 3);
	pthread_mutex_lock(m);
	return NULL;
}

static void
mode_pi(void)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&pi_mutex, &attr);
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust_mutex, &attr);

	start(holder_main, &pi_mutex);
	wait_holding(0);
	start(waiter_main, &pi_mutex);
	wait_blocked(1, SYS_futex);
	start(holder_main, &robust_mutex);
	wait_holding(2);
	start(waiter_main, &robust_mutex);
	wait_blocked(3, SYS_futex);
}

/* --- cond --- */

static void *
cond_waiter_main(void *arg)
{
	(void)arg;
	thread_start("cond-waiter", 0);
	pthread_mutex_lock(&cond_mutex);
	for (;;)
		pthread_cond_wait(&cond, &cond_mutex);
	return NULL;
}

static void
mode_cond(void)
{
	start(cond_waiter_main, NULL);
	wait_blocked(0, SYS_futex);
}

/* --- none --- */

static void *
sleeper_main(void *arg)
{
	(void)arg;
	thread_start("sleeper", 0);
	for (;;)
		sleep(1000);
	return NULL;
}

static void *
pipe_reader_main(void *arg)
{
	char c;

	(void)arg;
	thread_start("pipe-reader", 1);
	while (read(pipe_fds[0], &c, 1) != 0)
		;
	return NULL;
}

static void
mode_none(void)
{
	if (pipe(pipe_fds) != 0)
		exit(1);
	start(sleeper_main, NULL);
	wait_blocked(0, SYS_clock_nanosleep);
	start(pipe_reader_main, NULL);
	wait_blocked(1, SYS_read);
}

/* --- fds --- */

#define MANY_PIPES 20

/* The read ends of pipes nobody writes to: n of them into fds. */
static void
read_ends(int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		int p[2];

		if (pipe(p) != 0)
			exit(1);
		fds[i] = p[0];
	}
}

static void *
poller_main(void *arg)
{
	int *fds = arg, n = fds == NULL ? 0 : fds[0];
	struct pollfd pfd[MANY_PIPES];

	thread_start(n == 3 ? "poller" : "poller-many", n == 3 ? 0 : 3);
	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = fds[1 + i], .events = POLLIN};
	for (;;)
		poll(pfd, (nfds_t)n, -1);
	return NULL;
}

static void *
epoller_main(void *arg)
{
	int *fds = arg, ep = epoll_create1(0);
	struct epoll_event ev;

	thread_start("epoller", 1);
	for (int i = 0; i < 3; i++) {
		ev = (struct epoll_event){.events = EPOLLIN, .data.fd = fds[i]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0)
			exit(1);
	}
	for (;;)
		epoll_wait(ep, &ev, 1, -1);
	return NULL;
}

static void *
selector_main(void *arg)
{
	int *fds = arg;

	thread_start("selector", 2);
	for (;;) {
		fd_set set;

		FD_ZERO(&set);
		for (int i = 0; i < 3; i++)
			FD_SET(fds[i], &set);
		select(fds[2] + 1, &set, NULL, NULL, NULL);
	}
	return NULL;
}

static void
mode_fds(void)
{
	static int polled[1 + 3], epolled[3], selected[3], many[1 + MANY_PIPES];
	int sv[2];

	polled[0] = 3;
	read_ends(polled + 1, 3);
	read_ends(epolled, 1);
	epolled[1] = eventfd(0, 0);
	if (epolled[1] < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		exit(1);
	epolled[2] = sv[0];
	read_ends(selected, 3);
	many[0] = MANY_PIPES;
	read_ends(many + 1, MANY_PIPES);
	start(poller_main, polled);
	wait_blocked(0, SYS_poll);
	start(epoller_main, epolled);
	wait_blocked(1, SYS_epoll_wait);
	start(selector_main, selected);
	wait_blocked(2, SYS_pselect6); /* glibc's select on x86_64 */
	start(poller_main, many);
	wait_blocked(3, SYS_poll);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} modes[] = {
	    {"abba", mode_abba}, {"rwlock", mode_rwlock}, {"pi", mode_pi},
	    {"cond", mode_cond}, {"none", mode_none},     {"fds", mode_fds},
	};

	target_init();
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name) != 0)
			continue;
		modes[i].run();
		target_ready();
		hold_forever();
	}
	fprintf(stderr, "usage: deadlock abba|rwlock|pi|cond|none|fds\n");
	return 2;
}
