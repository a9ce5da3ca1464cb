#include "unwind.h"

#include "../xmalloc.h"
#include "cfi.h"
#include "gopclntab.h"
#include "module.h"
#include "perfmap.h"
#include "procfs_parse.h"
#include "unwind_library.h"
#include "unwind_live.h"
#include "unwind_space.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A frameless leaf's return address is trusted only when the call before it
 * entered a function that starts at most this far before the IP. */
#define UNWIND_LEAF_MAX_BYTES (1u << 20)

/* At most this many addresses' CFI rules are kept (160 bytes each). */
#define UNWIND_RULES_MAX 65536

/* The rules of one address, as the fast path found them (or not). */
struct rules_entry {
	uint64_t pc; /* 0: an empty slot */
	bool ok;     /* false: libunwind takes frames at this address */
	struct cfi_rules rules;
};

struct unwinder {
	const struct unwinder_target *target;
	void *arg;                  /* given to target's calls */
	struct unwind_live *live;   /* owned: arg, for unwinder_new */
	struct unwind_space *space; /* the maps and files, read through target */
	/* libunwind, for the frames the fast path does not take: loaded and
	 * its address space made on the first such frame (unwinder_libunwind). */
	const struct unwind_library *unw;
	unw_addr_space_t as;
	/* The CFI rules of each address the fast path looked up: idle threads
	 * wait in the same few places. Open addressing, at most half full;
	 * emptied when the maps change. */
	struct rules_entry *rules;
	size_t nrules, rules_cap;
	/* The JIT symbol map, as read up to perfmap_read bytes; read on (when
	 * perfmap_stale) when a frame needs it. */
	struct perfmap perfmap;
	uint64_t perfmap_read;
	bool perfmap_stale;
	int perfmap_err; /* of the last read: 0, or -ENOENT when there is none */
};

/* What the accessors need for one unwind. */
struct unwind_ctx {
	struct unwinder *u;
	const struct thread_snapshot *s;
	/* The registers the cursor started from: the snapshot's, then those a
	 * frame-pointer step found for the caller. */
	struct user_regs_struct regs;
	bool no_info; /* an unwind table lookup found nothing during the step */
	/* The first address a step needed and could not read (0: none): of
	 * the thread's stack outside the copy, or of no mapping at all. */
	uint64_t unreadable_at;
};

/* What a walk has found so far, and why it ended. */
struct walk_out {
	struct unwind_frame *frames;
	size_t n, max;
	struct unwind_end end;
	bool crossed_signal; /* a signal frame is among the frames */
};

/* Reads what was added to the JIT symbol map since the last read, once per
 * refresh. A map that shrank was written anew (the same PID again, after a
 * reuse): read from the start. */
static void
unwinder_perfmap_update(struct unwinder *u)
{
	char *buf;
	ssize_t n;

	if (!u->perfmap_stale)
		return;
	u->perfmap_stale = false;
	if (u->target->read_perfmap == NULL) {
		u->perfmap_err = -ENOENT;
		return;
	}
	n = u->target->read_perfmap(u->arg, u->perfmap_read, &buf);
	u->perfmap_err = n < 0 ? (int)n : 0;
	if (n > 0)
		u->perfmap_read += perfmap_parse(&u->perfmap, buf, (size_t)n);
	free(buf);
}

int
unwinder_perfmap(struct unwinder *u)
{
	unwinder_perfmap_update(u);
	return u->perfmap_err;
}

/* Names ip from the JIT symbol map: true when an entry covers it. */
static bool
unwinder_perfmap_name(struct unwinder *u, uint64_t ip, uint64_t lookup, struct frame_row *out)
{
	const char *name;
	uint64_t off;

	unwinder_perfmap_update(u);
	if ((name = perfmap_lookup(&u->perfmap, lookup, &off)) == NULL)
		return false;
	out->function = xstrdup(name);
	out->offset = off + (ip - lookup);
	return true;
}

/* Reads the word at addr from the stack copy only. */
static bool
unwinder_stack_word(const struct thread_snapshot *s, uint64_t addr, uint64_t *val)
{
	if (addr < s->stack_start || s->stack_len < sizeof(*val) ||
	    addr - s->stack_start > s->stack_len - sizeof(*val))
		return false;
	memcpy(val, s->stack + (addr - s->stack_start), sizeof(*val));
	return true;
}

/* True when addr is in the mapping that holds the thread's stack copy. */
static bool
unwinder_in_stack_mapping(struct unwinder *u, const struct thread_snapshot *s, uint64_t addr)
{
	const struct unwind_space_mapping *m = unwind_space_mapping(u->space, s->stack_start);

	return m != NULL && addr >= m->map->start && addr < m->map->end;
}

