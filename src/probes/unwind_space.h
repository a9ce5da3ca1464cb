/* The address space of a target as the unwinder sees it: its maps, read
 * through the target's read_maps (struct unwinder_target, unwind.h), parsed
 * and sorted; the mapping that holds an address; and the files mappings
 * show, opened on our side through the target's open_module on first need
 * and kept for the space's life, each with its load bias and, for a
 * stripped Go binary, its function table. The unwinder's (probes/unwind.c)
 * own: other files go through its unwinder_* calls. */
#ifndef STACKTOP_UNWIND_SPACE_H
#define STACKTOP_UNWIND_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gopclntab;
struct module;
struct procfs_map;
struct unwinder_target;
struct unwind_space;

/* A mapping of the target, with its file opened on our side when it is one
 * (unwind_space_module). */
struct unwind_space_mapping {
	const struct procfs_map *map; /* in the space's maps */
	struct module *module;        /* borrowed from the cache; NULL if none */
	bool tried;                   /* module lookup done */
	uint64_t bias;                /* load address - link-time address */
	bool has_bias;
};

/* A space over target with arg (both borrowed: they must outlive it), with
 * no maps until unwind_space_refresh reads them. Returns an owned space
 * (free with unwind_space_free). */
struct unwind_space *unwind_space_new(const struct unwinder_target *target, void *arg);
void unwind_space_free(struct unwind_space *s);

/* Reads the maps again; when they changed (a library loaded or unloaded, an
 * exec), the mappings are the new maps' and *changed is set: what a caller
 * learnt per address may now be wrong. Files already opened stay cached.
 * Returns 0 or the -errno of read_maps (-ENOENT, -ESRCH: the process is
 * gone), the maps then as they were. */
int unwind_space_refresh(struct unwind_space *s, bool *changed);

/* The maps as last read, sorted by address: *maps is borrowed until the
 * next unwind_space_refresh or unwind_space_free. Returns how many. */
size_t unwind_space_maps(const struct unwind_space *s, const struct procfs_map **maps);

/* The mapping that holds addr in the maps as last read, or NULL; borrowed
 * until the next unwind_space_refresh. */
struct unwind_space_mapping *unwind_space_mapping(struct unwind_space *s, uint64_t addr);

/* The file that mapping m shows (m->module), opened on first use; NULL for
 * memory no file holds (anonymous, [stack], JIT code; the [vdso] is taken
 * as a file) or a file that cannot be opened. Borrowed for the space's
 * life. */
struct module *unwind_space_module(struct unwind_space *s, struct unwind_space_mapping *m);

/* The load bias of the file mapping m shows, in *bias. False when m shows
 * no file, or no mapping of the file says where it is loaded. */
bool unwind_space_bias(struct unwind_space *s, struct unwind_space_mapping *m, uint64_t *bias);

/* The file that map (one of unwind_space_maps) shows, opened with its debug
 * symbols on first use and kept: also a file no address was looked up in
 * yet. Borrowed for the space's life; NULL when it cannot be opened. */
struct module *unwind_space_file(struct unwind_space *s, const struct procfs_map *map);

/* The Go function table of mod (a file of the space's), found and read on
 * first use; NULL when it has none we can read. Borrowed for the space's
 * life. */
const struct gopclntab *unwind_space_go_table(struct unwind_space *s, struct module *mod);

/* unwinder_stack_extent's answer, from the maps as last read. */
uint64_t unwind_space_stack_extent(struct unwind_space *s, uint64_t addr, uint64_t tp);

#endif
