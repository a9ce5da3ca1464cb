#include "unwind.h"

#include "../xmalloc.h"
#include "module.h"

#include <errno.h>
#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not in libunwind's public headers, but exported: the binary search through
 * an .eh_frame_hdr table that libunwind itself uses (perf calls it too). */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
                                              unw_dyn_info_t *di, unw_proc_info_t *pi,
                                              int need_unwind_info, void *arg);

/* DWARF exception-header pointer encodings (LSB, .eh_frame_hdr). */
enum {
	DW_EH_PE_udata4 = 0x03,
	DW_EH_PE_sdata4 = 0x0b,
	DW_EH_PE_datarel = 0x30,
};

/* A file the target maps, opened on our side. Kept across maps changes:
 * a library unmapped and mapped again is not parsed twice. The file is known
 * by its inode and path (a rebuilt file gets a new inode). */
struct module_entry {
	uint64_t inode;
	char path[256];
	struct module *module; /* owned; NULL when it could not be opened */
};

/* A mapping of the target, with its file opened on our side when it is one. */
struct mapping {
	struct procfs_map map;
	struct module *module; /* borrowed from the cache; NULL if none */
	bool tried;            /* module lookup done */
	uint64_t bias;         /* load address - link-time address */
	bool has_bias;
};

struct unwinder {
	const struct procfs *fs;
	int pid;
	/* Where the address space is read: "PID", or "PID/task/TID" for a live
	 * thread when the main thread has ended (a zombie main thread has no
	 * maps, no root and no memory of its own while the others run on). */
	char task[48];
	char *maps_text; /* the maps the mappings were parsed from */
	size_t maps_len;
	struct mapping *maps;
	size_t nmaps;
	struct module_entry *modules; /* one per distinct file */
	size_t nmodules;
	unw_addr_space_t as;
};

/* What the accessors need for one unwind. */
struct unwind_ctx {
	struct unwinder *u;
	const struct thread_snapshot *s;
};

static struct mapping *
unwinder_mapping(struct unwinder *u, uint64_t addr)
{
	size_t lo = 0, hi = u->nmaps;

	/* maps are sorted by address and do not overlap. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < u->maps[mid].map.start)
			hi = mid;
		else if (addr >= u->maps[mid].map.end)
			lo = mid + 1;
		else
			return &u->maps[mid];
	}
	return NULL;
}

/* Opens the file behind a mapping: map_files sees the very file the target
 * mapped (even deleted, even in another mount namespace); the path under
 * /proc/PID/root is the fallback. A file that cannot be opened is cached too,
 * so that each sample does not try again. */
static struct module *
unwinder_open_module(struct unwinder *u, const struct procfs_map *map)
{
	char path[512];
	struct module_entry *e;
	struct module *mod = NULL;

	for (size_t i = 0; i < u->nmodules; i++)
		if (u->modules[i].inode == map->inode && strcmp(u->modules[i].path, map->path) == 0)
			return u->modules[i].module;
	snprintf(path, sizeof(path), "%s/%d/map_files/%llx-%llx", procfs_root(u->fs), u->pid,
	         (unsigned long long)map->start, (unsigned long long)map->end);
	if (module_open(path, &mod) != 0) {
		snprintf(path, sizeof(path), "%s/%s/root%s", procfs_root(u->fs), u->task,
		         map->path);
		if (module_open(path, &mod) != 0)
			mod = NULL;
	}
	if (mod != NULL)
		module_load_debug(mod, map->path);
	u->modules = xreallocarray(u->modules, u->nmodules + 1, sizeof(*u->modules));
	e = &u->modules[u->nmodules++];
	e->inode = map->inode;
	snprintf(e->path, sizeof(e->path), "%s", map->path);
	e->module = mod;
	return mod;
}

static struct module *
unwinder_module(struct unwinder *u, struct mapping *m)
{
	if (m->tried)
		return m->module;
	m->tried = true;
	if (m->map.inode == 0 || m->map.path[0] != '/')
		return NULL;
	m->module = unwinder_open_module(u, &m->map);
	if (m->module != NULL && module_vaddr_of_offset(m->module, m->map.offset, &m->bias) == 0) {
		m->bias = m->map.start - m->bias;
		m->has_bias = true;
	}
	return m->module;
}

/* The load bias of the module a mapping belongs to: from this mapping, or
 * from another mapping of the same file when this one has no PT_LOAD of its
 * own. */
static bool
unwinder_bias(struct unwinder *u, struct mapping *m, uint64_t *bias)
{
	if (unwinder_module(u, m) == NULL)
		return false;
	for (size_t i = 0; !m->has_bias && i < u->nmaps; i++) {
		struct mapping *o = &u->maps[i];

		if (o->map.inode == m->map.inode && strcmp(o->map.path, m->map.path) == 0 &&
		    unwinder_module(u, o) != NULL && o->has_bias) {
			m->bias = o->bias;
			m->has_bias = true;
		}
	}
	*bias = m->bias;
	return m->has_bias;
}

/* Reads a word the unwinder asks for: from the stack copy, from the file a
 * mapping comes from, or (last) from the live target. Never writes. */
static int
access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val, int write, void *arg)
{
	struct unwind_ctx *ctx = arg;
	const struct thread_snapshot *s = ctx->s;
	struct mapping *m;

	(void)as;
	if (write)
		return -UNW_EINVAL;
	if (addr >= s->stack_start && s->stack_len >= sizeof(*val) &&
	    addr - s->stack_start <= s->stack_len - sizeof(*val)) {
		memcpy(val, s->stack + (addr - s->stack_start), sizeof(*val));
		return 0;
	}
	m = unwinder_mapping(ctx->u, addr);
	if (m != NULL && m->map.perms[1] != 'w' && unwinder_module(ctx->u, m) != NULL) {
		/* Read-only file-backed memory is the same on disk as in the target. */
		const void *bytes =
		    module_bytes(m->module, m->map.offset + (addr - m->map.start), sizeof(*val));

		if (bytes != NULL) {
			memcpy(val, bytes, sizeof(*val));
			return 0;
		}
	}
	if (ptrace_read_memory(ctx->s->tid, addr, val, sizeof(*val)) == sizeof(*val))
		return 0;
	return -UNW_EINVAL;
}