/* Reads len bytes of the target at addr: from the stack copy, from the file
 * a mapping comes from, or (last) from the live target. The thread's own
 * stack is read from the copy only (unless the snapshot says its outer
 * frames are live): the thread runs again meanwhile, and what its live
 * stack holds now is not the stack that was copied. Returns
 * 0, or -1 (and notes the address in ctx->unreadable_at). */
static int
unwinder_read(struct unwind_ctx *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct thread_snapshot *s = ctx->s;
	struct unwinder *u = ctx->u;
	struct unwind_space_mapping *m;

	if (addr >= s->stack_start && len <= s->stack_len &&
	    addr - s->stack_start <= s->stack_len - len) {
		memcpy(buf, s->stack + (addr - s->stack_start), len);
		return 0;
	}
	m = unwind_space_mapping(u->space, addr);
	if (m != NULL && m->map->perms[1] != 'w' && len <= m->map->end - addr &&
	    unwind_space_module(u->space, m) != NULL) {
		/* Read-only file-backed memory is the same on disk as in the target. */
		const void *bytes =
		    module_bytes(m->module, m->map->offset + (addr - m->map->start), len);

		if (bytes != NULL) {
			memcpy(buf, bytes, len);
			return 0;
		}
	}
	if ((s->live_beyond_copy || !unwinder_in_stack_mapping(u, s, addr)) &&
	    u->target->read_memory != NULL &&
	    u->target->read_memory(u->arg, s->tid, addr, buf, len) == (ssize_t)len)
		return 0;
	if (ctx->unreadable_at == 0)
		ctx->unreadable_at = addr;
	return -1;
}

/* The code a signal handler returns to: glibc's and musl's __restore_rt,
 * "mov $15, %rax; syscall" (rt_sigreturn), the SA_RESTORER the C library
 * gives the kernel; gdb and libunwind recognise signal frames by these
 * bytes too. */
static const unsigned char unwind_sigreturn_code[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00,
                                                      0x00, 0x00, 0x0f, 0x05};

/* True when ip is the restorer: the frame at ip is the kernel's signal
 * frame. Read from a file mapping only (the C library's text): no syscall
 * per frame of JIT code. */
static bool
unwinder_is_sigreturn(struct unwinder *u, uint64_t ip)
{
	struct unwind_space_mapping *m = unwind_space_mapping(u->space, ip);
	const void *bytes;

	if (m == NULL || m->map->perms[2] != 'x' ||
	    sizeof(unwind_sigreturn_code) > m->map->end - ip ||
	    unwind_space_module(u->space, m) == NULL)
		return false;
	bytes = module_bytes(m->module, m->map->offset + (ip - m->map->start),
	                     sizeof(unwind_sigreturn_code));
	return bytes != NULL &&
	       memcmp(bytes, unwind_sigreturn_code, sizeof(unwind_sigreturn_code)) == 0;
}

/* True when addr is in a mapping the target may execute. */
static bool
unwinder_executable(struct unwinder *u, uint64_t addr)
{
	const struct unwind_space_mapping *m = unwind_space_mapping(u->space, addr);

	return m != NULL && m->map->perms[2] == 'x';
}

/* A word the unwinder asks for. Never writes. */
static int
access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	(void)as;
	if (write)
		return -UNW_EINVAL;
	return unwinder_read(arg, addr, val, sizeof(*val)) == 0 ? 0 : -UNW_EINVAL;
}

static int
access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	const struct user_regs_struct *r = &((struct unwind_ctx *)arg)->regs;

	(void)as;
	if (write)
		return -UNW_EINVAL;
	switch (reg) {
	case UNW_X86_64_RAX:
		*val = r->rax;
		break;
	case UNW_X86_64_RDX:
		*val = r->rdx;
		break;
	case UNW_X86_64_RCX:
		*val = r->rcx;
		break;
	case UNW_X86_64_RBX:
		*val = r->rbx;
		break;
	case UNW_X86_64_RSI:
		*val = r->rsi;
		break;
	case UNW_X86_64_RDI:
		*val = r->rdi;
		break;
	case UNW_X86_64_RBP:
		*val = r->rbp;
		break;
	case UNW_X86_64_RSP:
		*val = r->rsp;
		break;
	case UNW_X86_64_R8:
		*val = r->r8;
		break;
	case UNW_X86_64_R9:
		*val = r->r9;
		break;
	case UNW_X86_64_R10:
		*val = r->r10;
		break;
	case UNW_X86_64_R11:
		*val = r->r11;
		break;
	case UNW_X86_64_R12:
		*val = r->r12;
		break;
	case UNW_X86_64_R13:
		*val = r->r13;
		break;
	case UNW_X86_64_R14:
		*val = r->r14;
		break;
	case UNW_X86_64_R15:
		*val = r->r15;
		break;
	case UNW_X86_64_RIP:
		*val = r->rip;
		break;
	default:
		return -UNW_EBADREG;
	}
	return 0;
}

static int
access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write, void *arg)
{
	(void)as, (void)reg, (void)val, (void)write, (void)arg;
	return -UNW_EBADREG;
}

