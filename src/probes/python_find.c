#include "python_find.h"

#include "../xmalloc.h"
#include "module.h"
#include "procfs_parse.h"
#include "ptrace.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most of _PyRuntime we read to find _Py_DebugOffsets (3.13's is about
 * 700 bytes; later versions grow it). */
#define PYTHON_DEBUG_OFFSETS_MAX 4096

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

/* Reads the version from Py_Version (3.11+: PY_VERSION_HEX as a constant in
 * the file, so no target memory is read). */
static bool
python_version_of_symbol(const struct module *mod, char *out, size_t size, int *major, int *minor)
{
	uint64_t vaddr, symsize, off;
	const unsigned char *bytes;
	uint32_t hex;

	if (module_find_symbol(mod, "Py_Version", &vaddr, &symsize) != 0 ||
	    module_offset_of_vaddr(mod, vaddr, &off) != 0 ||
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

/* Looks for the interpreter in one file of the target. Returns 0 when it is
 * there, -ENOENT when not. */
static int
python_try_file(struct python_target *t, struct module *mod, const struct procfs_map *maps,
                size_t n, const struct procfs_map *file)
{
	uint64_t vaddr, size, bias;
	int major = 0, minor = 0;
	bool named = python_version_of_name(file->path, &major, &minor);
	bool have_runtime = module_find_symbol(mod, "_PyRuntime", &vaddr, &size) == 0;

	if (!have_runtime && module_find_symbol(mod, "interp_head", &vaddr, &size) != 0)
		return -ENOENT;
	if (!python_bias(mod, maps, n, file, &bias))
		return -ENOENT;
	t->head_addr = vaddr + bias;
	if (!have_runtime && module_find_symbol(mod, "_PyThreadState_Current", &vaddr, &size) == 0)
		t->gil_holder_addr = vaddr + bias;
	if (!have_runtime && module_find_symbol(mod, "_PyGC_generation0", &vaddr, &size) == 0)
		t->gc_generation0_addr = vaddr + bias;
	/* A static of that name in some other file would be a pointer-sized
	 * variable too: python_gc checks that it points to a list. */
	if (!have_runtime && module_find_symbol(mod, "garbage", &vaddr, &size) == 0 &&
	    size == sizeof(uint64_t))
		t->gc_garbage_addr = vaddr + bias;
	snprintf(t->file, sizeof(t->file), "%s", file->path);
	if (!python_version_of_symbol(mod, t->version, sizeof(t->version), &major, &minor)) {
		if (!named)
			return -ENOTSUP;
		snprintf(t->version, sizeof(t->version), "%d.%d", major, minor);
	}
	/* interp_head is what 2.7 and 3.6 have; _PyRuntime came with 3.7. */
	if (have_runtime != (major > 3 || (major == 3 && minor >= 7)))
		return -ENOTSUP;
	return python_choose_layout(t, major, minor);
}

int
python_find(const struct procfs *fs, int pid, struct python_target *out)
{
	struct procfs_map *maps;
	char path[64], task[32];
	char *text;
	ssize_t len;
	size_t n, first_file = 0;
	int err = -ENOEXEC;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	snprintf(path, sizeof(path), "%d/maps", pid);
	len = procfs_read_all(fs, path, &text);
	if (len < 0)
		return procfs_is_gone((int)len) ? -ESRCH : (int)len;
	n = procfs_parse_maps(text, (size_t)len, &maps);
	free(text);
	if (n == 0) {
		/* No maps: the main thread has ended (its threads may live on);
		 * its interpreter is not looked for. */
		free(maps);
		return -ENOEXEC;
	}
	snprintf(task, sizeof(task), "%d", pid);
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
			if (module_open_mapping(procfs_root(fs), pid, task, m, &mod) != 0)
				continue;
			err = python_try_file(out, mod, maps, n, m);
			if (err == -ENOENT)
				err = -ENOEXEC;
			module_free(mod);
		}
	}
	free(maps);
	return err;
}