static int
access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val, int write, void *arg)
{
	const struct user_regs_struct *r = &((struct unwind_ctx *)arg)->s->regs;

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

/* Finds the unwind entry for ip through the .eh_frame_hdr binary-search
 * table of the module that holds it. */
static int
find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi, int need_unwind_info,
               void *arg)
{
	struct unwind_ctx *ctx = arg;
	struct mapping *m = unwinder_mapping(ctx->u, ip);
	const unsigned char *hdr;
	uint64_t hdr_vaddr, hdr_size, hdr_off, bias;
	uint32_t fde_count;
	unw_dyn_info_t di;

	if (m == NULL || unwinder_module(ctx->u, m) == NULL || !unwinder_bias(ctx->u, m, &bias) ||
	    module_eh_frame_hdr(m->module, &hdr_vaddr, &hdr_size) != 0 ||
	    module_offset_of_vaddr(m->module, hdr_vaddr, &hdr_off) != 0 || hdr_size < 12)
		return -UNW_ENOINFO;
	hdr = module_bytes(m->module, hdr_off, 12);
	/* version 1; the layout every toolchain emits: a 4-byte eh_frame
	 * pointer, a udata4 count, a datarel sdata4 table of (ip, fde) pairs. */
	if (hdr == NULL || hdr[0] != 1 || (hdr[1] & 0x0f) != DW_EH_PE_sdata4 ||
	    hdr[2] != DW_EH_PE_udata4 || hdr[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return -UNW_ENOINFO;
	memcpy(&fde_count, hdr + 8, sizeof(fde_count));
	if (fde_count == 0 || (uint64_t)fde_count * 8 > hdr_size - 12)
		return -UNW_ENOINFO;
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = m->map.start;
	di.end_ip = m->map.end;
	di.u.rti.segbase = bias + hdr_vaddr;
	di.u.rti.table_data = bias + hdr_vaddr + 12;
	di.u.rti.table_len = fde_count * 8 / sizeof(unw_word_t);
	return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
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

/* The maps through a live thread, when the main thread's are empty: it
 * ended, or the whole process did (then there are none to find). Returns
 * the length read or -errno, and points u->task at the thread it used. */
static ssize_t
unwinder_read_live_maps(struct unwinder *u, char **buf)
{
	char path[96];
	int *tids;
	ssize_t n, ntids;

	*buf = NULL;
	snprintf(path, sizeof(path), "%d/task", u->pid);
	ntids = procfs_list_ids(u->fs, path, &tids);
	if (ntids < 0)
		return ntids;
	n = 0;
	for (ssize_t i = 0; i < ntids && n == 0; i++) {
		if (tids[i] == u->pid)
			continue;
		snprintf(path, sizeof(path), "%d/task/%d/maps", u->pid, tids[i]);
		free(*buf);
		n = procfs_read_all(u->fs, path, buf);
		if (n > 0)
			snprintf(u->task, sizeof(u->task), "%d/task/%d", u->pid, tids[i]);
		else
			n = 0;
	}
	free(tids);
	return n;
}

int
unwinder_refresh(struct unwinder *u, bool *changed)
{
	struct procfs_map *maps;
	char path[64];
	char *buf;
	ssize_t n;
	size_t count;

	*changed = false;
	snprintf(path, sizeof(path), "%s/maps", u->task);
	n = procfs_read_all(u->fs, path, &buf);
	if (n == 0) {
		free(buf);
		n = unwinder_read_live_maps(u, &buf);
	}
	if (n < 0)
		return (int)n;
	if (u->maps_text != NULL && (size_t)n == u->maps_len &&
	    memcmp(buf, u->maps_text, u->maps_len) == 0) {
		free(buf);
		return 0;
	}
	count = procfs_parse_maps(buf, (size_t)n, &maps);
	free(u->maps_text);
	u->maps_text = buf;
	u->maps_len = (size_t)n;
	free(u->maps);
	u->maps = xcalloc(count ? count : 1, sizeof(*u->maps));
	for (size_t i = 0; i < count; i++)
		u->maps[i].map = maps[i];
	u->nmaps = count;
	free(maps);
	/* libunwind caches what it learnt per address; an address may now
	 * belong to another file. */
	unw_flush_cache(u->as, 0, 0);
	*changed = true;
	return 0;
}

int
unwinder_new(const struct procfs *fs, int pid, struct unwinder **out)
{
	struct unwinder *u = xcalloc(1, sizeof(*u));
	bool changed;
	int err;

	u->fs = fs;
	u->pid = pid;
	snprintf(u->task, sizeof(u->task), "%d", pid);
	u->as = unw_create_addr_space(&unwinder_accessors, 0);
	unw_set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	err = unwinder_refresh(u, &changed);
	if (err != 0) {
		unwinder_free(u);
		return err;
	}
	*out = u;
	return 0;
}

void
unwinder_free(struct unwinder *u)
{
	if (u == NULL)
		return;
	if (u->as != NULL)
		unw_destroy_addr_space(u->as);
	for (size_t i = 0; i < u->nmodules; i++)
		module_free(u->modules[i].module);
	free(u->modules);
	free(u->maps);
	free(u->maps_text);
	free(u);
}

size_t
unwinder_unwind(struct unwinder *u, const struct thread_snapshot *s, uint64_t *ips, size_t max)
{
	struct unwind_ctx ctx = {u, s};
	unw_cursor_t cursor;
	size_t n = 0;

	if (max == 0)
		return 0;
	if (unw_init_remote(&cursor, u->as, &ctx) != 0) {
		ips[n++] = s->regs.rip;
		return n;
	}
	do {
		unw_word_t ip;

		if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0)
			break;
		/* A corrupt stack can loop; a repeated frame ends the walk. */
		if (n > 0 && ips[n - 1] == ip && n > 1 && ips[n - 2] == ip)
			break;
		ips[n++] = ip;
	} while (n < max && unw_step(&cursor) > 0);
	return n;
}

void
unwinder_symbolize(struct unwinder *u, uint64_t ip, bool return_address, struct frame_row *out)
{
	uint64_t lookup = return_address && ip > 0 ? ip - 1 : ip;
	struct mapping *m = unwinder_mapping(u, lookup);
	uint64_t bias = 0, off;
	const char *name;

	*out = (struct frame_row){.ip = ip};
	if (m == NULL)
		return;
	if (m->map.path[0] != '\0')
		out->module = xstrdup(m->map.path);
	if (!unwinder_bias(u, m, &bias)) {
		out->offset = ip - m->map.start + m->map.offset;
		return;
	}
	name = module_symbol(m->module, lookup - bias, &off);
	if (name != NULL) {
		out->function = xstrdup(name);
		out->offset = off + (ip - lookup);
	} else {
		out->offset = ip - bias; /* module+0xOFFSET, as eu-stack prints */
	}
}
