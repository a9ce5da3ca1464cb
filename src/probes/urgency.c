#include "urgency.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The lowest real-time priority is enough: it runs ahead of every ordinary
 * task, and stays below the kernel's own real-time threads (and any
 * real-time work of the box's). */
#define URGENCY_FIFO_PRIORITY 1
#define URGENCY_NICE          (-20)

/* Linux keeps the nice value per thread: PRIO_PROCESS with a thread id
 * changes that thread alone. */
static int
urgency_tid(void)
{
	return (int)syscall(SYS_gettid);
}

void
urgency_raise(struct urgency *u)
{
	struct sched_param param = {.sched_priority = URGENCY_FIFO_PRIORITY};
	struct sched_param before = {0};

	const char *off = getenv("STACKTOP_URGENCY");

	*u = (struct urgency){.policy = sched_getscheduler(0)};
	/* STACKTOP_URGENCY=0 keeps stacktop an ordinary task throughout (to
	 * compare, or where a real-time task is not wanted at all). */
	if ((off != NULL && strcmp(off, "0") == 0) || u->policy < 0 ||
	    sched_getparam(0, &before) != 0)
		return;
	u->priority = before.sched_priority;
	/* Already real-time (someone ran us with chrt): leave it. */
	if (u->policy == SCHED_FIFO || u->policy == SCHED_RR)
		return;
	if (sched_setscheduler(0, SCHED_FIFO, &param) == 0) {
		u->fifo = true;
		return;
	}
	errno = 0;
	u->nice = getpriority(PRIO_PROCESS, (id_t)urgency_tid());
	if (errno == 0 && u->nice > URGENCY_NICE &&
	    setpriority(PRIO_PROCESS, (id_t)urgency_tid(), URGENCY_NICE) == 0)
		u->niced = true;
}

void
urgency_restore(const struct urgency *u)
{
	struct sched_param param = {.sched_priority = u->priority};

	if (u->fifo)
		(void)sched_setscheduler(0, u->policy, &param);
	if (u->niced)
		(void)setpriority(PRIO_PROCESS, (id_t)urgency_tid(), u->nice);
}
