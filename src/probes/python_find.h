/* Finding the CPython interpreter in a live process, without running
 * anything of it: which file holds the interpreter (libpython, or the
 * executable when it is linked in statically, as Debian's python3 is), its
 * version, where its state starts (_PyRuntime on 3.7+, interp_head on 2.7
 * and 3.6), and the struct layout to read it with (the committed table, or
 * on 3.13+ the _Py_DebugOffsets the target publishes). */
#ifndef STACKTOP_PYTHON_FIND_H
#define STACKTOP_PYTHON_FIND_H

#include "procfs.h"
#include "python_layout.h"

#include <stdint.h>

struct python_target {
	int pid;
	char version[16]; /* "3.11.7", or "3.6" when only major.minor are known */
	struct python_layout layout;
	/* 3.7+: the address of _PyRuntime. 2.7, 3.6: the address of the
	 * interp_head variable (a PyInterpreterState *). */
	uint64_t head_addr;
	/* 2.7, 3.6: the address of _PyThreadState_Current (the GIL holder), or
	 * 0 when unknown. */
	uint64_t gil_holder_addr;
	/* 2.7, 3.6: where the collector's state is, static data of
	 * Modules/gcmodule.c (3.7+ has it in _PyRuntime or the interpreter):
	 * the address of the exported _PyGC_generation0, whose value is the
	 * address of its generations array; and of its static garbage (the
	 * gc.garbage list, NULL until the gc module is imported), found only in
	 * .symtab. 0 when unknown. */
	uint64_t gc_generation0_addr;
	uint64_t gc_garbage_addr;
	/* The address of PyCode_Type, or 0 when unknown (a file without the
	 * symbol): a frame's code object has this type. */
	uint64_t code_type_addr;
	char file[256]; /* the file the interpreter is in, as the target maps it */
	/* How its state was found: "symbol" (_PyRuntime or interp_head in the
	 * file's symbols), "section" (.PyRuntime, 3.10+) or "scan" (a search
	 * of the file's data for a state of its version). */
	const char *found_by;
};

/* Looks for the interpreter of pid through fs. Returns 0 and fills *out;
 * -ENOEXEC when pid is not a Python process (no libpython, no _PyRuntime or
 * interp_head in its files); -ENOTSUP when it is a CPython whose version we
 * cannot read (out->version says which); -ESRCH when it is gone; -EPERM or
 * -EACCES when its files cannot be opened. */
int python_find(const struct procfs *fs, int pid, struct python_target *out);

/* The files of a target, as python_find_in looks through them: its maps
 * (sorted by address, as /proc/PID/maps lists them) and a way to open the
 * file one of them shows. */
struct module;
struct procfs_map;
struct python_files {
	const struct procfs_map *maps;
	size_t n;
	/* The file of map (one of maps), with its debug symbols, or NULL when
	 * it cannot be opened; borrowed until done. */
	struct module *(*open)(void *arg, const struct procfs_map *map);
	/* Called when the search no longer needs a module open returned; NULL
	 * when modules outlive the search (an unwinder's cache). */
	void (*done)(void *arg, struct module *mod);
	void *arg;
};

/* python_find over files the caller has (an unwinder's maps and cache:
 * what the search opens, the unwinder then reuses). The maps must be the
 * main thread's: with none (it has ended), the interpreter is not looked
 * for. Returns what python_find does, but never -ESRCH. */
int python_find_in(int pid, const struct python_files *files, struct python_target *out);

#endif
