/* The unwinder over a fake address space, no process: JIT-like code in an
 * anonymous executable mapping (no unwind tables anywhere) and a synthetic
 * frame-pointer chain in a stack copy. The walk must follow the chain, find
 * a frameless leaf's caller, and stop at the end of the chain or at garbage
 * (a chain going down, a return address outside code, rbp outside the
 * copy), within the frame bound. */
#include "check.h"
#include "model.h"
#include "unwind.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CODE      0x7f0000000000ull /* the "JIT" mapping */
#define CODE_SIZE 0x10000
#define STACK     0x7ffd00000000ull
#define COPY_SIZE 0x10000

static const char fake_maps[] = "7f0000000000-7f0000010000 r-xp 00000000 00:00 0 \n"
                                "7ffd00000000-7ffd00010000 rw-p 00000000 00:00 0 [stack]\n";

struct fake {
	const char *maps;
	unsigned char code[CODE_SIZE];
	int reads; /* of live memory */
	int tid;   /* the thread they were made through */
};

static ssize_t
fake_read_maps(void *arg, char **out)
{
	const struct fake *f = arg;

	*out = strdup(f->maps);
	return (ssize_t)strlen(f->maps);
}

static int
fake_open_module(void *arg, const struct procfs_map *map, struct module **out)
{
	(void)arg, (void)map, (void)out;
	return -ENOENT;
}

/* The code mapping's bytes; anything else is unreadable. */
static ssize_t
fake_read_memory(void *arg, int tid, uint64_t addr, void *buf, size_t len)
{
	struct fake *f = arg;

	f->reads++;
	f->tid = tid;
	if (addr < CODE || len > CODE_SIZE || addr - CODE > CODE_SIZE - len)
		return -EFAULT;
	memcpy(buf, f->code + (addr - CODE), len);
	return (ssize_t)len;
}

static const struct unwinder_target fake_target = {
    .read_maps = fake_read_maps,
    .open_module = fake_open_module,
    .read_memory = fake_read_memory,
};

static unsigned char stack[COPY_SIZE];

/* Writes a frame record at stack offset at: the caller's rbp, then the
 * return address. */
static void
frame(size_t at, uint64_t caller_rbp, uint64_t ret)
{
	memcpy(stack + at, &caller_rbp, 8);
	memcpy(stack + at + 8, &ret, 8);
}

static struct thread_snapshot
snapshot(uint64_t rip, size_t rsp_at, size_t rbp_at)
{
	struct thread_snapshot s = {.tid = 1};

	s.regs.rip = rip;
	s.regs.rsp = STACK + rsp_at;
	s.regs.rbp = STACK + rbp_at;
	s.stack_start = STACK;
	s.stack = stack;
	s.stack_len = sizeof(stack);
	return s;
}

/* How the last unwind ended. */
static struct unwind_end last_end;

static size_t
unwind(struct unwinder *u, uint64_t rip, size_t rsp_at, size_t rbp_at, uint64_t *ips, size_t max)
{
	struct thread_snapshot s = snapshot(rip, rsp_at, rbp_at);
	struct unwind_frame frames[64];
	size_t n;

	CHECK(max <= 64);
	n = unwinder_unwind(u, &s, frames, max, &last_end);
	for (size_t i = 0; i < n; i++) {
		ips[i] = frames[i].ip;
		/* Only the innermost frame is an interrupted one here. */
		CHECK(frames[i].kind == (i == 0 ? UNWIND_FRAME_INTERRUPTED : UNWIND_FRAME_CALL));
		CHECK(i == 0 || frames[i].sp > frames[i - 1].sp);
	}
	return n;
}

/* The text of how the last unwind ended. */
static const char *
last_cut(void)
{
	static char buf[64];

	return unwind_end_text(&last_end, buf, sizeof(buf));
}

