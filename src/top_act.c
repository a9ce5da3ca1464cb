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
static const struct {
	int number;
	const char *name;
	const char *label;
} signals[] = {
    {SIGTERM, "SIGTERM", "15 SIGTERM"}, {SIGKILL, "SIGKILL", " 9 SIGKILL"},
    {SIGINT, "SIGINT", " 2 SIGINT"},    {SIGHUP, "SIGHUP", " 1 SIGHUP"},
    {SIGQUIT, "SIGQUIT", " 3 SIGQUIT"}, {SIGSTOP, "SIGSTOP", "19 SIGSTOP"},
    {SIGCONT, "SIGCONT", "18 SIGCONT"}, {SIGUSR1, "SIGUSR1", "10 SIGUSR1"},
    {SIGUSR2, "SIGUSR2", "12 SIGUSR2"}, {SIGTSTP, "SIGTSTP", "20 SIGTSTP"},
    {SIGABRT, "SIGABRT", " 6 SIGABRT"}, {SIGWINCH, "SIGWINCH", "28 SIGWINCH"},
};

#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))

static const char *const labels[NSIGNALS] = {
    signals[0].label, signals[1].label, signals[2].label,  signals[3].label,
    signals[4].label, signals[5].label, signals[6].label,  signals[7].label,
    signals[8].label, signals[9].label, signals[10].label, signals[11].label,
};

size_t
top_act_signal_count(void)
{
	return NSIGNALS;
}

int
top_act_signal_number(size_t i)
{
	return i < NSIGNALS ? signals[i].number : 0;
}

const char *
top_act_signal_name(size_t i)
{
	return i < NSIGNALS ? signals[i].name : "?";
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
		if (signals[i].number == sig)
			name = signals[i].name;
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
