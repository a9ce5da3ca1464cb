#include "python_find.h"

#include "../xmalloc.h"
#include "module.h"
#include "procfs_parse.h"
#include "ptrace.h"
#include "python_memory.h"
#include "python_scan.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most of _PyRuntime we read to find _Py_DebugOffsets (3.13's is about
 * 700 bytes; later versions grow it). */
#define PYTHON_DEBUG_OFFSETS_MAX 4096
/* The most of a file's data and bss copied for a scan (libpython's are
 * well under a megabyte). */
#define PYTHON_SCAN_BYTES_MAX (32u << 20)

/* "libpython3.11.so.1.0", "libpython3.6m.so", "python3.11", "python2.7":
 * the version in a file name, or false. */
static bool
python_version_of_name(const char *path, int *major, int *minor)
{
	const char *base = strrchr(path, '/');
	const char *p;

	base = base ? base + 1 : path;
	p = strncmp(base, "libpython", 9) == 0 ? base + 9
	    : strncmp(base, "python", 6) == 0  ? base + 6
	                                       : NULL;
	if (p == NULL || (p[0] != '2' && p[0] != '3') || p[1] != '.' ||
	    !isdigit((unsigned char)p[2]))
		return false;
	*major = p[0] - '0';
	*minor = (int)strtol(p + 2, NULL, 10);
	return true;
}

/* The load bias of module in pid's maps: the address where its file
 * offset 0 segment is minus its link-time address. */
static bool
python_bias(const struct module *mod, const struct procfs_map *maps, size_t n,
            const struct procfs_map *file, uint64_t *bias)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t vaddr;

		if (maps[i].inode != file->inode || strcmp(maps[i].path, file->path) != 0)
			continue;
		if (module_vaddr_of_offset(mod, maps[i].offset, &vaddr) == 0) {
			*bias = maps[i].start - vaddr;
			return true;
		}
	}
	return false;
}

/* The symbols the search reads in a file, looked up in one pass. */
enum python_symbol {
	SYM_RUNTIME,        /* _PyRuntime, the state (3.7+) */
	SYM_INTERP_HEAD,    /* interp_head, the state (2.7, 3.6) */
	SYM_VERSION,        /* Py_Version (3.11+) */
	SYM_GIL_HOLDER,     /* _PyThreadState_Current (2.7, 3.6) */
	SYM_GC_GENERATION0, /* _PyGC_generation0 (2.7, 3.6) */
	SYM_GC_GARBAGE,     /* garbage (2.7, 3.6) */
	SYM_CODE_TYPE,      /* PyCode_Type, the type of every code object (all) */
	SYM_COUNT
};

static const char *const python_symbol_names[SYM_COUNT] = {
    "_PyRuntime",        "interp_head", "Py_Version",  "_PyThreadState_Current",
    "_PyGC_generation0", "garbage",     "PyCode_Type",
};

/* Reads the version from Py_Version (3.11+: PY_VERSION_HEX as a constant in
 * the file, so no target memory is read). */
static bool
python_version_of_symbol(const struct module *mod, const struct module_found *sym, char *out,
                         size_t size, int *major, int *minor)
{
	const unsigned char *bytes;
	uint32_t hex;
	uint64_t off;

	if (!sym->found || module_offset_of_vaddr(mod, sym->vaddr, &off) != 0 ||
	    (bytes = module_bytes(mod, off, sizeof(hex))) == NULL)
		return false;
	memcpy(&hex, bytes, sizeof(hex));
	*major = (int)(hex >> 24);
	*minor = (int)((hex >> 16) & 0xff);
	snprintf(out, size, "%d.%d.%d", *major, *minor, (int)((hex >> 8) & 0xff));
	return *major == 3;
}

/* Chooses the layout: on 3.13+ the one the target publishes, else (or when
 * that cannot be read) the table's. */
static int
python_choose_layout(struct python_target *t, int major, int minor)
{
	const struct python_layout *table = python_layout_for(major, minor);
	unsigned char *buf;
	ssize_t n;

	if (major == 3 && minor >= 13) {
		buf = xmalloc(PYTHON_DEBUG_OFFSETS_MAX);
		n = ptrace_read_memory(t->pid, t->head_addr, buf, PYTHON_DEBUG_OFFSETS_MAX);
		if (n > 0 && python_layout_from_debug_offsets(buf, (size_t)n, &t->layout) == 0) {
			free(buf);
			return 0;
		}
		free(buf);
	}
	if (table == NULL)
		return -ENOTSUP;
	t->layout = *table;
	return 0;
}

/* Sets *addr to where data symbol sym is in the target (bias: the file's
 * load bias), when the file has it (and it is size bytes, unless size is
 * 0); leaves *addr alone otherwise. */
