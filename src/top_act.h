/* What the live view does to a task: send it a signal (k, F9) and change
 * its nice (F7, F8), as htop does. Each action returns 0 or -errno and
 * writes the one line the status bar shows, success or error. */
#ifndef STACKTOP_TOP_ACT_H
#define STACKTOP_TOP_ACT_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>

/* The signals the kill menu offers, in its order: SIGTERM, the one it
 * starts on, first. Names are "SIGTERM"; labels "15 SIGTERM" (static). */
size_t top_act_signal_count(void);
int top_act_signal_number(size_t i);
const char *top_act_signal_name(size_t i);
const char *const *top_act_signal_labels(void);

/* Who a signal or a nice goes to, as chosen from a row: a thread (thread
 * rows: htop signals the thread's TID) or a whole process. */
struct top_act_target {
	int pid;
	int tid;        /* == pid for a process or its main thread */
	bool thread;    /* a thread row: the thread alone */
	char name[160]; /* sanitized: "PID 123 (python3)", "thread 124 (w) of PID 123 (python3)" */
};

/* Fills t from the row b (borrowed), in thread rows or process rows. */
void top_act_target(const struct task_brief *b, bool thread, struct top_act_target *t);

/* Sends signal sig to t: tgkill for a thread, kill for a process. Refuses
 * stacktop itself (-EPERM without a syscall). Returns 0 or -errno; msg
 * (size bytes) says what happened. */
int top_act_signal(const struct top_act_target *t, int sig, char *msg, size_t size);

/* Changes t's nice by delta (-1: F7, +1: F8), between -20 and 19: a thread
 * alone, or every thread of a process (on Linux setpriority's PRIO_PROCESS
 * takes a TID: one thread), threads[0..n) (borrowed) being the latest
 * sample's threads. Returns 0 or -errno; msg says what happened. */
int top_act_renice(const struct top_act_target *t, int delta, const struct task_brief *threads,
                   size_t n, char *msg, size_t size);

#endif