static int
resume(unw_addr_space_t as, unw_cursor_t *cursor, void *arg)
{
	(void)as, (void)cursor, (void)arg;
	return -UNW_EINVAL;
}

static int
get_proc_name(unw_addr_space_t as, unw_word_t ip, char *buf, size_t len, unw_word_t *off, void *arg)
{
	(void)as, (void)ip, (void)buf, (void)len, (void)off, (void)arg;
	return -UNW_ENOINFO; /* we name frames ourselves, with our symbol tables */
}

static int
get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	(void)as, (void)addr, (void)arg;
	return -UNW_ENOINFO; /* no JIT registration support */
}

static void
put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	/* libunwind frees table-format unwind info itself (its own pool). */
	(void)as, (void)pi, (void)arg;
}

/* The bytes of a module at link-time addresses, for the CFI decoder. */
static const void *
unwinder_module_bytes(void *module, uint64_t vaddr, size_t len)
{
	uint64_t off;

	return module_offset_of_vaddr(module, vaddr, &off) == 0 ? module_bytes(module, off, len)
	                                                        : NULL;
}

/* Finds the unwind entry for ip through the .eh_frame_hdr binary-search
 * table of the module that holds it. */
static int
unwinder_search_table(struct unwind_ctx *ctx, unw_addr_space_t as, unw_word_t ip,
                      unw_proc_info_t *pi, int need_unwind_info)
{
	struct unwind_space_mapping *m = unwind_space_mapping(ctx->u->space, ip);
	uint64_t hdr_vaddr, hdr_size, bias;
	const uint8_t *table;
	uint32_t fde_count;
	unw_dyn_info_t di;

	if (m == NULL || unwind_space_module(ctx->u->space, m) == NULL ||
	    !unwind_space_bias(ctx->u->space, m, &bias) ||
	    module_eh_frame_hdr(m->module, &hdr_vaddr, &hdr_size) != 0 ||
	    cfi_hdr_table(&(struct cfi_image){unwinder_module_bytes, m->module}, hdr_vaddr,
	                  hdr_size, &table, &fde_count) != 0)
		return -UNW_ENOINFO;
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = m->map->start;
	di.end_ip = m->map->end;
	di.u.rti.segbase = bias + hdr_vaddr;
	di.u.rti.table_data = bias + hdr_vaddr + 12;
	di.u.rti.table_len = fde_count * 8 / sizeof(unw_word_t);
	return ctx->u->unw->search_unwind_table(as, ip, &di, pi, need_unwind_info, ctx);
}

/* libunwind asks for the unwind entry of the frame it steps from. Where
 * there is none, it would guess from the frame pointer in its own way
 * (within 16 KiB, and losing frames after a guess); the flag tells
 * unwinder_step to take our frame-pointer step instead. */
static int
find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need_unwind_info,
               void *arg)
{
	struct unwind_ctx *ctx = arg;
	int err = unwinder_search_table(ctx, as, ip, pi, need_unwind_info);

	if (err == -UNW_ENOINFO)
		ctx->no_info = true;
	return err;
}

static unw_accessors_t unwinder_accessors = {
    .find_proc_info = find_proc_info,
    .put_unwind_info = put_unwind_info,
    .get_dyn_info_list_addr = get_dyn_info_list_addr,
    .access_mem = access_mem,
    .access_reg = access_reg,
    .access_fpreg = access_fpreg,
    .resume = resume,
    .get_proc_name = get_proc_name,
};

static void
unwinder_forget_rules(struct unwinder *u)
{
	free(u->rules);
	u->rules = NULL;
	u->nrules = u->rules_cap = 0;
}

int
unwinder_refresh(struct unwinder *u, bool *changed)
{
	int err = unwind_space_refresh(u->space, changed);

	if (err != 0 || !*changed)
		return err;
	u->perfmap_stale = true; /* it grows as code is compiled */
	/* libunwind caches what it learnt per address, and so do we; an
	 * address may now belong to another file. */
	if (u->as != NULL)
		u->unw->flush_cache(u->as, 0, 0);
	unwinder_forget_rules(u);
	return 0;
}

size_t
unwinder_maps(const struct unwinder *u, const struct procfs_map **maps)
{
	return unwind_space_maps(u->space, maps);
}

struct module *
unwinder_file(struct unwinder *u, const struct procfs_map *map)
{
	return unwind_space_file(u->space, map);
}

uint64_t
unwinder_stack_extent(void *unwinder, uint64_t addr, uint64_t tp)
{
	struct unwinder *u = unwinder;

	return unwind_space_stack_extent(u->space, addr, tp);
}

/* An unwinder over target with arg, its maps read. */
static int
unwinder_start(struct unwinder *u, const struct unwinder_target *target, void *arg,
               struct unwinder **out)
{
	bool changed;
	int err;

