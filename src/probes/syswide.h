/* On-CPU samples of every process on the machine (stacktop record -a, the
 * live view's functions page), as `perf record -a -g` takes them: one perf
 * event per CPU (probes/perf_events), each sample's pid and tid saying
 * whose it is. Each process that gives a sample gets a sampler of its
 * own (its maps, modules and symbols), made on its first sample and kept
 * for the next ones: at most SYSWIDE_MAX_PROCESSES of them, the least
 * recently sampled dropped beyond that, and a process that exited (or
 * whose PID now names another process) dropped within a second. Samples
 * are unwound with the target running, as record -p's are, and counted
 * into a system-wide profile (profile.h, pid 0): each entry says its
 * process.
 *
 * A kernel thread's sample (no user registers) counts as one "[kernel]"
 * frame under that thread; a CPU's idle task is not sampled at all (idle
 * time is no one's work: perf's swapper). Each process is counted by a
 * sampler of its own fed these samples (sampler_new_fed): in a Python
 * process the Python frames are merged as record -p merges them, its
 * threads' Python stacks read once a round (while it was sampled within the
 * last second) before its samples are drained. */
#ifndef STACKTOP_SYSWIDE_H
#define STACKTOP_SYSWIDE_H

#include "../profile.h"
#include "procfs.h"
#include "stacks.h"

#include <stdint.h>

/* Processes whose samplers are kept at once. Each holds its maps and the
 * ELF files it opened (mapped, shared with no one): a busy machine's hot
 * processes are a few dozen. */
#define SYSWIDE_MAX_PROCESSES 128

struct syswide;

/* What a session met besides the samples it counted. */
struct syswide_counts {
	uint64_t kernel_threads; /* samples of kernel threads (counted, "[kernel]") */
	uint64_t own;            /* samples of our own process (counted) */
	uint64_t gone;           /* samples of processes that ended before their maps
	                            could be read: counted under the name their exec
	                            gave (comm records), as one "[ended before it was
	                            read]" frame */
	uint64_t lost;           /* samples the kernel dropped: a ring was full */
	uint64_t bad;            /* records that did not parse */
	uint64_t processes;      /* distinct processes sampled */
	uint64_t python;         /* of them, Python processes whose frames are merged */
	uint64_t evicted;        /* samplers dropped for the bound, not an exit */
	unsigned cpus;           /* CPUs sampled */
};

/* Opens one event per online CPU, sampling hz times a second of each CPU's
 * busy time (user and kernel), with fs (borrowed; must outlive the session)
 * to read processes; frames as for sampler_new (TARGET_AUTO: Python frames
 * merged in Python processes; TARGET_NATIVE: never). Returns 0 and an owned
 * session (free with syswide_free), or -errno of the first CPU's
 * perf_event_open: -EACCES or -EPERM (kernel.perf_event_paranoid above 0
 * without CAP_PERFMON or CAP_SYS_ADMIN), -ENOENT, -ENOSYS or -EOPNOTSUPP
 * (no such event). */
int syswide_new(const struct procfs *fs, unsigned hz, enum target_frames frames,
                struct syswide **out);
void syswide_free(struct syswide *w);

/* Drains every CPU's ring into p (a profile made with pid 0): each sample
 * unwound through its process's sampler. Returns 0. */
int syswide_round(struct syswide *w, struct profile *p);

/* What the session met so far (borrowed for its life). */
const struct syswide_counts *syswide_counts(const struct syswide *w);

#endif
