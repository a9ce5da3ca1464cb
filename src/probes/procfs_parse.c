#include "procfs_parse.h"

#include "../xmalloc.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A cursor over untrusted text; every read is bounded by end. */
struct cursor {
	const char *p;
	const char *end;
};

static void
cursor_skip_spaces(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Reads an unsigned decimal; returns false (cursor unchanged) if there is none.
 * Saturates instead of overflowing on absurd input. */
static bool
cursor_u64(struct cursor *c, uint64_t *out)
{
	const char *p;
	uint64_t v = 0;

	cursor_skip_spaces(c);
	p = c->p;
	if (p >= c->end || *p < '0' || *p > '9')
		return false;
	for (; p < c->end && *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	c->p = p;
	*out = v;
	return true;
}

static bool
cursor_i64(struct cursor *c, int64_t *out)
{
	bool neg = false;
	uint64_t v;

	cursor_skip_spaces(c);
	if (c->p < c->end && *c->p == '-') {
		neg = true;
		c->p++;
	}
	if (!cursor_u64(c, &v))
		return false;
	if (v > INT64_MAX)
		v = INT64_MAX;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* Skips one space-separated field. */
static bool
cursor_skip_field(struct cursor *c)
{
	cursor_skip_spaces(c);
	if (c->p >= c->end || *c->p == '\n')
		return false;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\n')
		c->p++;
	return true;
}

/* Sums of sizes a hostile file could push past INT64_MAX stop there. */
static int64_t
add_saturated(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int
int_clamp(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int)v;
}

bool
procfs_parse_stat_gone(const struct procfs_stat *st)
{
	return (st->state == 'Z' || st->state == 'X') && st->num_threads <= 1;
}

int
procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *out)
{
	const char *open = memchr(buf, '(', len);
	const char *close = NULL;
	struct cursor c;
	uint64_t skip;
	int64_t v;
	size_t comm_len;

	memset(out, 0, sizeof(*out));
	out->num_threads = -1;
	out->rss_pages = -1;
	out->processor = -1;
	if (open == NULL)
		return -EINVAL;
	/* The comm ends at the last ')': the name itself may contain ')'. */
	for (const char *p = buf + len; p > open + 1;) {
		p--;
		if (*p == ')') {
			close = p;
			break;
		}
	}
	if (close == NULL)
		return -EINVAL;
	comm_len = (size_t)(close - open - 1);
	if (comm_len >= sizeof(out->comm))
		comm_len = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, comm_len);
	out->comm[comm_len] = '\0';

	c = (struct cursor){close + 1, buf + len};
	cursor_skip_spaces(&c);
	if (c.p >= c.end)
		return -EINVAL;
	out->state = *c.p++; /* field 3 */
	if (!cursor_i64(&c, &v))
		return -EINVAL;
	out->ppid = int_clamp(v); /* field 4 */
	/* Fields 5-8: pgrp session tty_nr tpgid (tpgid may be -1), 9: flags,
	 * 10-13: minflt cminflt majflt cmajflt. */
	for (int i = 5; i <= 8; i++)
		if (!cursor_skip_field(&c))
			return -EINVAL;
	if (!cursor_u64(&c, &skip))
		return -EINVAL;
	out->flags = skip;
	for (int i = 10; i <= 13; i++)
		if (!cursor_skip_field(&c))
			return -EINVAL;
	if (!cursor_u64(&c, &out->utime) || !cursor_u64(&c, &out->stime))
		return -EINVAL; /* fields 14, 15 */
	/* Fields 16-18: cutime cstime priority (the latter may be negative),
	 * 19: nice. */
	for (int i = 16; i <= 18; i++)
		if (!cursor_skip_field(&c))
			return -EINVAL;
	if (!cursor_i64(&c, &v))
		return -EINVAL;
	out->nice = int_clamp(v);
	if (!cursor_i64(&c, &out->num_threads)) /* field 20 */
		return -EINVAL;
	if (!cursor_skip_field(&c) || !cursor_u64(&c, &out->starttime)) /* 21, 22 */
		return -EINVAL;
	/* The rest is optional for our purposes: field 24 (rss) is there on
	 * every kernel we run on, field 39 (processor) not on old ones. */
	if (!cursor_skip_field(&c) || !cursor_i64(&c, &out->rss_pages)) /* 23, 24 */
		return 0;
	for (int i = 25; i <= 38; i++)
		if (!cursor_skip_field(&c))
			return 0;
	if (cursor_u64(&c, &skip))
		out->processor = skip > INT32_MAX ? -1 : (int)skip;
	return 0;
}

/* Calls fn for each "Key: value" line of a status-like file. */
static void
procfs_each_key(const char *buf, size_t len,
                void (*fn)(const char *key, size_t keylen, struct cursor *value, void *arg),
                void *arg)
{
	const char *p = buf;
	const char *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(line_end - p));

		if (colon != NULL) {
			struct cursor value = {colon + 1, line_end};

			fn(p, (size_t)(colon - p), &value, arg);
		}
		p = nl ? nl + 1 : end;
	}
}