static void
python_symbol_at(const struct module_found *sym, uint64_t bias, uint64_t size, uint64_t *addr)
{
	if (sym->found && (size == 0 || sym->size == size))
		*addr = sym->vaddr + bias;
}

/* The ways to find the interpreter's state in a file, in the order tried.
 * STACKTOP_PYTHON_FIND=section or =scan skips the earlier ones (as if the
 * state's symbol had been stripped), so that the tests cover them: every
 * interpreter here has its symbols. */
enum python_way { WAY_SYMBOL, WAY_SECTION, WAY_SCAN };

static enum python_way
python_first_way(void)
{
	const char *v = getenv("STACKTOP_PYTHON_FIND");

	if (v != NULL && strcmp(v, "section") == 0)
		return WAY_SECTION;
	if (v != NULL && strcmp(v, "scan") == 0)
		return WAY_SCAN;
	return WAY_SYMBOL;
}

/* The version a 3.13+ target publishes at the start of _PyRuntime (its
 * _Py_DebugOffsets), for a file that says it nowhere else. */
static bool
python_version_of_debug_offsets(const struct python_target *t, int *major, int *minor)
{
	unsigned char *buf = xmalloc(PYTHON_DEBUG_OFFSETS_MAX);
	ssize_t n = ptrace_read_memory(t->pid, t->head_addr, buf, PYTHON_DEBUG_OFFSETS_MAX);
	struct python_layout l;
	bool ok = n > 0 && python_layout_from_debug_offsets(buf, (size_t)n, &l) == 0;

	free(buf);
	if (ok) {
		*major = l.major;
		*minor = l.minor;
	}
	return ok;
}

/* The last way: scans the data and bss of the file (bias: its load bias)
 * for the interpreter of version major.minor. Returns 0 and sets
 * t->head_addr, or -ENOENT. */
static int
python_scan_file(struct python_target *t, const struct module *mod, uint64_t bias, int major,
                 int minor)
{
	const struct python_layout *l = python_layout_for(major, minor);
	struct python_memory mem = {python_memory_live, &t->pid, python_memory_live_v};
	uint64_t lo = UINT64_MAX, hi = 0, vaddr, size;
	static const char *const sections[] = {".data", ".bss"};
	unsigned char *copy;
	ssize_t n;
	int err;

	if (l == NULL)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (module_find_section(mod, sections[i], &vaddr, &size) != 0)
			continue;
		lo = vaddr < lo ? vaddr : lo;
		hi = vaddr + size > hi ? vaddr + size : hi;
	}
	if (lo >= hi || hi - lo > PYTHON_SCAN_BYTES_MAX)
		return -ENOENT;
	copy = xmalloc(hi - lo);
	n = ptrace_read_memory(t->pid, lo + bias, copy, hi - lo);
	err =
	    n > 0 ? python_scan_head(l, lo + bias, copy, (size_t)n, &mem, &t->head_addr) : -ENOENT;
	free(copy);
	return err;
}

/* Looks for the interpreter in one file of the target: its state through
 * _PyRuntime or interp_head (.dynsym or .symtab), the .PyRuntime section
 * (3.10+), or a scan of its data; its version through Py_Version (3.11+),
 * the file's name, or the _Py_DebugOffsets at the state's start (3.13+).
 * Returns 0 when it is there, -ENOENT when not. */