	u->target = target;
	u->arg = arg;
	u->space = unwind_space_new(target, arg);
	err = unwinder_refresh(u, &changed);
	if (err != 0) {
		unwinder_free(u);
		return err;
	}
	*out = u;
	return 0;
}

int
unwinder_new_from(const struct unwinder_target *target, void *arg, struct unwinder **out)
{
	return unwinder_start(xcalloc(1, sizeof(struct unwinder)), target, arg, out);
}

int
unwinder_new(const struct procfs *fs, int pid, struct unwinder **out)
{
	struct unwinder *u = xcalloc(1, sizeof(*u));

	u->live = unwind_live_new(fs, pid);
	return unwinder_start(u, &unwind_live_target, u->live, out);
}

void
unwinder_free(struct unwinder *u)
{
	if (u == NULL)
		return;
	if (u->as != NULL)
		u->unw->destroy_addr_space(u->as);
	unwind_space_free(u->space);
	unwind_live_free(u->live);
	free(u->rules);
	perfmap_clear(&u->perfmap);
	free(u);
}

/* A frameless leaf: in the innermost frame, a function that sets up no
 * frame pointer (GCC sets none up in a function that calls nothing, even
 * with -fno-omit-frame-pointer) still has its return address at the stack
 * pointer. The word there is taken for one only when the five bytes before
 * it are a direct call (E8 rel32) to an address at or shortly before ip: the
 * call that entered this very function. */
static bool
unwinder_leaf_return(struct unwind_ctx *ctx, uint64_t ip, uint64_t sp, uint64_t *ret)
{
	unsigned char call[5];
	uint64_t r, callee, unreadable_at = ctx->unreadable_at;
	int32_t rel;
	bool read;

	if (!unwinder_stack_word(ctx->s, sp, &r) || r < sizeof(call) ||
	    !unwinder_executable(ctx->u, r))
		return false;
	/* A guess that fails is no unreadable frame. */
	read = unwinder_read(ctx, r - sizeof(call), call, sizeof(call)) == 0;
	ctx->unreadable_at = unreadable_at;
	if (!read || call[0] != 0xe8)
		return false;
	memcpy(&rel, call + 1, sizeof(rel));
	callee = r + (uint64_t)(int64_t)rel;
	if (callee > ip || ip - callee > UNWIND_LEAF_MAX_BYTES)
		return false;
	*ret = r;
	return true;
}

/* Copies register reg of a frame into *field, when the cursor knows it. */
static void
unwinder_take_reg(const struct unwind_library *unw, unw_cursor_t *frame, unw_regnum_t reg,
                  unsigned long long *field)
{
	unw_word_t val;

	if (unw->get_reg(frame, reg, &val) == 0)
		*field = val;
}

/* Why a frame-pointer step did not go on. */
enum fp_stop {
	FP_END,        /* rbp 0: the end of the chain (_start and thread
	                  entries clear it) */
	FP_UNREADABLE, /* the frame record is outside the stack copy */
	FP_GARBAGE,    /* rbp below the stack pointer or misaligned, or a
	                  return address outside executable memory */
};

/* One frame-pointer step from frame, for code no unwind table covers: the
 * frame layout of -fno-omit-frame-pointer code, [rbp] the caller's rbp and
 * [rbp + 8] the return address. Only inside the stack copy and only upwards
 * (rbp at or above the stack pointer, the caller's stack pointer above it),
 * the return address in executable memory: a garbage chain ends instead of
 * looping. Restarts cursor at the caller with the registers we know there.
 * leaf: the frame was interrupted (not a call), and may be a frameless
 * leaf. Returns 1, or 0 at the end with *why. */
static int
unwinder_fp_step(struct unwind_ctx *ctx, const unw_cursor_t *frame, unw_cursor_t *cursor, bool leaf,
                 enum fp_stop *why)
{
	const struct unwind_library *unw = ctx->u->unw;
	unw_cursor_t copy = *frame; /* get_reg wants it writable */
	struct user_regs_struct caller = ctx->regs;
	unw_word_t ip, sp, rbp;
	uint64_t ret, caller_rbp;

