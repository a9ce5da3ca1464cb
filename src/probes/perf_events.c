#include "perf_events.h"

#include "../xmalloc.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The user registers each sample carries, in the kernel's order (ascending
 * bits of enum perf_event_x86_regs, arch/x86/include/uapi/asm/perf_regs.h):
 * every general register. DS, ES, FS and GS (bits 12-15) are refused for a
 * 64-bit task (perf_reg_validate). */
enum {
	PERF_REG_AX = 0,
	PERF_REG_BX,
	PERF_REG_CX,
	PERF_REG_DX,
	PERF_REG_SI,
	PERF_REG_DI,
	PERF_REG_BP,
	PERF_REG_SP,
	PERF_REG_IP,
	PERF_REG_FLAGS,
	PERF_REG_CS,
	PERF_REG_SS,
	PERF_REG_R8 = 16,
	PERF_REG_R15 = 23,
	PERF_REG_COUNT = 20, /* the bits set in the mask */
};
static const uint64_t perf_regs_mask = 0xfffULL | (0xffULL << PERF_REG_R8);

/* Where each register of the mask goes, in mask order. */
static size_t
perf_events_reg_offset(size_t i)
{
	static const size_t offsets[PERF_REG_COUNT] = {
	    offsetof(struct user_regs_struct, rax), offsetof(struct user_regs_struct, rbx),
	    offsetof(struct user_regs_struct, rcx), offsetof(struct user_regs_struct, rdx),
	    offsetof(struct user_regs_struct, rsi), offsetof(struct user_regs_struct, rdi),
	    offsetof(struct user_regs_struct, rbp), offsetof(struct user_regs_struct, rsp),
	    offsetof(struct user_regs_struct, rip), offsetof(struct user_regs_struct, eflags),
	    offsetof(struct user_regs_struct, cs),  offsetof(struct user_regs_struct, ss),
	    offsetof(struct user_regs_struct, r8),  offsetof(struct user_regs_struct, r9),
	    offsetof(struct user_regs_struct, r10), offsetof(struct user_regs_struct, r11),
	    offsetof(struct user_regs_struct, r12), offsetof(struct user_regs_struct, r13),
	    offsetof(struct user_regs_struct, r14), offsetof(struct user_regs_struct, r15),
	};

	return offsets[i];
}

/* A cursor over one record: every read is checked against its end. */
struct perf_events_cursor {
	unsigned char *p;
	size_t left;
};

