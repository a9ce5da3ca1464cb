#include "module.h"

#include "../xmalloc.h"
#include "module_debug.h"
#include "module_symbols.h"
#include "procfs_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A bound on what a hostile file can make us allocate. */
#define MODULE_MAX_SEGMENTS 256

struct module_segment {
	uint64_t vaddr, offset, filesz;
};

struct module {
	void *map;   /* our mmap, or NULL when the image is borrowed */
	void *owned; /* a decompressed image we allocated, or NULL */
	const char *image;
	size_t size;
	bool has_symtab; /* full symbols, not just the exported ones */
	unsigned char build_id[64];
	size_t build_id_len;
	char debuglink[256];                    /* .gnu_debuglink's file name, or "" */
	uint64_t debugdata_off, debugdata_size; /* .gnu_debugdata (xz), or 0 */
	struct module *debug;                   /* symbols from a debug file or MiniDebugInfo */
	struct module_segment *segs;
	size_t nsegs;
	uint64_t eh_hdr_vaddr, eh_hdr_size;
	Elf *elf;                       /* over image, for the module's life */
	struct module_symbols *symbols; /* its .symtab and .dynsym */
};

/* Takes the GNU build-id from a note section, if it holds one. */
static void
module_read_build_id(struct module *m, Elf_Scn *scn)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while (data != NULL && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp((char *)data->d_buf + name_off, "GNU", 4) == 0 && nh.n_descsz > 0 &&
		    nh.n_descsz <= sizeof(m->build_id)) {
			memcpy(m->build_id, (char *)data->d_buf + desc_off, nh.n_descsz);
			m->build_id_len = nh.n_descsz;
			return;
		}
	}
}

static int
module_parse(struct module *m)
{
	Elf *elf = m->elf = elf_memory((char *)m->image, m->size);
	Elf_Scn *scn = NULL;
	size_t phnum, shstrndx;
	GElf_Ehdr eh;

	if (elf == NULL || elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &eh) == NULL ||
	    elf_getphdrnum(elf, &phnum) != 0)
		return -ENOEXEC;
	m->symbols = module_symbols_new(elf, m->image, m->size);
	if (phnum > MODULE_MAX_SEGMENTS)
		phnum = MODULE_MAX_SEGMENTS;
	m->segs = xcalloc(phnum ? phnum : 1, sizeof(*m->segs));
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) != NULL && ph.p_type == PT_LOAD)
			m->segs[m->nsegs++] =
			    (struct module_segment){ph.p_vaddr, ph.p_offset, ph.p_filesz};
	}
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		shstrndx = 0;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *name;

		if (gelf_getshdr(scn, &sh) == NULL)
			continue;
		name = shstrndx ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
		if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) {
			module_symbols_note_table(m->symbols, scn, &sh);
		} else if (name && strcmp(name, ".eh_frame_hdr") == 0) {
			m->eh_hdr_vaddr = sh.sh_addr;
			m->eh_hdr_size = sh.sh_size;
		} else if (name && strcmp(name, ".gnu_debugdata") == 0) {
			m->debugdata_off = sh.sh_offset;
			m->debugdata_size = sh.sh_size;
		} else if (name && strcmp(name, ".gnu_debuglink") == 0) {
			const char *link = module_bytes(m, sh.sh_offset, sh.sh_size);

			if (link != NULL && sh.sh_size > 0)
				snprintf(m->debuglink, sizeof(m->debuglink), "%.*s",
				         (int)strnlen(link, sh.sh_size), link);
		} else if (sh.sh_type == SHT_NOTE) {
			module_read_build_id(m, scn);
		}
	}
	/* A file stripped of its symbols has no .symtab at all; one that has
	 * one is taken to name its functions without a debug file. */
	m->has_symtab = module_symbols_full(m->symbols);
	return 0;
}

int
module_from_memory(const void *image, size_t size, struct module **out)
{
	struct module *m = xcalloc(1, sizeof(*m));
	int err;

	elf_version(EV_CURRENT);
	m->image = image;
	m->size = size;
	err = module_parse(m);
	if (err != 0) {
		module_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int
module_open(const char *path, struct module **out)
{
	/* O_NONBLOCK: a FIFO where a file was expected (a target's own root
	 * holds what it likes) would block the open; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	void *map;
	int err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
		close(fd);
		return -ENOEXEC;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	err = module_from_memory(map, (size_t)st.st_size, out);
	if (err != 0) {
		munmap(map, (size_t)st.st_size);
		return err;
	}
	(*out)->map = map;
	return 0;
}

void
module_free(struct module *m)
{
	if (m == NULL)
		return;
	if (m->elf != NULL)
		elf_end(m->elf); /* before the image it reads goes */
	if (m->map != NULL)
		munmap(m->map, m->size);
	free(m->owned);
	module_free(m->debug);
	module_symbols_free(m->symbols);
	free(m->segs);
	free(m);
}

const void *
module_bytes(const struct module *m, uint64_t off, size_t len)
{
	if (off > m->size || len > m->size - off)
		return NULL;
	return m->image + off;
}

int
module_vaddr_of_offset(const struct module *m, uint64_t off, uint64_t *vaddr)
{
	const uint64_t page = 4096;

	for (size_t i = 0; i < m->nsegs; i++) {
		if ((m->segs[i].offset & ~(page - 1)) == off) {
			*vaddr = m->segs[i].vaddr & ~(page - 1);
			return 0;
		}
	}
	return -ENOENT;
}

int
module_offset_of_vaddr(const struct module *m, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < m->nsegs; i++) {
		const struct module_segment *s = &m->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->filesz) {
			*off = s->offset + (vaddr - s->vaddr);
			return 0;
		}
	}
	return -ENOENT;
}