	*why = FP_GARBAGE;
	if (unw->get_reg(&copy, UNW_REG_IP, &ip) != 0 ||
	    unw->get_reg(&copy, UNW_REG_SP, &sp) != 0 ||
	    unw->get_reg(&copy, UNW_X86_64_RBP, &rbp) != 0)
		return 0;
	if (leaf && unwinder_leaf_return(ctx, ip, sp, &ret)) {
		sp += 8;
	} else {
		if (rbp == 0)
			*why = FP_END;
		if (rbp < sp || rbp % 8 != 0)
			return 0;
		if (!unwinder_stack_word(ctx->s, rbp, &caller_rbp) ||
		    !unwinder_stack_word(ctx->s, rbp + 8, &ret)) {
			*why = FP_UNREADABLE;
			if (ctx->unreadable_at == 0)
				ctx->unreadable_at = rbp;
			return 0;
		}
		if (ret == 0 || !unwinder_executable(ctx->u, ret))
			return 0;
		sp = rbp + 16;
		rbp = caller_rbp;
	}
	/* Callee-saved registers keep their values across a frame whose unwind
	 * rules we do not have: the best guess for the caller's. */
	unwinder_take_reg(unw, &copy, UNW_X86_64_RBX, &caller.rbx);
	unwinder_take_reg(unw, &copy, UNW_X86_64_R12, &caller.r12);
	unwinder_take_reg(unw, &copy, UNW_X86_64_R13, &caller.r13);
	unwinder_take_reg(unw, &copy, UNW_X86_64_R14, &caller.r14);
	unwinder_take_reg(unw, &copy, UNW_X86_64_R15, &caller.r15);
	caller.rip = ret;
	caller.rsp = sp;
	caller.rbp = rbp;
	/* Only now: frame's register locations may point into ctx->regs. */
	ctx->regs = caller;
	/* A restarted cursor looks ret itself up, not ret - 1 as it does for a
	 * return address: right only while the call is not the last
	 * instruction of its function (calls to noreturn functions can be). */
	return unw->init_remote(cursor, ctx->u->as, ctx) == 0 ? 1 : 0;
}

/* Moves cursor to the caller's frame: by the unwind tables, else (no entry
 * for ip, or the tables' rules failed) by one frame-pointer step. Returns
 * > 0 when it moved, 0 at the end, with *end saying why: the outermost
 * frame, or where and why the walk cannot go on. */
static int
unwinder_step(struct unwind_ctx *ctx, unw_cursor_t *cursor, bool leaf, struct unwind_end *end)
{
	unw_cursor_t frame = *cursor; /* libunwind documents cursors as copyable */
	unw_word_t ip = 0;
	enum fp_stop why;
	int r;

	ctx->no_info = false;
	ctx->unreadable_at = 0;
	(void)ctx->u->unw->get_reg(&frame, UNW_REG_IP, &ip);
	r = ctx->u->unw->step(cursor);
	if (!ctx->no_info && r > 0)
		return r;
	if (!ctx->no_info && r == 0) {
		*end = (struct unwind_end){.kind = UNWIND_END_ROOT};
		return 0;
	}
	if (unwinder_fp_step(ctx, &frame, cursor, leaf, &why) > 0)
		return 1;
	if (why == FP_END && ctx->no_info)
		*end = (struct unwind_end){.kind = UNWIND_END_ROOT};
	else if (ctx->unreadable_at != 0)
		*end = (struct unwind_end){.kind = UNWIND_END_UNREADABLE, .at = ctx->unreadable_at};
	else
		*end = (struct unwind_end){.kind = UNWIND_END_NO_INFO, .at = ip};
	return 0;
}

/* The slot of the rules cache that holds pc, or the empty one where it
 * goes (open addressing; the cache is never full). */
static struct rules_entry *
unwinder_rules_slot(struct unwinder *u, uint64_t pc)
{
	size_t slot = (pc * 0x9e3779b97f4a7c15u >> 32) & (u->rules_cap - 1);

	while (u->rules[slot].pc != 0 && u->rules[slot].pc != pc)
		slot = (slot + 1) & (u->rules_cap - 1);
	return &u->rules[slot];
}

/* The CFI rules at address pc of the target, decoded on first use and kept;
 * NULL where the fast path does not go (no module or no entry, or rules
 * the decoder does not take). */
static const struct cfi_rules *
unwinder_rules(struct unwinder *u, uint64_t pc)
{
	struct rules_entry *e;
	struct unwind_space_mapping *m;
	uint64_t hdr_vaddr, hdr_size, bias;

	if (pc == 0)
		return NULL;
	/* A long profile of a large program meets ever new addresses: the
	 * cache starts over rather than grow without bound. */
	if (u->nrules >= UNWIND_RULES_MAX)
		unwinder_forget_rules(u);
	if (u->nrules * 2 >= u->rules_cap) {
		struct rules_entry *old = u->rules;
		size_t old_cap = u->rules_cap;

		u->rules_cap = old_cap ? old_cap * 2 : 256;
		u->rules = xcalloc(u->rules_cap, sizeof(*u->rules));
		for (size_t i = 0; i < old_cap; i++)
			if (old[i].pc != 0)
				*unwinder_rules_slot(u, old[i].pc) = old[i];
		free(old);
	}
	e = unwinder_rules_slot(u, pc);
	if (e->pc == pc)
		return e->ok ? &e->rules : NULL;
	e->pc = pc;
	u->nrules++;
	m = unwind_space_mapping(u->space, pc);
	if (m != NULL && unwind_space_module(u->space, m) != NULL &&
	    unwind_space_bias(u->space, m, &bias) &&
	    module_eh_frame_hdr(m->module, &hdr_vaddr, &hdr_size) == 0) {
		struct cfi_image img = {unwinder_module_bytes, m->module};

		e->ok = cfi_find(&img, hdr_vaddr, hdr_size, pc - bias, &e->rules) == 0;
	}
	return e->ok ? &e->rules : NULL;
}

