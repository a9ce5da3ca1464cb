#include "top_act.h"

#include "sanitize.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kill menu's signals, the most used first (htop lists them by
 * number; TERM first saves the usual case a key). */
/* The signals the menu offers, TERM first, and their labels: "NN NAME",
 * the name from the fourth character (two arrays, not a table of structs:
 * a constant initializer cannot take a struct member's value, which the
 * label list handed to the menu would need). */
static const int signals[] = {SIGTERM, SIGKILL, SIGINT,  SIGHUP,  SIGQUIT, SIGSTOP,
                              SIGCONT, SIGUSR1, SIGUSR2, SIGTSTP, SIGABRT, SIGWINCH};
static const char *const labels[] = {
    "15 SIGTERM", " 9 SIGKILL", " 2 SIGINT",  " 1 SIGHUP",  " 3 SIGQUIT", "19 SIGSTOP",
    "18 SIGCONT", "10 SIGUSR1", "12 SIGUSR2", "20 SIGTSTP", " 6 SIGABRT", "28 SIGWINCH",
};

#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))
_Static_assert(sizeof(labels) / sizeof(labels[0]) == NSIGNALS, "a label per signal");

size_t
top_act_signal_count(void)
{
	return NSIGNALS;
}

int
top_act_signal_number(size_t i)
{
	return i < NSIGNALS ? signals[i] : 0;
}

const char *
top_act_signal_name(size_t i)
{
	return i < NSIGNALS ? labels[i] + 3 : "?";
}

const char *const *
top_act_signal_labels(void)
{
	return labels;
}

void
top_act_target(const struct task_brief *b, bool thread, struct top_act_target *t)
{
	char name[64], comm[64];

	t->pid = b->pid;
	t->tid = thread ? b->tid : b->pid;
	t->thread = thread && b->tid != b->pid;
	sanitize_text(b->comm, strlen(b->comm), comm, sizeof(comm));
	if (t->thread)
		snprintf(t->name, sizeof(t->name), "thread %d (%s) of PID %d (%s)", t->tid,
		         sanitize_text(b->name, strlen(b->name), name, sizeof(name)), t->pid, comm);
	else
		snprintf(t->name, sizeof(t->name), "PID %d (%s)", t->pid, comm);
}

/* What to do about an errno of kill or setpriority. */
static const char *
act_remedy(int err, const char *what)
{
	switch (err) {
	case ESRCH:
		return "it has exited";
	case EPERM:
		return strcmp(what, "nice") == 0
		           ? "another user's: run as root or grant CAP_SYS_NICE"
		           : "another user's: run as root or grant CAP_KILL";
	case EACCES:
		return "lowering nice needs root or CAP_SYS_NICE";
	default:
		return strerror(err);
	}
}

int
top_act_signal(const struct top_act_target *t, int sig, char *msg, size_t size)
{
	const char *name = "?";
	int err = 0;

	for (size_t i = 0; i < NSIGNALS; i++)
		if (signals[i] == sig)
			name = labels[i] + 3;
	if (t->pid == getpid()) {
		snprintf(msg, size, "stacktop does not signal itself (q quits)");
		return -EPERM;
	}
	if ((t->thread ? syscall(SYS_tgkill, t->pid, t->tid, sig) : kill(t->pid, sig)) != 0)
		err = errno;
	if (err != 0)
		snprintf(msg, size, "cannot send %s to %s: %s", name, t->name,
		         act_remedy(err, "signal"));
	else
		snprintf(msg, size, "sent %s to %s", name, t->name);
	return -err;
}

/* Sets tid's nice. Returns 0 or an errno. */
static int
act_setpriority(int tid, int nice)
{
	return setpriority(PRIO_PROCESS, (id_t)tid, nice) == 0 ? 0 : errno;
}

int
top_act_renice(const struct top_act_target *t, int delta, const struct task_brief *threads,
               size_t n, char *msg, size_t size)
{
	int old, nice, err;

	/* getpriority returns the nice itself, which may be -1: errno tells. */
	errno = 0;
	old = getpriority(PRIO_PROCESS, (id_t)t->tid);
	if (errno != 0) {
		err = errno;
		snprintf(msg, size, "cannot read the nice of %s: %s", t->name,
		         act_remedy(err, "nice"));
		return -err;
	}
	nice = old + delta < -20 ? -20 : old + delta > 19 ? 19 : old + delta;
	if (nice == old) {
		snprintf(msg, size, "%s: nice is already %d", t->name, old);
		return 0;
	}
	err = act_setpriority(t->tid, nice);
	/* A process's nice is each thread's: the others follow its main one
	 * (a thread gone meanwhile is no error). */
	for (size_t i = 0; i < n && err == 0 && !t->thread; i++)
		if (threads[i].pid == t->pid && threads[i].tid != t->pid &&
		    (err = act_setpriority(threads[i].tid, nice)) == ESRCH)
			err = 0;
	if (err != 0)
		snprintf(msg, size, "cannot renice %s to %d: %s", t->name, nice,
		         act_remedy(err, "nice"));
	else
		snprintf(msg, size, "%s: nice %d -> %d", t->name, old, nice);
	return -err;
}