static bool
perf_events_take(struct perf_events_cursor *c, void *out, size_t n)
{
	if (c->left < n)
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

static bool
perf_events_u64(struct perf_events_cursor *c, uint64_t *out)
{
	return perf_events_take(c, out, sizeof(*out));
}

int
perf_events_parse_sample(void *rec, size_t len, struct perf_events_sample *out)
{
	struct perf_events_cursor c = {rec, len};
	struct perf_event_header h;
	uint32_t ids[2];
	uint64_t abi, size, dyn;

	memset(out, 0, sizeof(*out));
	if (!perf_events_take(&c, &h, sizeof(h)) || h.size > len || h.size < sizeof(h))
		return -EBADMSG;
	if (h.type != PERF_RECORD_SAMPLE)
		return -ENOMSG;
	c.left = h.size - sizeof(h);
	/* The order of perf_event.h's PERF_RECORD_SAMPLE: ip, pid/tid, time,
	 * then (nothing else asked for) the user registers and stack. */
	if (!perf_events_u64(&c, &out->ip) || !perf_events_take(&c, ids, sizeof(ids)) ||
	    !perf_events_u64(&c, &out->time_ns) || !perf_events_u64(&c, &abi))
		return -EBADMSG;
	out->pid = (int)ids[0];
	out->tid = (int)ids[1];
	out->kernel = (h.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
	/* ABI_NONE: no user registers (none are written after it). */
	out->has_regs = abi != PERF_SAMPLE_REGS_ABI_NONE;
	for (size_t i = 0; out->has_regs && i < PERF_REG_COUNT; i++) {
		uint64_t v;

		if (!perf_events_u64(&c, &v))
			return -EBADMSG;
		memcpy((unsigned char *)&out->regs + perf_events_reg_offset(i), &v, sizeof(v));
	}
	/* The stack: its size as asked (0 when nothing could be copied),
	 * the bytes, then how many of them are the stack's (dyn_size). */
	if (!perf_events_u64(&c, &size) || size > c.left)
		return -EBADMSG;
	out->stack = c.p;
	c.p += size;
	c.left -= size;
	if (size > 0) {
		if (!perf_events_u64(&c, &dyn) || dyn > size)
			return -EBADMSG;
		out->stack_len = dyn;
	}
	if (out->stack_len == 0)
		out->stack = NULL;
	return 0;
}

int
perf_events_parse_comm(const void *rec, size_t len, int *pid, int *tid, char *comm, size_t size,
                       bool *exec)
{
	struct perf_event_header h;
	uint32_t ids[2];
	const char *name;
	size_t max, n;

	if (len < sizeof(h) + sizeof(ids))
		return -EBADMSG;
	memcpy(&h, rec, sizeof(h));
	if (h.size > len || h.size < sizeof(h) + sizeof(ids))
		return -EBADMSG;
	if (h.type != PERF_RECORD_COMM)
		return -ENOMSG;
	memcpy(ids, (const unsigned char *)rec + sizeof(h), sizeof(ids));
	*pid = (int)ids[0];
	*tid = (int)ids[1];
	*exec = (h.misc & PERF_RECORD_MISC_COMM_EXEC) != 0;
	/* The name, NUL-terminated and padded to 8 bytes, fills the rest
	 * (sample_id_all is not asked for). */
	name = (const char *)rec + sizeof(h) + sizeof(ids);
	max = h.size - sizeof(h) - sizeof(ids);
	n = strnlen(name, max);
	if (n == max || size == 0)
		return -EBADMSG;
	if (n >= size)
		n = size - 1;
	memcpy(comm, name, n);
	comm[n] = '\0';
	return 0;
}

ssize_t
perf_events_ring_next(unsigned char *data, size_t size, uint64_t head, uint64_t tail,
                      unsigned char *scratch, size_t scratch_size, void **rec)
{
	struct perf_event_header h;
	size_t at = (size_t)(tail & (size - 1)), first;

	*rec = NULL;
	if (head == tail)
		return 0;
	/* The kernel aligns records to 8 bytes, so a header never wraps;
	 * checked anyway: the ring is only as sane as its offsets. */
	if (head < tail || head - tail > size || head - tail < sizeof(h) || size - at < sizeof(h))
		return -EBADMSG;
	memcpy(&h, data + at, sizeof(h));
	if (h.size < sizeof(h) || h.size > head - tail ||
	    (scratch != NULL && h.size > scratch_size))
		return -EBADMSG;
	if (size - at >= h.size) {
		*rec = data + at;
		return h.size;
	}
	if (scratch == NULL)
		return -ENOBUFS;
	first = size - at;
	memcpy(scratch, data + at, first);
	memcpy(scratch + first, data, h.size - first);
	*rec = scratch;
	return h.size;
}

struct perf_events {
	int fd;
	struct perf_event_mmap_page *page; /* the control page, then the data */
	size_t map_len;
	unsigned char *data;
	size_t data_size;
};

void
perf_events_free(struct perf_events *e)
{
	if (e == NULL)
		return;
	if (e->page != NULL)
		munmap(e->page, e->map_len);
	if (e->fd >= 0)
		close(e->fd);
	free(e);
}

/* Opens the event on thread tid (cpu -1) or on every task that runs on cpu
 * (tid -1), and maps its ring. */
static int
perf_events_open_on(int tid, int cpu, const struct perf_events_config *cfg,
                    struct perf_events **out)
{
	long page = sysconf(_SC_PAGESIZE);
	struct perf_event_attr attr = {
	    .size = sizeof(attr),
	    .type = PERF_TYPE_SOFTWARE,
	    .config = PERF_COUNT_SW_CPU_CLOCK,
	    /* cpu-clock counts nanoseconds of the thread's CPU time: a fixed
	     * period is exact, where a frequency would be adjusted. */
	    .sample_period = 1000000000ULL / (cfg->hz ? cfg->hz : 1),
	    .sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
	                   PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
	    .sample_regs_user = perf_regs_mask,
	    .sample_stack_user = (uint32_t)cfg->stack_bytes,
	    .exclude_kernel = !cfg->kernel,
	    .exclude_hv = 1,
	    /* A CPU's idle task is the kernel waiting for work: no stack of
	     * anyone's (the hrtimer of cpu-clock honours it: kernel/events/
	     * core.c, perf_swevent_hrtimer). */
	    .exclude_idle = cpu >= 0,
	    /* An exit record tells the sampler to list the threads again. */
	    .task = 1,
	    .comm = cfg->comm,
	    /* Sample times on the clock the Python frames are read by. */
	    .use_clockid = 1,
	    .clockid = CLOCK_MONOTONIC,
	};
	struct perf_events *e = xcalloc(1, sizeof(*e));
	void *map;

	*out = NULL;
	e->fd = (int)syscall(SYS_perf_event_open, &attr, tid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (e->fd < 0) {
		int err = -errno;

		free(e);
		return err;
	}
	e->data_size = cfg->ring_pages * (size_t)page;
	e->map_len = e->data_size + (size_t)page;
	map = mmap(NULL, e->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd, 0);
	if (map == MAP_FAILED) {
		int err = -errno;

		perf_events_free(e);
		return err;
	}
	e->page = map;
	e->data = (unsigned char *)map + page;
	*out = e;
	return 0;
}

int
perf_events_open(int tid, const struct perf_events_config *cfg, struct perf_events **out)
{
	return perf_events_open_on(tid, -1, cfg, out);
}

int
perf_events_open_cpu(int cpu, const struct perf_events_config *cfg, struct perf_events **out)
{
	return perf_events_open_on(-1, cpu, cfg, out);
}

size_t
perf_events_open_cpus(const struct perf_events_config *cfg, struct perf_events ***cpus,
                      size_t *ncpus, int *refused)
{
	long configured = sysconf(_SC_NPROCESSORS_CONF);
	size_t opened = 0;

	*refused = 0;
	*ncpus = configured > 0 ? (size_t)configured : 1;
	*cpus = xcalloc(*ncpus, sizeof(**cpus));
	for (size_t i = 0; i < *ncpus; i++) {
		int err = perf_events_open_cpu((int)i, cfg, &(*cpus)[i]);

		if (err == 0)
			opened++;
		else if (err != -ENODEV && *refused == 0)
			*refused = err;
	}
	return opened;
}

void
perf_events_free_cpus(struct perf_events **cpus, size_t ncpus)
{
	for (size_t i = 0; i < ncpus; i++)
		perf_events_free(cpus[i]);
	free(cpus);
}

bool
perf_events_pending(const struct perf_events *e)
{
	return __atomic_load_n(&e->page->data_head, __ATOMIC_ACQUIRE) != e->page->data_tail;
}

void
perf_events_drain(struct perf_events *e, const struct perf_events_sink *sink,
                  struct perf_events_drained *d)
{
	/* The kernel writes data_head after the records (a release); we free
	 * space by writing data_tail after reading them
	 * (include/uapi/linux/perf_event.h). */
	uint64_t head = __atomic_load_n(&e->page->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = e->page->data_tail;
	unsigned char *scratch = NULL;

	while (tail != head) {
		struct perf_events_sample s;
		struct perf_event_header h;
		void *rec;
		ssize_t n;

		n = perf_events_ring_next(e->data, e->data_size, head, tail, scratch,
		                          UINT16_MAX + 1, &rec);
		if (n == -ENOBUFS) { /* wraps: copied out, into memory kept until the end */
			scratch = xmalloc(UINT16_MAX + 1);
			n = perf_events_ring_next(e->data, e->data_size, head, tail, scratch,
			                          UINT16_MAX + 1, &rec);
		}
		if (n <= 0) {
			d->bad += n < 0;
			tail = head;
			break;
		}
		tail += (uint64_t)n;
		memcpy(&h, rec, sizeof(h));
		if (h.type == PERF_RECORD_LOST && n >= (ssize_t)(sizeof(h) + 16)) {
			uint64_t lost;

			memcpy(&lost, (unsigned char *)rec + sizeof(h) + 8, sizeof(lost));
			d->lost += lost;
		} else if (h.type == PERF_RECORD_EXIT) {
			d->exited = true;
		} else if (h.type == PERF_RECORD_COMM && sink->comm != NULL) {
			char comm[64];
			int pid, tid;
			bool exec;

			if (perf_events_parse_comm(rec, (size_t)n, &pid, &tid, comm, sizeof(comm),
			                           &exec) == 0)
				sink->comm(sink->arg, pid, tid, comm, exec);
			else
				d->bad++;
		} else if (h.type == PERF_RECORD_SAMPLE) {
			if (perf_events_parse_sample(rec, (size_t)n, &s) == 0) {
				d->samples++;
				sink->sample(sink->arg, &s);
			} else {
				d->bad++;
			}
		}
	}
	free(scratch);
	__atomic_store_n(&e->page->data_tail, tail, __ATOMIC_RELEASE);
}
