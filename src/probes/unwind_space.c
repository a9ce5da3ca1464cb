#include "unwind_space.h"

#include "../xmalloc.h"
#include "gopclntab.h"
#include "module.h"
#include "procfs_parse.h"
#include "unwind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file the target maps, opened on our side. Kept across maps changes:
 * a library unmapped and mapped again is not parsed twice. The file is known
 * by its inode and path (a rebuilt file gets a new inode). */
struct module_entry {
	uint64_t inode;
	char path[256];
	struct module *module; /* owned; NULL when it could not be opened */
	/* Its Go function table, for names where no symbol covers an address
	 * (a stripped Go binary): looked for on first need. */
	bool go_tried;
	struct gopclntab go; /* go.data NULL: none */
};

struct unwind_space {
	const struct unwinder_target *target;
	void *arg;       /* given to target's calls */
	char *maps_text; /* the maps the mappings were parsed from */
	size_t maps_len;
	struct procfs_map *map_list;       /* parsed from maps_text */
	struct unwind_space_mapping *maps; /* one per map_list entry */
	size_t nmaps;
	struct module_entry *modules; /* one per distinct file */
	size_t nmodules;
};

struct unwind_space *
unwind_space_new(const struct unwinder_target *target, void *arg)
{
	struct unwind_space *s = xcalloc(1, sizeof(*s));

	s->target = target;
	s->arg = arg;
	return s;
}

void
unwind_space_free(struct unwind_space *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nmodules; i++)
		module_free(s->modules[i].module);
	free(s->modules);
	free(s->maps);
	free(s->map_list);
	free(s->maps_text);
	free(s);
}

int
unwind_space_refresh(struct unwind_space *s, bool *changed)
{
	struct procfs_map *maps;
	char *buf;
	ssize_t n;
	size_t count;

	*changed = false;
	n = s->target->read_maps(s->arg, &buf);
	if (n < 0)
		return (int)n;
	if (s->maps_text != NULL && (size_t)n == s->maps_len &&
	    memcmp(buf, s->maps_text, s->maps_len) == 0) {
		free(buf);
		return 0;
	}
	count = procfs_parse_maps(buf, (size_t)n, &maps);
	free(s->maps_text);
	s->maps_text = buf;
	s->maps_len = (size_t)n;
	free(s->maps);
	free(s->map_list);
	s->map_list = maps;
	s->maps = xcalloc(count ? count : 1, sizeof(*s->maps));
	for (size_t i = 0; i < count; i++)
		s->maps[i].map = &maps[i];
	s->nmaps = count;
	*changed = true;
	return 0;
}

struct unwind_space_mapping *
unwind_space_mapping(struct unwind_space *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nmaps;

	/* maps are sorted by address and do not overlap. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < s->maps[mid].map->start)
			hi = mid;
		else if (addr >= s->maps[mid].map->end)
			lo = mid + 1;
		else
			return &s->maps[mid];
	}
	return NULL;
}

uint64_t
unwind_space_stack_extent(struct unwind_space *s, uint64_t addr, uint64_t tp)
{
	const struct unwind_space_mapping *m = unwind_space_mapping(s, addr);

	if (m == NULL || !(strcmp(m->map->path, "[stack]") == 0 || (tp > addr && tp < m->map->end)))
		return 0;
	return m->map->end - addr;
}

const struct gopclntab *
unwind_space_go_table(struct unwind_space *s, struct module *mod)
{
	struct module_entry *e = NULL;
	uint64_t vaddr, size, off, text = 0, text_size;
	const void *bytes;

	for (size_t i = 0; i < s->nmodules && e == NULL; i++)
		if (s->modules[i].module == mod)
			e = &s->modules[i];
	if (e == NULL)
		return NULL;
	if (!e->go_tried) {
		e->go_tried = true;
		if (module_find_section(mod, ".gopclntab", &vaddr, &size) == 0 &&
		    module_offset_of_vaddr(mod, vaddr, &off) == 0 && size <= SIZE_MAX &&
		    (bytes = module_bytes(mod, off, (size_t)size)) != NULL) {
			(void)module_find_section(mod, ".text", &text, &text_size);
			if (gopclntab_parse(bytes, (size_t)size, text, &e->go) != 0)
				e->go.data = NULL;
		}
	}
	return e->go.data != NULL ? &e->go : NULL;
}

/* The module of the file a mapping shows, opened on first use. A file that
 * cannot be opened is cached too, so that each sample does not try again. */
struct module *
unwind_space_file(struct unwind_space *s, const struct procfs_map *map)
{
	struct module_entry *e;
	struct module *mod = NULL;

	for (size_t i = 0; i < s->nmodules; i++)
		if (s->modules[i].inode == map->inode && strcmp(s->modules[i].path, map->path) == 0)
			return s->modules[i].module;
	if (s->target->open_module(s->arg, map, &mod) != 0)
		mod = NULL;
	s->modules = xreallocarray(s->modules, s->nmodules + 1, sizeof(*s->modules));
	e = &s->modules[s->nmodules++];
	*e = (struct module_entry){.inode = map->inode};
	snprintf(e->path, sizeof(e->path), "%s", map->path);
	e->module = mod;
	return mod;
}

size_t
unwind_space_maps(const struct unwind_space *s, const struct procfs_map **maps)
{
	*maps = s->map_list;
	return s->nmaps;
}

struct module *
unwind_space_module(struct unwind_space *s, struct unwind_space_mapping *m)
{
	if (m->tried)
		return m->module;
	m->tried = true;
	if ((m->map->inode == 0 || m->map->path[0] != '/') && strcmp(m->map->path, "[vdso]") != 0)
		return NULL;
	m->module = unwind_space_file(s, m->map);
	if (m->module != NULL && module_vaddr_of_offset(m->module, m->map->offset, &m->bias) == 0) {
		m->bias = m->map->start - m->bias;
		m->has_bias = true;
	}
	return m->module;
}

/* The load bias of the module a mapping belongs to: from this mapping, or
 * from another mapping of the same file when this one has no PT_LOAD of its
 * own. */
bool
unwind_space_bias(struct unwind_space *s, struct unwind_space_mapping *m, uint64_t *bias)
{
	if (unwind_space_module(s, m) == NULL)
		return false;
	for (size_t i = 0; !m->has_bias && i < s->nmaps; i++) {
		struct unwind_space_mapping *o = &s->maps[i];

		if (o->map->inode == m->map->inode && strcmp(o->map->path, m->map->path) == 0 &&
		    unwind_space_module(s, o) != NULL && o->has_bias) {
			m->bias = o->bias;
			m->has_bias = true;
		}
	}
	*bias = m->bias;
	return m->has_bias;
}