static bool
key_is(const char *key, size_t keylen, const char *want)
{
	return keylen == strlen(want) && memcmp(key, want, keylen) == 0;
}

/* A "Key: number" line's key and the int64_t field of a struct it fills. */
struct key_field {
	const char *key;
	size_t offset;
};

/* Stores value into the field of base that key names in fields[0..n), when
 * it is one and the value a non-negative number. */
static void
procfs_fill_field(const struct key_field *fields, size_t n, const char *key, size_t keylen,
                  struct cursor *value, void *base)
{
	for (size_t i = 0; i < n; i++) {
		if (key_is(key, keylen, fields[i].key)) {
			int64_t v;

			if (cursor_i64(value, &v) && v >= 0)
				*(int64_t *)((char *)base + fields[i].offset) = v;
			return;
		}
	}
}

static void
procfs_status_field(const char *key, size_t keylen, struct cursor *value, void *arg)
{
	static const struct key_field fields[] = {
	    {"Uid", offsetof(struct procfs_status, uid)},
	    {"VmRSS", offsetof(struct procfs_status, rss_kib)},
	    {"RssAnon", offsetof(struct procfs_status, anon_kib)},
	    {"RssFile", offsetof(struct procfs_status, file_kib)},
	    {"RssShmem", offsetof(struct procfs_status, shmem_kib)},
	    {"VmSwap", offsetof(struct procfs_status, swap_kib)},
	    {"voluntary_ctxt_switches", offsetof(struct procfs_status, ctxsw_voluntary)},
	    {"nonvoluntary_ctxt_switches", offsetof(struct procfs_status, ctxsw_involuntary)},
	};

	procfs_fill_field(fields, sizeof(fields) / sizeof(fields[0]), key, keylen, value, arg);
}

static void
procfs_meminfo_field(const char *key, size_t keylen, struct cursor *value, void *arg)
{
	static const struct key_field fields[] = {
	    {"MemTotal", offsetof(struct procfs_meminfo, total)},
	    {"MemFree", offsetof(struct procfs_meminfo, free)},
	    {"MemAvailable", offsetof(struct procfs_meminfo, available)},
	    {"Buffers", offsetof(struct procfs_meminfo, buffers)},
	    {"Cached", offsetof(struct procfs_meminfo, cached)},
	    {"SReclaimable", offsetof(struct procfs_meminfo, sreclaimable)},
	    {"SwapTotal", offsetof(struct procfs_meminfo, swap_total)},
	    {"SwapFree", offsetof(struct procfs_meminfo, swap_free)},
	};

	procfs_fill_field(fields, sizeof(fields) / sizeof(fields[0]), key, keylen, value, arg);
}

void
procfs_parse_meminfo(const char *buf, size_t len, struct procfs_meminfo *out)
{
	*out = (struct procfs_meminfo){-1, -1, -1, -1, -1, -1, -1, -1};
	procfs_each_key(buf, len, procfs_meminfo_field, out);
}

