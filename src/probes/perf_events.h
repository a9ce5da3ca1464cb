/* On-CPU samples of one thread from the kernel (perf_event_open): a software
 * cpu-clock event that, each period of CPU time the thread uses, writes its
 * user registers and a copy of the top of its user stack into a ring buffer
 * we map. Nothing stops the thread: the copy is taken by the kernel in the
 * timer interrupt, while the thread is on a CPU, so a thread that is
 * runnable but waiting for a CPU gives no sample.
 *
 * One event per thread (pid = tid, cpu = -1), attached as each thread
 * appears, rather than inherited events: the kernel refuses to mmap an
 * inherited per-thread event (kernel/events/core.c, perf_mmap), and
 * inheritance needs an event per thread and per CPU, which only follows
 * the threads created after it. Per-thread events cost one fd and one ring
 * per thread, and a thread is followed from the round after it appears.
 *
 * The record parser and the ring walk are pure (no syscalls): unit tests
 * drive them with fabricated rings. x86-64 only, as the unwinder. */
#ifndef STACKTOP_PERF_EVENTS_H
#define STACKTOP_PERF_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* How much of the user stack each sample copies, from the stack pointer up.
 * Measured (from each sample's stack pointer to its outermost frame's): the
 * pool target's workers 200 bytes; CPython 3.12 and 3.13 threads in a
 * 30-deep Python recursion at most 3 KiB (3.11+ do not recurse in C for a
 * Python call); CPython 3.9 there median 14.5 KiB, at most 15.7 KiB (~470
 * bytes of C stack per Python call up to 3.10). 16 KiB covers those, and
 * keeps a sample at a quarter of the 64 KiB a record can hold (its size is
 * a u16); frames beyond the copy are read from the live stack by the
 * unwinder, as after a ptrace stop. perf's own default is 8 KiB. */
#define PERF_EVENTS_STACK_BYTES (16 * 1024)

/* What each thread's event is asked for. */
struct perf_events_config {
	unsigned hz;        /* samples per second of CPU time */
	bool kernel;        /* also sample while in the kernel (root, or
	                       perf_event_paranoid <= 1) */
	size_t stack_bytes; /* a multiple of 8, below 64 KiB */
	size_t ring_pages;  /* data pages of each ring: a power of two */
	bool comm;          /* also a record of each exec and rename
	                       (PERF_RECORD_COMM): its new name */
};

/* One sample, as the kernel wrote it. */
struct perf_events_sample {
	int pid, tid;
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	uint64_t ip;      /* where the CPU was: a kernel address when kernel */
	bool kernel;      /* taken in the kernel: regs are the user registers
	                     at the kernel's entry (a syscall, a fault) */
	bool has_regs;    /* false when the kernel had no user registers */
	struct user_regs_struct regs;
	unsigned char *stack; /* the stack copy from regs.rsp up: borrowed,
	                         from the record parsed */
	size_t stack_len;
};

/* Parses one PERF_RECORD_SAMPLE (header included, len bytes, as a ring
 * holds it) of the layout perf_events_open asks for. Returns 0, -ENOMSG
 * when it is another kind of record, or -EBADMSG when it is malformed or
 * truncated (every length in it is checked against len). */
int perf_events_parse_sample(void *rec, size_t len, struct perf_events_sample *out);

/* Parses one PERF_RECORD_COMM (header included, len bytes): process pid's
 * thread tid is now named comm (copied into comm, size bytes, always
 * NUL-terminated), *exec whether an execve named it. Returns 0, -ENOMSG
 * (another kind of record) or -EBADMSG. */
int perf_events_parse_comm(const void *rec, size_t len, int *pid, int *tid, char *comm, size_t size,
                           bool *exec);

/* The next record of a ring: data (size bytes, a power of two) holding
 * records from tail to head (the kernel's running offsets). A record that
 * wraps around the end is copied into scratch (scratch_size bytes, 64 KiB
 * holds any record) and *rec points there; otherwise *rec points into data.
 * Returns the record's length, 0 when the ring is empty, -ENOBUFS when the
 * record wraps and scratch is NULL, or -EBADMSG when the record's header is
 * impossible (the ring cannot be trusted: drop what it holds). */
ssize_t perf_events_ring_next(unsigned char *data, size_t size, uint64_t head, uint64_t tail,
                              unsigned char *scratch, size_t scratch_size, void **rec);

/* One thread's event and ring. */
struct perf_events;

/* Starts sampling thread tid as cfg says. Returns 0 and an owned handle
 * (free with perf_events_free), or -errno: -EACCES or -EPERM (not allowed:
 * perf_event_paranoid, no CAP_PERFMON, a seccomp filter, or the ring over
 * the locked-memory limit), -ENOSYS, -ENOENT or -EOPNOTSUPP (no such
 * event on this kernel), -ESRCH (the thread is gone). */
int perf_events_open(int tid, const struct perf_events_config *cfg, struct perf_events **out);
void perf_events_free(struct perf_events *e);

/* The same for every task that runs on CPU cpu (stacktop record -a): each
 * sample's pid and tid say whose it is; the CPU's idle task is not sampled.
 * Needs kernel.perf_event_paranoid <= 0, CAP_PERFMON or CAP_SYS_ADMIN
 * (-EACCES otherwise); -ENODEV: no such CPU (offline). */
int perf_events_open_cpu(int cpu, const struct perf_events_config *cfg, struct perf_events **out);

/* perf_events_open_cpu on every CPU the machine is configured with: *cpus
 * (owned, *ncpus of them; free with perf_events_free_cpus) holds each
 * CPU's event, NULL where it could not be opened (an offline CPU: nothing
 * runs there). Returns how many were opened; *refused gets the first
 * error other than -ENODEV (0: none). */
size_t perf_events_open_cpus(const struct perf_events_config *cfg, struct perf_events ***cpus,
                             size_t *ncpus, int *refused);
void perf_events_free_cpus(struct perf_events **cpus, size_t ncpus);

/* Whether e's ring holds records (a read of the mapped page, no syscall). */
bool perf_events_pending(const struct perf_events *e);

/* What one drain found besides samples. */
struct perf_events_drained {
	uint64_t samples; /* given to the sink */
	uint64_t lost;    /* samples the kernel dropped: the ring was full */
	uint64_t bad;     /* records that did not parse */
	bool exited;      /* the thread ended (PERF_RECORD_EXIT) */
};

/* Where a drain gives the records of a ring (arg given back to each). */
struct perf_events_sink {
	/* Each sample; it and its stack are borrowed for the call only. */
	void (*sample)(void *arg, const struct perf_events_sample *s);
	/* Each PERF_RECORD_COMM (events opened with comm): process pid's
	 * thread tid is now named comm (borrowed for the call), by an execve
	 * when exec. May be NULL. */
	void (*comm)(void *arg, int pid, int tid, const char *comm, bool exec);
	void *arg;
};

/* Gives each record in e's ring to sink, in the ring's order, then frees
 * the ring space. Adds to *d. */
void perf_events_drain(struct perf_events *e, const struct perf_events_sink *sink,
                       struct perf_events_drained *d);

#endif
