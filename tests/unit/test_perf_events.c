/* perf_events' record parser and ring walk on fabricated records: the
 * layout perf_events_open asks for, a record wrapping around the ring's end,
 * and records whose lengths lie. */
#include "check.h"
#include "perf_events.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>

static void
put_u64(unsigned char *buf, size_t *at, uint64_t v)
{
	memcpy(buf + *at, &v, sizeof(v));
	*at += sizeof(v);
}

/* A sample record at buf: regs[i] = 0x1000 + i, then a stack of stack_len
 * bytes (0xab) of which dyn bytes are the stack's. Returns its length. */
static size_t
make_sample(unsigned char *buf, uint16_t misc, size_t stack_len, uint64_t dyn)
{
	struct perf_event_header h = {.type = PERF_RECORD_SAMPLE, .misc = misc};
	uint32_t ids[2] = {100, 101};
	size_t at = sizeof(h);

	put_u64(buf, &at, 0x401000); /* ip */
	memcpy(buf + at, ids, sizeof(ids));
	at += sizeof(ids);
	put_u64(buf, &at, 123456789); /* time */
	put_u64(buf, &at, PERF_SAMPLE_REGS_ABI_64);
	for (uint64_t i = 0; i < 20; i++)
		put_u64(buf, &at, 0x1000 + i);
	put_u64(buf, &at, stack_len);
	memset(buf + at, 0xab, stack_len);
	at += stack_len;
	if (stack_len > 0)
		put_u64(buf, &at, dyn);
	h.size = (uint16_t)at;
	memcpy(buf, &h, sizeof(h));
	return at;
}

static void
test_parse(void)
{
	unsigned char buf[4096];
	struct perf_events_sample s;
	size_t n = make_sample(buf, PERF_RECORD_MISC_USER, 256, 200);

	CHECK(perf_events_parse_sample(buf, n, &s) == 0);
	CHECK(s.pid == 100 && s.tid == 101 && s.ip == 0x401000 && s.time_ns == 123456789);
	CHECK(!s.kernel && s.has_regs);
	/* The mask's order: ax bx cx dx si di bp sp ip flags cs ss r8..r15. */
	CHECK(s.regs.rax == 0x1000 && s.regs.rbp == 0x1006 && s.regs.rsp == 0x1007);
	CHECK(s.regs.rip == 0x1008 && s.regs.ss == 0x100b && s.regs.r8 == 0x100c);
	CHECK(s.regs.r15 == 0x1013);
	CHECK(s.stack_len == 200 && s.stack != NULL && s.stack[199] == 0xab);

	n = make_sample(buf, PERF_RECORD_MISC_KERNEL, 0, 0);
	CHECK(perf_events_parse_sample(buf, n, &s) == 0);
	CHECK(s.kernel && s.stack == NULL && s.stack_len == 0);

	/* Lengths that lie: a dyn_size beyond the copy, a record cut short,
	 * a stack size beyond the record. */
	n = make_sample(buf, PERF_RECORD_MISC_USER, 64, 65);
	CHECK(perf_events_parse_sample(buf, n, &s) == -EBADMSG);
	n = make_sample(buf, PERF_RECORD_MISC_USER, 64, 64);
	CHECK(perf_events_parse_sample(buf, n - 8, &s) == -EBADMSG);
	for (size_t cut = 0; cut < n; cut += 8) {
		struct perf_event_header h;

		memcpy(&h, buf, sizeof(h));
		h.size = (uint16_t)cut;
		memcpy(buf, &h, sizeof(h));
		CHECK(perf_events_parse_sample(buf, n, &s) == -EBADMSG);
	}
	n = make_sample(buf, PERF_RECORD_MISC_USER, 64, 64);
	buf[sizeof(struct perf_event_header) + 8 * 4 + 8 * 20] = 0xff; /* stack size */
	CHECK(perf_events_parse_sample(buf, n, &s) == -EBADMSG);

	struct perf_event_header other = {.type = PERF_RECORD_LOST, .size = 24};
	memcpy(buf, &other, sizeof(other));
	CHECK(perf_events_parse_sample(buf, 24, &s) == -ENOMSG);
}