/* The registers a walk knows in a frame, by DWARF number (CFI_RA for the
 * instruction pointer): all of them in the innermost frame, from the
 * snapshot; the stack pointer, the instruction pointer and what the rules
 * recovered of the callee-saved ones after that. */
struct walk_regs {
	uint64_t v[CFI_NREGS];
	uint32_t known; /* a bit per register */
};

static void
walk_from_snapshot(struct walk_regs *w, const struct user_regs_struct *r)
{
	const uint64_t v[CFI_NREGS] = {r->rax, r->rdx, r->rcx, r->rbx, r->rsi, r->rdi,
	                               r->rbp, r->rsp, r->r8,  r->r9,  r->r10, r->r11,
	                               r->r12, r->r13, r->r14, r->r15, r->rip};

	memcpy(w->v, v, sizeof(v));
	w->known = (1u << CFI_NREGS) - 1;
}

/* The registers libunwind starts from where the fast path stops: what the
 * walk knows, 0 for the rest. */
static void
walk_to_regs(const struct walk_regs *w, struct user_regs_struct *r)
{
	uint64_t v[CFI_NREGS];

	for (int i = 0; i < CFI_NREGS; i++)
		v[i] = (w->known >> i) & 1 ? w->v[i] : 0;
	memset(r, 0, sizeof(*r));
	r->rax = v[0], r->rdx = v[1], r->rcx = v[2], r->rbx = v[3], r->rsi = v[4];
	r->rdi = v[5], r->rbp = v[6], r->rsp = v[7], r->r8 = v[8], r->r9 = v[9];
	r->r10 = v[10], r->r11 = v[11], r->r12 = v[12], r->r13 = v[13], r->r14 = v[14];
	r->r15 = v[15], r->rip = v[16];
}

/* One step by the CFI rules of the frame's address, reading only the stack
 * copy. Returns 1 (*w is now the caller's), 0 (the outermost frame: its
 * return address is undefined, as in start_thread and _start), or -1 where
 * libunwind is to take the frame: no rules the decoder takes, a register or
 * a saved word we do not have, or a CFA that is not above the stack
 * pointer. A return address (kind UNWIND_FRAME_CALL) is looked up one byte
 * back, inside the call. */
static int
unwinder_cfi_step(struct unwind_ctx *ctx, struct walk_regs *w, uint8_t kind)
{
	const struct cfi_rules *r =
	    unwinder_rules(ctx->u, kind == UNWIND_FRAME_CALL ? w->v[CFI_RA] - 1 : w->v[CFI_RA]);
	struct walk_regs caller = {{0}, 0};
	uint64_t cfa;

	if (r == NULL || !((w->known >> r->cfa_reg) & 1))
		return -1;
	cfa = w->v[r->cfa_reg] + (uint64_t)(int64_t)r->cfa_off;
	if (r->reg[CFI_RA].how == CFI_UNDEFINED)
		return 0;
	if (cfa <= w->v[CFI_RSP] || r->reg[CFI_RA].how != CFI_AT_CFA)
		return -1;
	if (!unwinder_stack_word(ctx->s, cfa + (uint64_t)(int64_t)r->reg[CFI_RA].off,
	                         &caller.v[CFI_RA])) {
		if (ctx->unreadable_at == 0)
			ctx->unreadable_at = cfa + (uint64_t)(int64_t)r->reg[CFI_RA].off;
		return -1;
	}
	caller.known = 1u << CFI_RA | 1u << CFI_RSP;
	caller.v[CFI_RSP] = cfa;
	for (int reg = 0; reg < CFI_NREGS; reg++) {
		bool callee_saved =
		    reg == CFI_RBX || reg == CFI_RBP || (reg >= CFI_R12 && reg <= CFI_R15);

		if (!callee_saved)
			continue; /* the caller's were not kept across the call */
		switch (r->reg[reg].how) {
		case CFI_SAME:
			caller.v[reg] = w->v[reg];
			caller.known |= w->known & 1u << reg;
			break;
		case CFI_AT_CFA:
			if (!unwinder_stack_word(ctx->s, cfa + (uint64_t)(int64_t)r->reg[reg].off,
			                         &caller.v[reg]))
				return -1;
			caller.known |= 1u << reg;
			break;
		default:
			break; /* unknown in the caller */
		}
	}
	*w = caller;
	return 1;
}

/* Makes libunwind ready for u: loaded, and u's address space made. False
 * when it cannot be loaded: unwinding then ends where the fast path does. */
