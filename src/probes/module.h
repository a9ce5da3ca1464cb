/* One ELF file mapped by a target (its executable or a library), read from
 * our side: never through the target's memory.
 *
 * The file is mmapped read-only and parsed with libelf: its PT_LOAD segments
 * (to turn a mapping into a load bias), the .eh_frame_hdr the unwinder
 * searches, and its function symbols (.symtab, else .dynsym, read by
 * probes/module_symbols), named as people read them (probes/demangle); a
 * stripped file's from its MiniDebugInfo or a separate debug file
 * (probes/module_debug finds it). Everything in the file is untrusted
 * input: offsets and sizes are bounded by the file. */
#ifndef STACKTOP_MODULE_H
#define STACKTOP_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct module;

/* Opens the ELF file at path (e.g. /proc/PID/map_files/START-END, or the
 * mapped path under /proc/PID/root). Returns 0 and an owned module (free with
 * module_free), or -errno (-ENOEXEC when it is not an ELF file we can read). */
int module_open(const char *path, struct module **out);

/* Opens the file a target maps (map, from its maps) with its debug symbols:
 * through ROOT/PID/map_files, which sees the very file the target mapped
 * (even deleted, even in another mount namespace), else the mapped path
 * under ROOT/TASK/root (TASK: "PID", or "PID/task/TID" when the main thread
 * has ended). Its debug file is looked for under ROOT/TASK/root first when
 * that is another root than ours (a container), then in ours. Returns 0
 * and an owned module, or -errno. */
struct procfs_map;
int module_open_mapping(const char *root, int pid, const char *task, const struct procfs_map *map,
                        struct module **out);

/* Parses an ELF image already in memory (borrowed; must outlive the module):
 * what module_open does after mmap, and what the fuzzer drives. */
int module_from_memory(const void *image, size_t size, struct module **out);
void module_free(struct module *m);

/* Finds more symbols for a stripped module: MiniDebugInfo (.gnu_debugdata),
 * then a debug file by build-id or .gnu_debuglink (module_debug_find, each
 * candidate path opened by opener with arg: module_debug_open, or a
 * test's). path is where the target's file lives as the target sees it
 * (e.g. /usr/lib/libc.so.6): debuglink names are relative to its
 * directory. Does nothing when the module has a .symtab; failures leave it
 * as it was. */
void module_load_debug(struct module *m, const char *path,
                       int (*opener)(void *arg, const char *candidate, struct module **out),
                       void *arg);

/* Its GNU build-id (NT_GNU_BUILD_ID): *id is borrowed for the module's
 * life. Returns its length, 0 when it has none. */
size_t module_build_id(const struct module *m, const unsigned char **id);

/* The file name its .gnu_debuglink gives, "" for none; borrowed for the
 * module's life. */
const char *module_debuglink(const struct module *m);

/* True when it has a .symtab: full symbols, not just the exported ones. */
bool module_has_symtab(const struct module *m);

/* The bytes at file offset [off, off + len), or NULL when outside the file.
 * Borrowed for the module's life. */
const void *module_bytes(const struct module *m, uint64_t off, size_t len);

/* The link-time address that file offset off (page-aligned, as in a mapping)
 * is loaded at: a mapping at address A with offset off has load bias
 * A - *vaddr. Returns 0, or -ENOENT when no PT_LOAD segment starts there. */
int module_vaddr_of_offset(const struct module *m, uint64_t off, uint64_t *vaddr);

/* The link-time address and size of .eh_frame_hdr. Returns 0 or -ENOENT. */
int module_eh_frame_hdr(const struct module *m, uint64_t *vaddr, uint64_t *size);

/* The file offset of link-time address vaddr, or -ENOENT. */
int module_offset_of_vaddr(const struct module *m, uint64_t vaddr, uint64_t *off);

/* The function containing link-time address vaddr: its name as printed
 * (C++ demangled, without an ELF symbol version; borrowed for the module's
 * life) and the offset into it; NULL when no symbol's extent covers it
 * (callers then print module+0xOFFSET, never a wrong name). Not const: the
 * readable name is worked out on a symbol's first lookup and kept. */
const char *module_symbol(struct module *m, uint64_t vaddr, uint64_t *offset);

/* A symbol found by name: its link-time address and size. */
struct module_found {
	bool found;
	uint64_t vaddr, size;
};

/* Finds the symbols called names[0..n), of any kind (data too: _PyRuntime),
 * in the debug symbols, .symtab or .dynsym, trusted in that order: found[k]
 * for names[k]. One pass over each table for all the names: a program's
 * symbol table can be millions of entries. */
void module_find_symbols(const struct module *m, const char *const *names, size_t n,
                         struct module_found *found);

/* Finds the section called name that is loaded in memory (".PyRuntime",
 * ".bss"): its link-time address and size. Returns 0 or -ENOENT. */
int module_find_section(const struct module *m, const char *name, uint64_t *vaddr, uint64_t *size);

#endif