static void
test_chain(struct unwinder *u)
{
	uint64_t ips[16];
	size_t n;

	memset(stack, 0, sizeof(stack));
	frame(0x200, STACK + 0x300, CODE + 0x2000);
	frame(0x300, STACK + 0x400, CODE + 0x3000);
	frame(0x400, 0, CODE + 0x4000); /* rbp 0: the outermost frame */
	n = unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16);
	CHECK(n == 4);
	CHECK(ips[0] == CODE + 0x100 && ips[1] == CODE + 0x2000 && ips[2] == CODE + 0x3000 &&
	      ips[3] == CODE + 0x4000);
	CHECK(last_end.kind == UNWIND_END_ROOT && strcmp(last_cut(), "") == 0);
	/* The bound on frames holds, and says so. */
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 2) == 2);
	CHECK(last_end.kind == UNWIND_END_DEPTH && strcmp(last_cut(), "depth cap 2") == 0);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 0) == 0);
	CHECK(last_end.kind == UNWIND_END_DEPTH);
	/* Exactly as deep as the bound: complete. */
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 4) == 4);
	CHECK(last_end.kind == UNWIND_END_ROOT);
}

/* A direct recursion: the same return address frame after frame, each
 * frame above the last. No loop: every frame is walked to the root. */
static void
test_recursion(struct unwinder *u)
{
	uint64_t ips[64];
	size_t n, at;

	memset(stack, 0, sizeof(stack));
	for (at = 0x200; at < 0x200 + 40 * 0x40; at += 0x40)
		frame(at, STACK + at + 0x40, CODE + 0x2000);
	frame(at, 0, CODE + 0x4000);
	n = unwind(u, CODE + 0x100, 0x100, 0x200, ips, 64);
	CHECK(n == 42);
	for (size_t i = 1; i < 41; i++)
		CHECK(ips[i] == CODE + 0x2000);
	CHECK(ips[41] == CODE + 0x4000 && last_end.kind == UNWIND_END_ROOT);
}

static void
test_garbage(struct unwinder *u)
{
	uint64_t ips[16];

	/* A chain that points back down ends instead of looping. */
	memset(stack, 0, sizeof(stack));
	frame(0x200, STACK + 0x300, CODE + 0x2000);
	frame(0x300, STACK + 0x200, CODE + 0x3000);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16) == 3);
	CHECK(last_end.kind == UNWIND_END_NO_INFO && last_end.at == CODE + 0x3000);
	CHECK(strcmp(last_cut(), "no unwind info at 0x7f0000003000") == 0);

	/* A chain to itself. */
	frame(0x200, STACK + 0x200, CODE + 0x2000);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16) == 2);

	/* A return address into the stack (not code) is not followed. */
	frame(0x200, STACK + 0x300, STACK + 0x800);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16) == 1);

	/* Nor a return address of zero. */
	frame(0x200, STACK + 0x300, 0);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16) == 1);

	/* rbp below the stack pointer, misaligned, or outside the copy. */
	frame(0x200, STACK + 0x300, CODE + 0x2000);
	CHECK(unwind(u, CODE + 0x100, 0x208, 0x200, ips, 16) == 1);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x201, ips, 16) == 1);
	CHECK(unwind(u, CODE + 0x100, 0x100, COPY_SIZE - 8, ips, 16) == 1);
	CHECK(last_end.kind == UNWIND_END_UNREADABLE && last_end.at == STACK + COPY_SIZE - 8);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0, ips, 16) == 1);
	CHECK(last_end.kind == UNWIND_END_NO_INFO && last_end.at == CODE + 0x100);
	CHECK(unwind(u, CODE + 0x100, 0x100, (size_t)-STACK, ips, 16) == 1); /* rbp 0 */
	CHECK(last_end.kind == UNWIND_END_ROOT);

	/* A whole stack of frames pointing one above the next: the bound on
	 * frames ends it. */
	for (size_t at = 0x100; at + 0x20 <= COPY_SIZE; at += 0x10)
		frame(at, STACK + at + 0x10, CODE + 0x2000 + at);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x100, ips, 16) == 16);
	CHECK(last_end.kind == UNWIND_END_DEPTH);
}