static bool
unwinder_libunwind(struct unwinder *u)
{
	if (u->as != NULL)
		return true;
	if ((u->unw = unwind_library()) == NULL ||
	    (u->as = u->unw->create_addr_space(&unwinder_accessors, 0)) == NULL)
		return false;
	u->unw->set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	return true;
}

/* The signal frame's step: the handler returned to the restorer with the
 * stack pointer at the ucontext_t the kernel saved (struct rt_sigframe,
 * arch/x86/include/asm/sigframe.h: its return address popped, uc is next);
 * the interrupted registers are its uc_mcontext, 40 bytes in (uc_flags,
 * uc_link, uc_stack), in the order of struct sigcontext: r8-r15, rdi, rsi,
 * rbp, rbx, rdx, rax, rcx, rsp, rip. Read from the stack copy only. Returns
 * 1 (*w is the interrupted frame's, every register known), or -1. */
static int
unwinder_signal_step(struct unwind_ctx *ctx, struct walk_regs *w)
{
	/* sigcontext's order, as DWARF numbers (CFI_RA for rip). */
	static const uint8_t dwarf[17] = {8, 9, 10, 11, 12, 13, 14, 15,    5,
	                                  4, 6, 3,  1,  0,  2,  7,  CFI_RA};
	struct walk_regs caller = {{0}, 0};
	uint64_t mcontext = w->v[CFI_RSP] + 40;

	if (!((w->known >> CFI_RSP) & 1))
		return -1;
	for (size_t i = 0; i < sizeof(dwarf); i++) {
		if (!unwinder_stack_word(ctx->s, mcontext + 8 * i, &caller.v[dwarf[i]])) {
			if (ctx->unreadable_at == 0)
				ctx->unreadable_at = mcontext + 8 * i;
			return -1;
		}
	}
	caller.known = (1u << CFI_NREGS) - 1;
	*w = caller;
	return 1;
}

/* Appends frame (ip, sp, kind) to the walk's output, unless it is one too
 * many (the depth cap) or shows a loop. A stack pointer grows from a frame
 * to its caller's (the stack grows down, and a call pushes its return
 * address): a frame whose stack pointer is not above its callee's is a
 * loop, but after a signal frame (the handler may have run on an alternate
 * stack, sigaltstack(2)); from there on, an (ip, stack pointer) pair seen
 * before is. A direct recursion repeats return addresses only. Returns
 * false when the walk ends here (out->end says why). */
static bool
unwinder_push(struct walk_out *out, uint64_t ip, uint64_t sp, uint8_t kind)
{
	if (out->n > 0) {
		const struct unwind_frame *prev = &out->frames[out->n - 1];
		bool loop =
		    sp != 0 && prev->sp != 0 && prev->kind != UNWIND_FRAME_SIGNAL && sp <= prev->sp;

		for (size_t i = 0; out->crossed_signal && !loop && i < out->n; i++)
			loop = out->frames[i].ip == ip && out->frames[i].sp == sp;
		if (loop) {
			out->end = (struct unwind_end){.kind = UNWIND_END_LOOP, .at = ip};
			return false;
		}
	}
	if (out->n == out->max) {
		out->end =
		    (struct unwind_end){.kind = UNWIND_END_DEPTH, .at = ip, .depth = out->max};
		return false;
	}
	if (kind == UNWIND_FRAME_SIGNAL)
		out->crossed_signal = true;
	out->frames[out->n++] = (struct unwind_frame){.ip = ip, .sp = sp, .kind = kind};
	return true;
}

/* The kind of the frame at ip that the walk reached from its last frame. */
static uint8_t
unwinder_kind(struct unwinder *u, const struct walk_out *out, uint64_t ip)
{
	if (unwinder_is_sigreturn(u, ip))
		return UNWIND_FRAME_SIGNAL;
	if (out->n == 0 || out->frames[out->n - 1].kind == UNWIND_FRAME_SIGNAL)
		return UNWIND_FRAME_INTERRUPTED;
	return UNWIND_FRAME_CALL;
}

/* The walk by the fast path, frame after frame, as long as the rules allow.
 * Returns true when the walk ended there (out->end says why); false when
 * libunwind is to go on from ctx->regs, with frame kind *kind. */
static bool
unwinder_fast_walk(struct unwind_ctx *ctx, struct walk_out *out, uint8_t *kind)
{
	struct walk_regs w;

	walk_from_snapshot(&w, &ctx->s->regs);
	for (;;) {
		uint64_t ip = w.v[CFI_RA];
		int r;

		/* A return address of 0 ends some chains (a thread's entry
		 * built without unwind tables). */
		if (ip == 0) {
			out->end = (struct unwind_end){.kind = UNWIND_END_ROOT};
			return true;
		}
		*kind = unwinder_kind(ctx->u, out, ip);
		if (!unwinder_push(out, ip, w.v[CFI_RSP], *kind))
			return true;
		r = *kind == UNWIND_FRAME_SIGNAL ? unwinder_signal_step(ctx, &w)
		                                 : unwinder_cfi_step(ctx, &w, *kind);
		if (r == 0) {
			out->end = (struct unwind_end){.kind = UNWIND_END_ROOT};
			return true;
		}
		if (r < 0) {
			/* libunwind goes on from this frame, with what we know.
			 * Its cursor starts there as at an innermost frame: it
			 * looks the address itself up, not the byte before, as
			 * after the frame-pointer step (see unwinder_fp_step). */
			if (--out->n > 0)
				walk_to_regs(&w, &ctx->regs);
			return false;
		}
	}
}