int
procfs_parse_uptime(const char *buf, size_t len, double *uptime_s)
{
	char copy[64], *end;

	if (len >= sizeof(copy))
		len = sizeof(copy) - 1;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	*uptime_s = strtod(copy, &end);
	if (end == copy || !isfinite(*uptime_s) || *uptime_s < 0)
		return -EINVAL;
	return 0;
}

static void
procfs_nspid_field(const char *key, size_t keylen, struct cursor *value, void *arg)
{
	int64_t *innermost = arg, v;

	if (!key_is(key, keylen, "NSpid"))
		return;
	/* One id per namespace level, outermost first: keep the last. */
	while (cursor_i64(value, &v))
		*innermost = v >= 0 ? v : -1;
}

int64_t
procfs_parse_nspid(const char *buf, size_t len)
{
	int64_t innermost = -1;

	procfs_each_key(buf, len, procfs_nspid_field, &innermost);
	return innermost;
}

void
procfs_parse_status(const char *buf, size_t len, struct procfs_status *out)
{
	*out = (struct procfs_status){-1, -1, -1, -1, -1, -1, -1, -1};
	procfs_each_key(buf, len, procfs_status_field, out);
}

int
procfs_parse_schedstat(const char *buf, size_t len, struct procfs_schedstat *out)
{
	struct cursor c = {buf, buf + len};

	memset(out, 0, sizeof(*out));
	if (!cursor_u64(&c, &out->run_ns) || !cursor_u64(&c, &out->delay_ns) ||
	    !cursor_u64(&c, &out->timeslices))
		return -EINVAL;
	return 0;
}

int
procfs_parse_syscall(const char *buf, size_t len)
{
	struct cursor c = {buf, buf + len};
	int64_t nr;

	if (len >= 7 && memcmp(buf, "running", 7) == 0)
		return SYSCALL_RUNNING;
	if (!cursor_i64(&c, &nr))
		return SYSCALL_UNKNOWN;
	/* "-1 sp pc": blocked outside a syscall. */
	if (nr == -1)
		return SYSCALL_NONE;
	if (nr < 0 || nr > 100000)
		return SYSCALL_UNKNOWN;
	return (int)nr;
}

/* Reads a hexadecimal number; false if there is none. */
static bool
cursor_hex(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = c->p;

	for (; p < c->end; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			break;
		if (v >> 60)
			return false; /* more than 64 bits: not an address */
		v = v << 4 | d;
	}
	if (p == c->p)
		return false;
	c->p = p;
	*out = v;
	return true;
}

int
procfs_parse_syscall_args(const char *buf, size_t len, struct procfs_syscall *out)
{
	struct cursor c = {buf, buf + len};

	memset(out, 0, sizeof(*out));
	out->nr = procfs_parse_syscall(buf, len);
	if (out->nr < 0)
		return 0;
	(void)cursor_skip_field(&c);
	for (size_t i = 0; i < 6; i++) {
		cursor_skip_spaces(&c);
		if (c.end - c.p < 2 || c.p[0] != '0' || c.p[1] != 'x')
			return -EINVAL;
		c.p += 2;
		if (!cursor_hex(&c, &out->args[i]))
			return -EINVAL;
	}
	return 0;
}

/* The counters after a "cpu" or "cpuN" label. Older kernels have fewer
 * columns; the missing ones stay 0. Returns 0 or -EINVAL. */
static int
parse_cpu_fields(struct cursor *c, struct procfs_cpu_times *out)
{
	uint64_t *fields[] = {&out->user,   &out->nice, &out->system,  &out->idle,
	                      &out->iowait, &out->irq,  &out->softirq, &out->steal};

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!cursor_u64(c, fields[i]))
			return i >= 4 ? 0 : -EINVAL;
	return 0;
}

int
procfs_parse_cpu_times(const char *buf, size_t len, struct procfs_cpu_times *out)
{
	struct cursor c = {buf, buf + len};

	memset(out, 0, sizeof(*out));
	if (len < 4 || memcmp(buf, "cpu ", 4) != 0)
		return -EINVAL;
	c.p += 4;
	return parse_cpu_fields(&c, out);
}

