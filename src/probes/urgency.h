/* While stacktop holds a target stopped, every microsecond of its own work is
 * the target's stall, and on a saturated box stacktop waits for a CPU like
 * everyone else: it may hold the target for the run queue's time, not its
 * work's (stops of 6-42 ms were measured at load 18-26 for dumps of a few
 * milliseconds of work). So for the window of a stop the calling thread runs
 * at the highest priority it may: SCHED_FIFO (priority 1) with CAP_SYS_NICE
 * or an RLIMIT_RTPRIO, else nice -20, else as it was; and goes back to what
 * it had at once. STACKTOP_URGENCY=0 turns this off. */
#ifndef STACKTOP_URGENCY_H
#define STACKTOP_URGENCY_H

#include <stdbool.h>

/* What the thread had before urgency_raise. */
struct urgency {
	bool fifo;  /* raised to SCHED_FIFO */
	bool niced; /* raised by nice */
	int policy; /* the scheduling policy before */
	int priority;
	int nice;
};

/* Raises the calling thread for a stop; what it had goes into *u. Never
 * fails: without the right to raise, nothing changes. */
void urgency_raise(struct urgency *u);

/* Puts the calling thread back as *u says it was. */
void urgency_restore(const struct urgency *u);

#endif
