/* Per-thread accounting over netlink (the kernel's taskstats interface).
 *
 * The cheapest per-thread source we know: no file to open, format and close,
 * and one answer carries user and system CPU in microseconds, context
 * switches and run-queue delay. Queries go out in batches (one sendto and one
 * recvmmsg per batch). The command needs CAP_NET_ADMIN (GENL_ADMIN_PERM in
 * kernel/taskstats.c), so unprivileged callers fall back to /proc. */
#ifndef STACKTOP_TASKSTATS_H
#define STACKTOP_TASKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct taskstats_client;

/* One thread's counters as taskstats reports them. */
struct taskstats_sample {
	bool ok;          /* false: the task is gone, or the answer was malformed */
	uint64_t user_us; /* counted in clock ticks: exact only over many of them */
	uint64_t sys_us;
	uint64_t run_ns; /* time on a CPU, exact (delay accounting); 0 unknown */
	uint64_t ctxsw_voluntary;
	uint64_t ctxsw_involuntary;
	uint64_t delay_ns; /* time spent waiting on a run queue */
	uint64_t btime_s;  /* start, in wall-clock seconds (jitters by a second) */
	int nice;          /* -20..19 */
	char comm[33];     /* raw, NUL-terminated */
};

/* Opens a netlink socket and checks that taskstats answers for us. Returns 0
 * and an owned client (free with taskstats_free), -EPERM without
 * CAP_NET_ADMIN, or another -errno when the kernel lacks taskstats. */
int taskstats_new(struct taskstats_client **out);
void taskstats_free(struct taskstats_client *c);

/* Queries the n threads in tids; fills out[i] for each. Returns 0, or -errno
 * when the socket itself failed (then the caller should stop using it). */
int taskstats_query(struct taskstats_client *c, const int *tids, size_t n,
                    struct taskstats_sample *out);

/* Parses one netlink message answering a TASKSTATS_CMD_GET (pure; the fuzzer
 * drives it). Returns the TID it describes and fills *out, 0 for a netlink
 * error answer (the task is gone), or -EINVAL when the bytes make no sense. */
int taskstats_parse(const void *msg, size_t len, struct taskstats_sample *out);

#endif