size_t
procfs_parse_cpu_each(const char *buf, size_t len, struct procfs_cpu_times *out, size_t max)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	while (p < end && n < max) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct cursor c;
		uint64_t cpu;

		if (eol == NULL)
			eol = end;
		c = (struct cursor){p + 3, eol};
		/* "cpuN" lines follow the "cpu " total in N order; a line cut
		 * off by the buffer's end is not counted. */
		if (eol - p > 3 && memcmp(p, "cpu", 3) == 0 && p[3] >= '0' && p[3] <= '9' &&
		    eol < end && cursor_u64(&c, &cpu) && cpu == n &&
		    parse_cpu_fields(&c, &out[n]) == 0)
			n++;
		p = eol + 1;
	}
	return n;
}

int
procfs_parse_loadavg(const char *buf, size_t len, struct procfs_loadavg *out)
{
	char copy[128];
	char *p = copy, *end;
	uint64_t running, threads;
	struct cursor c;

	*out = (struct procfs_loadavg){{0, 0, 0}, -1, -1};
	/* strtod needs a NUL-terminated string; the line is short. */
	if (len >= sizeof(copy))
		len = sizeof(copy) - 1;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (int i = 0; i < 3; i++) {
		out->load[i] = strtod(p, &end);
		if (end == p)
			return -EINVAL;
		p = end;
	}
	c = (struct cursor){p, copy + len};
	if (!cursor_u64(&c, &running) || c.p >= c.end || *c.p != '/')
		return -EINVAL;
	c.p++;
	if (!cursor_u64(&c, &threads))
		return -EINVAL;
	out->running = running > INT64_MAX ? INT64_MAX : (int64_t)running;
	out->threads = threads > INT64_MAX ? INT64_MAX : (int64_t)threads;
	return 0;
}

struct rollup_parts {
	struct mem_rollup *out;
	int64_t private_clean, private_dirty;
};

static void
procfs_rollup_field(const char *key, size_t keylen, struct cursor *value, void *arg)
{
	struct rollup_parts *parts = arg;
	int64_t v;

	if (!cursor_i64(value, &v) || v < 0)
		return;
	if (key_is(key, keylen, "Rss"))
		parts->out->rss_kib = v;
	else if (key_is(key, keylen, "Pss"))
		parts->out->pss_kib = v;
	else if (key_is(key, keylen, "Swap"))
		parts->out->swap_kib = v;
	else if (key_is(key, keylen, "Private_Clean"))
		parts->private_clean = v;
	else if (key_is(key, keylen, "Private_Dirty"))
		parts->private_dirty = v;
}

void
procfs_parse_rollup(const char *buf, size_t len, struct mem_rollup *out)
{
	struct rollup_parts parts = {out, -1, -1};

	*out = (struct mem_rollup){-1, -1, -1, -1};
	procfs_each_key(buf, len, procfs_rollup_field, &parts);
	if (parts.private_clean >= 0 && parts.private_dirty >= 0)
		out->uss_kib = add_saturated(parts.private_clean, parts.private_dirty);
}

static bool
has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* The kind of a mapping from its smaps header line
 * "start-end perms offset dev inode   name". */
static enum mem_kind
procfs_mapping_kind(const char *line, size_t len)
{
	struct cursor c = {line, line + len};
	const char *name;
	size_t name_len;

	for (int i = 0; i < 5; i++)
		if (!cursor_skip_field(&c))
			return MEM_ANON;
	cursor_skip_spaces(&c);
	name = c.p;
	name_len = (size_t)(c.end - c.p);
	if (name_len == 0 || has_prefix(name, name_len, "[anon:"))
		return MEM_ANON;
	if (has_prefix(name, name_len, "[heap]"))
		return MEM_HEAP;
	if (has_prefix(name, name_len, "[stack"))
		return MEM_STACK;
	if (has_prefix(name, name_len, "/dev/shm/") || has_prefix(name, name_len, "/memfd:") ||
	    has_prefix(name, name_len, "/SYSV") || has_prefix(name, name_len, "/dev/zero") ||
	    has_prefix(name, name_len, "[anon_shmem"))
		return MEM_SHMEM;
	if (name[0] == '/')
		return MEM_FILE;
	/* [vdso], [vvar], [vsyscall]: kernel-provided, counted with anon. */
	return MEM_ANON;
}