size_t
unwinder_unwind(struct unwinder *u, const struct thread_snapshot *s, struct unwind_frame *frames,
                size_t max, struct unwind_end *end)
{
	struct unwind_ctx ctx = {.u = u, .s = s, .regs = s->regs};
	struct walk_out out = {.frames = frames, .max = max};
	unw_cursor_t cursor;
	uint8_t kind = UNWIND_FRAME_INTERRUPTED;

	if (unwinder_fast_walk(&ctx, &out, &kind))
		goto done;
	if (!unwinder_libunwind(u) || u->unw->init_remote(&cursor, u->as, &ctx) != 0) {
		if (unwinder_push(&out, ctx.regs.rip, ctx.regs.rsp, kind))
			out.end =
			    (struct unwind_end){.kind = UNWIND_END_NO_INFO, .at = ctx.regs.rip};
		goto done;
	}
	for (;;) {
		unw_word_t ip, sp;

		if (u->unw->get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) {
			out.end = (struct unwind_end){.kind = UNWIND_END_ROOT};
			break;
		}
		if (u->unw->get_reg(&cursor, UNW_REG_SP, &sp) != 0)
			sp = 0;
		/* The frame the fast path left gets the kind it had there. */
		kind = unwinder_kind(u, &out, ip);
		if (!unwinder_push(&out, ip, sp, kind) ||
		    unwinder_step(&ctx, &cursor, kind != UNWIND_FRAME_CALL, &out.end) <= 0)
			break;
	}
done:
	if (end != NULL)
		*end = out.end;
	return out.n;
}

char *
unwind_end_text(const struct unwind_end *e, char *buf, size_t size)
{
	switch (e->kind) {
	case UNWIND_END_ROOT:
		snprintf(buf, size, "%s", "");
		break;
	case UNWIND_END_NO_INFO:
		snprintf(buf, size, "no unwind info at 0x%" PRIx64, e->at);
		break;
	case UNWIND_END_UNREADABLE:
		snprintf(buf, size, "unreadable memory at 0x%" PRIx64, e->at);
		break;
	case UNWIND_END_DEPTH:
		snprintf(buf, size, "depth cap %zu", e->depth);
		break;
	case UNWIND_END_LOOP:
		snprintf(buf, size, "loop at 0x%" PRIx64, e->at);
		break;
	}
	return buf;
}

void
unwinder_symbolize(struct unwinder *u, const struct unwind_frame *f, struct frame_row *out)
{
	uint64_t ip = f->ip;
	uint64_t lookup = f->kind == UNWIND_FRAME_CALL && ip > 0 ? ip - 1 : ip;
	struct unwind_space_mapping *m = unwind_space_mapping(u->space, lookup);
	uint64_t bias = 0, off;
	const char *name;

	*out = (struct frame_row){.ip = ip, .sp = f->sp};
	if (f->kind == UNWIND_FRAME_SIGNAL) {
		/* The restorer (__restore_rt) is the kernel's signal frame's
		 * return address, named as gdb names the frame. */
		m = unwind_space_mapping(u->space, ip);
		out->function = xstrdup("<signal handler called>");
		out->signal = true;
		if (m != NULL && m->map->path[0] != '\0')
			out->module = xstrdup(m->map->path);
		return;
	}
	if (m == NULL) {
		(void)unwinder_perfmap_name(u, ip, lookup, out);
		return;
	}
	if (m->map->path[0] != '\0')
		out->module = xstrdup(m->map->path);
	if (!unwind_space_bias(u->space, m, &bias)) {
		/* Code no file holds: JIT code, named by its runtime's map. */
		if (!unwinder_perfmap_name(u, ip, lookup, out))
			out->offset = ip - m->map->start + m->map->offset;
		return;
	}
	name = module_symbol(m->module, lookup - bias, &off);
	/* A stripped Go binary still has the runtime's own table of names. */
	if (name == NULL && unwind_space_go_table(u->space, m->module) != NULL)
		name = gopclntab_lookup(unwind_space_go_table(u->space, m->module), lookup - bias,
		                        &off);
	if (name != NULL) {
		out->function = xstrdup(name);
		out->offset = off + (ip - lookup);
	} else {
		out->offset = ip - bias; /* module+0xOFFSET, as eu-stack prints */
	}
}