static void
test_ring(void)
{
	static unsigned char ring[1024], rec[512], scratch[65536];
	struct perf_events_sample s;
	size_t n = make_sample(rec, PERF_RECORD_MISC_USER, 128, 128);
	uint64_t tail = 3 * 1024 + 1024 - 64; /* 64 bytes before the end, lapped */
	void *got;

	CHECK(perf_events_ring_next(ring, sizeof(ring), tail, tail, scratch, sizeof(scratch),
	                            &got) == 0);
	/* The record split over the end and the start of the ring. */
	memcpy(ring + 1024 - 64, rec, 64);
	memcpy(ring, rec + 64, n - 64);
	CHECK(perf_events_ring_next(ring, sizeof(ring), tail + n, tail, NULL, 0, &got) == -ENOBUFS);
	CHECK(perf_events_ring_next(ring, sizeof(ring), tail + n, tail, scratch, sizeof(scratch),
	                            &got) == (ssize_t)n);
	CHECK(got == scratch && perf_events_parse_sample(got, n, &s) == 0 && s.tid == 101);
	/* One that does not wrap is read where it is. */
	memcpy(ring + 64, rec, n);
	CHECK(perf_events_ring_next(ring, sizeof(ring), 64 + n, 64, NULL, 0, &got) == (ssize_t)n);
	CHECK(got == ring + 64);
	/* Offsets that cannot be: head behind tail, more than the ring, a
	 * record longer than what the head says was written. */
	CHECK(perf_events_ring_next(ring, sizeof(ring), 64, 64 + n, scratch, sizeof(scratch),
	                            &got) == -EBADMSG);
	CHECK(perf_events_ring_next(ring, sizeof(ring), 64 + 2048, 64, scratch, sizeof(scratch),
	                            &got) == -EBADMSG);
	CHECK(perf_events_ring_next(ring, sizeof(ring), 64 + n - 8, 64, scratch, sizeof(scratch),
	                            &got) == -EBADMSG);
}

/* A comm record: header, pid, tid, the name NUL-padded to 8 bytes. */
static void
test_comm(void)
{
	unsigned char rec[64] = {0};
	struct perf_event_header h = {.type = PERF_RECORD_COMM,
	                              .misc = PERF_RECORD_MISC_COMM_EXEC,
	                              .size = sizeof(h) + 8 + 8};
	uint32_t ids[2] = {4242, 4243};
	char comm[16];
	int pid, tid;
	bool exec;

	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), ids, sizeof(ids));
	memcpy(rec + sizeof(h) + 8, "cc1\0\0\0\0", 8);
	CHECK(perf_events_parse_comm(rec, h.size, &pid, &tid, comm, sizeof(comm), &exec) == 0);
	CHECK(pid == 4242 && tid == 4243 && exec);
	CHECK_STR(comm, "cc1");
	/* Cut to the buffer, always terminated. */
	CHECK(perf_events_parse_comm(rec, h.size, &pid, &tid, comm, 3, &exec) == 0);
	CHECK_STR(comm, "cc");
	/* No NUL within the record, a record longer than its buffer, another
	 * kind. */
	memcpy(rec + sizeof(h) + 8, "abcdefgh", 8);
	CHECK(perf_events_parse_comm(rec, h.size, &pid, &tid, comm, sizeof(comm), &exec) ==
	      -EBADMSG);
	CHECK(perf_events_parse_comm(rec, h.size - 8, &pid, &tid, comm, sizeof(comm), &exec) ==
	      -EBADMSG);
	h.type = PERF_RECORD_EXIT;
	memcpy(rec, &h, sizeof(h));
	CHECK(perf_events_parse_comm(rec, h.size, &pid, &tid, comm, sizeof(comm), &exec) ==
	      -ENOMSG);
}

int
main(void)
{
	test_parse();
	test_comm();
	test_ring();
	return check_done("perf_events");
}