/* A frameless leaf: the return address sits at the stack pointer, after a
 * direct call to the leaf; rbp still belongs to the caller. */
static void
test_leaf(struct unwinder *u, struct fake *f)
{
	uint64_t ips[16], ret = CODE + 0x2000, leaf = CODE + 0x80;
	int32_t rel = (int32_t)(int64_t)(leaf - ret);

	memset(stack, 0, sizeof(stack));
	f->code[0x2000 - 5] = 0xe8; /* call leaf */
	memcpy(f->code + 0x2000 - 4, &rel, 4);
	memcpy(stack + 0x100, &ret, 8);
	frame(0x200, STACK + 0x300, CODE + 0x3000);
	frame(0x300, 0, CODE + 0x4000);
	f->reads = 0;
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16) == 4);
	CHECK(ips[1] == CODE + 0x2000 && ips[2] == CODE + 0x3000 && ips[3] == CODE + 0x4000);
	/* The code before the return address was read through the thread. */
	CHECK(f->reads > 0 && f->tid == 1);

	/* The call did not enter the function ip is in (its target lies after
	 * ip): not a leaf's return address; the rbp chain is followed. */
	CHECK(unwind(u, CODE + 0x70, 0x100, 0x200, ips, 16) == 3);
	CHECK(ips[1] == CODE + 0x3000);

	/* Without the call before it, the word at the stack pointer is not
	 * taken for a return address. */
	memset(f->code, 0, sizeof(f->code));
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16) == 3);
	CHECK(ips[1] == CODE + 0x3000);
}

static void
test_symbolize(struct unwinder *u)
{
	struct frame_row row;
	struct unwind_frame f = {CODE + 0x2000, STACK + 0x100, UNWIND_FRAME_CALL};

	/* Anonymous code has no module and no name. */
	unwinder_symbolize(u, &f, &row);
	CHECK(row.ip == CODE + 0x2000 && row.function == NULL && row.module == NULL);
	CHECK(row.sp == STACK + 0x100 && !row.signal);
	f = (struct unwind_frame){0x1000, 0, UNWIND_FRAME_INTERRUPTED};
	unwinder_symbolize(u, &f, &row);
	CHECK(row.function == NULL && row.module == NULL);
	/* A signal frame is named as gdb names it. */
	f.kind = UNWIND_FRAME_SIGNAL;
	unwinder_symbolize(u, &f, &row);
	CHECK(row.signal && strcmp(row.function, "<signal handler called>") == 0);
	frame_row_clear(&row);
}

static void
test_refresh(struct unwinder *u, struct fake *f)
{
	static const char moved[] = "7e0000000000-7e0000010000 r-xp 00000000 00:00 0 \n";
	uint64_t ips[16];
	bool changed = true;

	CHECK(unwinder_refresh(u, &changed) == 0 && !changed);
	f->maps = moved;
	CHECK(unwinder_refresh(u, &changed) == 0 && changed);
	/* The old code address is no longer code: the chain stops there. */
	memset(stack, 0, sizeof(stack));
	frame(0x200, STACK + 0x300, CODE + 0x2000);
	CHECK(unwind(u, CODE + 0x100, 0x100, 0x200, ips, 16) == 1);
}

int
main(void)
{
	static struct fake f = {.maps = fake_maps};
	struct unwinder *u;

	CHECK(unwinder_new_from(&fake_target, &f, &u) == 0);
	test_chain(u);
	test_recursion(u);
	test_garbage(u);
	test_leaf(u, &f);
	test_symbolize(u);
	test_refresh(u, &f);
	unwinder_free(u);
	unwinder_free(NULL);
	return check_done("test_unwind");
}