/* A header line starts with a hex range "start-end"; field lines with a key. */
static bool
is_mapping_header(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len &&
	       ((line[i] >= '0' && line[i] <= '9') || (line[i] >= 'a' && line[i] <= 'f')))
		i++;
	return i > 0 && i < len && line[i] == '-';
}

void
procfs_parse_smaps(const char *buf, size_t len, struct mem_breakdown *out)
{
	const char *p = buf;
	const char *end = buf + len;
	enum mem_kind kind = MEM_ANON;
	int64_t rss = 0, anon = 0;
	bool in_mapping = false;

	memset(out, 0, sizeof(*out));
	for (;;) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		const char *line_end = nl ? nl : end;
		size_t line_len = (size_t)(line_end - p);
		bool header = p < end && is_mapping_header(p, line_len);

		if ((header || p >= end) && in_mapping) {
			/* Copy-on-write pages of a private file mapping are anonymous memory. */
			if (kind == MEM_FILE && anon > 0 && anon <= rss) {
				out->kib[MEM_ANON] = add_saturated(out->kib[MEM_ANON], anon);
				rss -= anon;
			}
			out->kib[kind] = add_saturated(out->kib[kind], rss);
		}
		if (p >= end)
			break;
		if (header) {
			kind = procfs_mapping_kind(p, line_len);
			rss = anon = 0;
			in_mapping = true;
		} else if (in_mapping) {
			struct cursor value;
			int64_t v;

			if (has_prefix(p, line_len, "Rss:")) {
				value = (struct cursor){p + 4, line_end};
				if (cursor_i64(&value, &v) && v >= 0)
					rss = v;
			} else if (has_prefix(p, line_len, "Anonymous:")) {
				value = (struct cursor){p + 10, line_end};
				if (cursor_i64(&value, &v) && v >= 0)
					anon = v;
			}
		}
		p = nl ? nl + 1 : end;
	}
}

/* "start-end perms offset dev inode   path" */
static bool
procfs_parse_map_line(const char *line, size_t len, struct procfs_map *m)
{
	struct cursor c = {line, line + len};
	size_t plen;

	memset(m, 0, sizeof(*m));
	if (!cursor_hex(&c, &m->start) || c.p >= c.end || *c.p++ != '-' ||
	    !cursor_hex(&c, &m->end) || m->end < m->start)
		return false;
	cursor_skip_spaces(&c);
	if (c.end - c.p < 4)
		return false;
	memcpy(m->perms, c.p, 4);
	c.p += 4;
	cursor_skip_spaces(&c);
	if (!cursor_hex(&c, &m->offset) || !cursor_skip_field(&c) /* dev */ ||
	    !cursor_u64(&c, &m->inode))
		return false;
	cursor_skip_spaces(&c);
	plen = (size_t)(c.end - c.p);
	if (plen >= sizeof(m->path))
		plen = sizeof(m->path) - 1;
	memcpy(m->path, c.p, plen);
	m->path[plen] = '\0';
	return true;
}

size_t
procfs_parse_maps(const char *buf, size_t len, struct procfs_map **maps)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0, lines = 1;

	/* One allocation of the right size: a process with a thousand threads
	 * has some 2,000 mappings, and growing the array would copy it and
	 * fault in its pages again each time. */
	for (const char *q = buf; q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
		lines++;
	*maps = xreallocarray_populated(NULL, 0, lines, sizeof(**maps));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		if (procfs_parse_map_line(p, (size_t)(line_end - p), &(*maps)[n]))
			n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}