int
module_eh_frame_hdr(const struct module *m, uint64_t *vaddr, uint64_t *size)
{
	if (m->eh_hdr_size == 0)
		return -ENOENT;
	*vaddr = m->eh_hdr_vaddr;
	*size = m->eh_hdr_size;
	return 0;
}

size_t
module_build_id(const struct module *m, const unsigned char **id)
{
	*id = m->build_id;
	return m->build_id_len;
}

const char *
module_debuglink(const struct module *m)
{
	return m->debuglink;
}

bool
module_has_symtab(const struct module *m)
{
	return m->has_symtab;
}

const char *
module_symbol(struct module *m, uint64_t vaddr, uint64_t *offset)
{
	const char *name;

	/* A debug file or MiniDebugInfo knows the static functions that a
	 * stripped file's .dynsym lacks; both use the file's link-time addresses. */
	if (m->debug != NULL &&
	    (name = module_symbols_lookup(m->debug->symbols, vaddr, offset)) != NULL)
		return name;
	return module_symbols_lookup(m->symbols, vaddr, offset);
}

/* MiniDebugInfo (Fedora and others): .gnu_debugdata is an xz-compressed ELF
 * holding the .symtab entries that .dynsym lacks. */
static void
module_load_minidebuginfo(struct module *m)
{
	const uint8_t *xz = module_bytes(m, m->debugdata_off, m->debugdata_size);
	size_t cap = 1 << 20, in_pos = 0, out_pos = 0;
	uint64_t memlimit = 256u << 20;
	uint8_t *out = NULL;
	lzma_ret r;

	if (xz == NULL || m->debugdata_size == 0)
		return;
	/* Grow the output until it fits, within a bound a hostile file cannot
	 * push past. */
	for (;;) {
		out = xreallocarray(out, cap, 1);
		in_pos = out_pos = 0;
		r = lzma_stream_buffer_decode(&memlimit, 0, NULL, xz, &in_pos, m->debugdata_size,
		                              out, &out_pos, cap);
		if (r != LZMA_BUF_ERROR || cap >= (64u << 20))
			break;
		cap *= 4;
	}
	if (r != LZMA_OK || module_from_memory(out, out_pos, &m->debug) != 0) {
		free(out);
		return;
	}
	m->debug->owned = out;
}

void
module_load_debug(struct module *m, const char *path,
                  int (*opener)(void *arg, const char *candidate, struct module **out), void *arg)
{
	if (m->has_symtab || m->debug != NULL)
		return;
	if (m->debugdata_size > 0)
		module_load_minidebuginfo(m);
	if (m->debug == NULL)
		(void)module_debug_find(m, path, opener, arg, &m->debug);
}

static void
module_find_all(const struct module *m, const char *const *names, size_t n,
                struct module_found *found)
{
	if (m->debug != NULL)
		module_find_all(m->debug, names, n, found);
	module_symbols_find(m->symbols, names, n, found);
}

void
module_find_symbols(const struct module *m, const char *const *names, size_t n,
                    struct module_found *found)
{
	memset(found, 0, n * sizeof(*found));
	module_find_all(m, names, n, found);
}

int
module_find_section(const struct module *m, const char *name, uint64_t *vaddr, uint64_t *size)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(m->elf, &shstrndx) != 0 || shstrndx == 0)
		return -ENOENT;
	while ((scn = elf_nextscn(m->elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *s;

		if (gelf_getshdr(scn, &sh) != NULL &&
		    (s = elf_strptr(m->elf, shstrndx, sh.sh_name)) != NULL &&
		    strcmp(s, name) == 0 && (sh.sh_flags & SHF_ALLOC) != 0) {
			*vaddr = sh.sh_addr;
			*size = sh.sh_size;
			return 0;
		}
	}
	return -ENOENT;
}

int
module_open_mapping(const char *root, int pid, const char *task, const struct procfs_map *map,
                    struct module **out)
{
	char path[512], task_root[512];
	int err;

	snprintf(path, sizeof(path), "%s/%d/map_files/%llx-%llx", root, pid,
	         (unsigned long long)map->start, (unsigned long long)map->end);
	if (module_open(path, out) != 0) {
		snprintf(path, sizeof(path), "%s/%s/root%s", root, task, map->path);
		if ((err = module_open(path, out)) != 0)
			return err;
	}
	/* A process in a container has its own debug files: they are looked
	 * for under its root first. */
	snprintf(task_root, sizeof(task_root), "%s/%s/root", root, task);
	module_load_debug(*out, map->path, module_debug_open,
	                  module_debug_other_root(task_root) ? task_root : NULL);
	return 0;
}