static int
python_try_file(struct python_target *t, struct module *mod, const struct procfs_map *maps,
                size_t n, const struct procfs_map *file)
{
	enum python_way first = python_first_way();
	struct module_found sym[SYM_COUNT];
	uint64_t vaddr, size, bias;
	int major = 0, minor = 0;
	bool named = python_version_of_name(file->path, &major, &minor), versioned;
	bool found = false, have_runtime = false;

	if (!python_bias(mod, maps, n, file, &bias))
		return -ENOENT;
	module_find_symbols(mod, python_symbol_names, SYM_COUNT, sym);
	versioned = python_version_of_symbol(mod, &sym[SYM_VERSION], t->version, sizeof(t->version),
	                                     &major, &minor);
	if (first <= WAY_SYMBOL && sym[SYM_RUNTIME].found) {
		vaddr = sym[SYM_RUNTIME].vaddr;
		found = have_runtime = true;
		t->found_by = "symbol";
	} else if (first <= WAY_SYMBOL && sym[SYM_INTERP_HEAD].found) {
		vaddr = sym[SYM_INTERP_HEAD].vaddr;
		found = true;
		t->found_by = "symbol";
	} else if (first <= WAY_SECTION &&
	           module_find_section(mod, ".PyRuntime", &vaddr, &size) == 0) {
		found = have_runtime = true;
		t->found_by = "section";
	}
	if (found)
		t->head_addr = vaddr + bias;
	if (!versioned && !named &&
	    !(found && have_runtime && python_version_of_debug_offsets(t, &major, &minor)))
		return found ? -ENOTSUP : -ENOENT;
	if (!versioned)
		snprintf(t->version, sizeof(t->version), "%d.%d", major, minor);
	if (!found) {
		/* Nothing names the state: scan for it, knowing the version. */
		if (python_scan_file(t, mod, bias, major, minor) != 0)
			return -ENOENT;
		t->found_by = "scan";
		have_runtime = python_has_runtime(major, minor);
	}
	/* 2.7 and 3.6 export the GIL holder and the collector's first
	 * generation (interp_head is static: a stripped file loses it, not
	 * these). A static "garbage" in some other file would be a
	 * pointer-sized variable too: python_gc checks that it points to a
	 * list. */
	/* Exported by every version: what a code object's type must be, which
	 * a read of a running thread's frames checks. */
	python_symbol_at(&sym[SYM_CODE_TYPE], bias, 0, &t->code_type_addr);
	if (!have_runtime) {
		python_symbol_at(&sym[SYM_GIL_HOLDER], bias, 0, &t->gil_holder_addr);
		python_symbol_at(&sym[SYM_GC_GENERATION0], bias, 0, &t->gc_generation0_addr);
		python_symbol_at(&sym[SYM_GC_GARBAGE], bias, sizeof(uint64_t), &t->gc_garbage_addr);
	}
	snprintf(t->file, sizeof(t->file), "%s", file->path);
	/* interp_head is what 2.7 and 3.6 have; _PyRuntime came with 3.7. */
	if (have_runtime != python_has_runtime(major, minor))
		return -ENOTSUP;
	return python_choose_layout(t, major, minor);
}

int
python_find_in(int pid, const struct python_files *files, struct python_target *out)
{
	const struct procfs_map *maps = files->maps;
	size_t n = files->n, first_file = 0;
	int err = -ENOEXEC;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	while (first_file < n && maps[first_file].inode == 0)
		first_file++;
	/* libpython first: with a shared libpython the executable is a stub.
	 * Then every other executable file mapping, once per file. */
	for (int pass = 0; pass < 2 && err == -ENOEXEC; pass++) {
		for (size_t i = 0; i < n && err == -ENOEXEC; i++) {
			const struct procfs_map *m = &maps[i];
			bool lib = strstr(m->path, "/libpython") != NULL;
			struct module *mod;
			bool seen = false;

			if (m->perms[2] != 'x' || m->inode == 0 || m->path[0] != '/' ||
			    lib != (pass == 0))
				continue;
			for (size_t k = 0; k < i && !seen; k++)
				seen = maps[k].perms[2] == 'x' && maps[k].inode == m->inode &&
				       strcmp(maps[k].path, m->path) == 0;
			if (seen)
				continue;
			/* Only what could hold an interpreter: libpython, the
			 * executable (the first file mapped: it may embed a static
			 * libpython) or a file called python. */
			if (!lib && i != first_file &&
			    strstr(strrchr(m->path, '/'), "python") == NULL)
				continue;
			if ((mod = files->open(files->arg, m)) == NULL)
				continue;
			err = python_try_file(out, mod, maps, n, m);
			if (err == -ENOENT)
				err = -ENOEXEC;
			if (files->done != NULL)
				files->done(files->arg, mod);
		}
	}
	return err;
}

/* What python_find opens files through. */
struct python_find_files {
	const struct procfs *fs;
	int pid;
};

static struct module *
python_find_open(void *arg, const struct procfs_map *map)
{
	const struct python_find_files *f = arg;
	struct module *mod;
	char task[32];

	snprintf(task, sizeof(task), "%d", f->pid);
	return module_open_mapping(procfs_root(f->fs), f->pid, task, map, &mod) == 0 ? mod : NULL;
}

static void
python_find_done(void *arg, struct module *mod)
{
	(void)arg;
	module_free(mod);
}

int
python_find(const struct procfs *fs, int pid, struct python_target *out)
{
	struct python_find_files arg = {fs, pid};
	struct python_files files = {NULL, 0, python_find_open, python_find_done, &arg};
	struct procfs_map *maps;
	char path[64];
	char *text;
	ssize_t len;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	snprintf(path, sizeof(path), "%d/maps", pid);
	len = procfs_read_all(fs, path, &text);
	if (len < 0)
		return procfs_is_gone((int)len) ? -ESRCH : (int)len;
	files.n = procfs_parse_maps(text, (size_t)len, &maps);
	files.maps = maps;
	free(text);
	/* No maps: the main thread has ended (its threads may live on); its
	 * interpreter is not looked for. */
	err = files.n > 0 ? python_find_in(pid, &files, out) : -ENOEXEC;
	free(maps);
	return err;
}
