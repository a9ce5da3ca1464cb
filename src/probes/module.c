#include "module.h"

#include "../xmalloc.h"
#include "demangle.h"
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

/* Bounds on what a hostile file can make us allocate. */
#define MODULE_MAX_SYMBOLS  (4u << 20)
#define MODULE_MAX_SEGMENTS 256

struct module_symbol {
	uint64_t addr;
	uint64_t size;
	const char *name; /* in the image */
	bool local;       /* STB_LOCAL: a file's own alias (glibc's __GI_*) */
};

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
	struct module_symbol *syms; /* sorted by address */
	size_t nsyms;
	/* Per symbol, the name as printed (module_display_name): NULL until
	 * first looked up, else the symbol's own name or an owned string. */
	const char **display;
};

static size_t
leading_underscores(const char *s)
{
	return strspn(s, "_");
}

/* By address; aliases of one address ordered from the least to the most
 * readable, so that a lookup, which takes the last one that covers an
 * address, names it as people know it: a global name before a local alias
 * (clone3, not __GI___clone3), fewer leading underscores (read, not __read),
 * then the shorter name. */
static int
compare_symbols(const void *a, const void *b)
{
	const struct module_symbol *x = a, *y = b;
	size_t ux, uy, lx, ly;

	if (x->addr != y->addr)
		return (x->addr > y->addr) - (x->addr < y->addr);
	if (x->local != y->local)
		return x->local ? -1 : 1;
	ux = leading_underscores(x->name), uy = leading_underscores(y->name);
	if (ux != uy)
		return ux > uy ? -1 : 1;
	lx = strlen(x->name), ly = strlen(y->name);
	if (lx != ly)
		return lx > ly ? -1 : 1;
	return -strcmp(x->name, y->name);
}

/* A string of the image at offset off of section strtab, NUL-terminated
 * within the file, or NULL. */
static const char *
module_string(const struct module *m, const GElf_Shdr *strtab, size_t off)
{
	const char *s;

	if (off >= strtab->sh_size || strtab->sh_offset > m->size ||
	    off >= m->size - strtab->sh_offset)
		return NULL;
	s = m->image + strtab->sh_offset + off;
	if (memchr(s, '\0', m->size - (size_t)(s - m->image)) == NULL)
		return NULL;
	return s;
}

/* Collects the function symbols of one symbol table section. */
static void
module_read_symbols(struct module *m, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Scn *strscn = elf_getscn(elf, sh->sh_link);
	GElf_Shdr strsh;
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count;

	if (strscn == NULL || gelf_getshdr(strscn, &strsh) == NULL || data == NULL ||
	    sh->sh_entsize == 0)
		return;
	count = data->d_size / sh->sh_entsize;
	if (count > MODULE_MAX_SYMBOLS)
		count = MODULE_MAX_SYMBOLS;
	m->syms = xreallocarray(m->syms, m->nsyms + count + 1, sizeof(*m->syms));
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		const char *name;

		if (gelf_getsym(data, (int)i, &sym) == NULL)
			break;
		if ((GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
		     GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC) ||
		    sym.st_value == 0 || sym.st_shndx == SHN_UNDEF)
			continue;
		name = module_string(m, &strsh, sym.st_name);
		if (name == NULL || *name == '\0')
			continue;
		m->syms[m->nsyms++] = (struct module_symbol){
		    sym.st_value, sym.st_size, name, GELF_ST_BIND(sym.st_info) == STB_LOCAL};
	}
}

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
	Elf *elf = elf_memory((char *)m->image, m->size);
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	GElf_Shdr symtab_sh, dynsym_sh;
	size_t phnum, shstrndx;
	GElf_Ehdr eh;

	if (elf == NULL)
		return -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &eh) == NULL ||
	    elf_getphdrnum(elf, &phnum) != 0) {
		elf_end(elf);
		return -ENOEXEC;
	}
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
		if (sh.sh_type == SHT_SYMTAB) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsym_sh = sh;
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
	/* .symtab has the static functions too; .dynsym only the exported ones. */
	if (symtab != NULL)
		module_read_symbols(m, elf, symtab, &symtab_sh);
	m->has_symtab = m->nsyms > 0;
	if (m->nsyms == 0 && dynsym != NULL)
		module_read_symbols(m, elf, dynsym, &dynsym_sh);
	if (m->nsyms > 0)
		qsort(m->syms, m->nsyms, sizeof(*m->syms), compare_symbols);
	elf_end(elf);
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
	if (m->map != NULL)
		munmap(m->map, m->size);
	free(m->owned);
	module_free(m->debug);
	for (size_t i = 0; m->display != NULL && i < m->nsyms; i++)
		if (m->display[i] != m->syms[i].name)
			free((char *)m->display[i]);
	free(m->display);
	free(m->segs);
	free(m->syms);
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

/* The index of the function symbol whose extent covers vaddr, or -1. */
static ptrdiff_t
module_lookup(const struct module *m, uint64_t vaddr, uint64_t *offset)
{
	size_t lo = 0, hi = m->nsyms;

	/* The last symbol starting at or before vaddr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Aliases share an address; any whose extent covers vaddr will do. */
	for (size_t i = lo; i > 0 && m->syms[i - 1].addr <= vaddr; i--) {
		const struct module_symbol *s = &m->syms[i - 1];

		if (vaddr - s->addr < s->size) {
			*offset = vaddr - s->addr;
			return (ptrdiff_t)(i - 1);
		}
		if (lo - i > 8)
			break; /* far enough back: no enclosing symbol */
	}
	return -1;
}

/* Symbol i's name as printed: demangled and without its version, worked out
 * on its first lookup only (a profile looks the same symbols up again and
 * again). */
static const char *
module_display_name(struct module *m, size_t i)
{
	if (m->display == NULL)
		m->display = xcalloc(m->nsyms, sizeof(*m->display));
	if (m->display[i] == NULL) {
		char *readable = demangle_symbol(m->syms[i].name);

		m->display[i] = readable != NULL ? readable : m->syms[i].name;
	}
	return m->display[i];
}

const char *
module_symbol(struct module *m, uint64_t vaddr, uint64_t *offset)
{
	ptrdiff_t i;

	/* A debug file or MiniDebugInfo knows the static functions that a
	 * stripped file's .dynsym lacks; both use the file's link-time addresses. */
	if (m->debug != NULL && (i = module_lookup(m->debug, vaddr, offset)) >= 0)
		return module_display_name(m->debug, (size_t)i);
	i = module_lookup(m, vaddr, offset);
	return i >= 0 ? module_display_name(m, (size_t)i) : NULL;
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

/* A separate debug file: by build-id under /usr/lib/debug/.build-id, then by
 * .gnu_debuglink next to the file, in .debug/ there, and under
 * /usr/lib/debug. (The CRC in the debuglink is not checked: a mismatching
 * file yields wrong names only if it has the same name and build, which the
 * build-id path rules out first.) */
static void
module_load_debug_file(struct module *m, const char *dir)
{
	char path[1024];
	size_t n;

	if (m->build_id_len > 1) {
		n = (size_t)snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%02x/",
		                     m->build_id[0]);
		for (size_t i = 1; i < m->build_id_len && n + 3 < sizeof(path); i++)
			n += (size_t)snprintf(path + n, sizeof(path) - n, "%02x", m->build_id[i]);
		snprintf(path + n, sizeof(path) - n, ".debug");
		if (module_open(path, &m->debug) == 0)
			return;
	}
	if (m->debuglink[0] == '\0' || dir == NULL)
		return;
	const char *const patterns[] = {"%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s"};
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		snprintf(path, sizeof(path), patterns[i], dir, m->debuglink);
		if (module_open(path, &m->debug) == 0 && m->debug->has_symtab)
			return;
		module_free(m->debug);
		m->debug = NULL;
	}
}

void
module_load_debug(struct module *m, const char *path)
{
	char dir[512];
	const char *slash;

	if (m->has_symtab || m->debug != NULL)
		return;
	if (m->debugdata_size > 0)
		module_load_minidebuginfo(m);
	if (m->debug != NULL)
		return;
	slash = strrchr(path, '/');
	if (slash != NULL && (size_t)(slash - path) < sizeof(dir)) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		module_load_debug_file(m, dir);
	} else {
		module_load_debug_file(m, NULL);
	}
}

/* Looks name up in one symbol table section of elf. */
static int
module_find_in(const struct module *m, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
               const char *name, uint64_t *vaddr, uint64_t *size)
{
	Elf_Scn *strscn = elf_getscn(elf, sh->sh_link);
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Shdr strsh;
	size_t count;

	if (strscn == NULL || gelf_getshdr(strscn, &strsh) == NULL || data == NULL ||
	    sh->sh_entsize == 0)
		return -ENOENT;
	count = data->d_size / sh->sh_entsize;
	for (size_t i = 0; i < count && i < MODULE_MAX_SYMBOLS; i++) {
		GElf_Sym sym;
		const char *s;

		if (gelf_getsym(data, (int)i, &sym) == NULL)
			break;
		if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
			continue;
		s = module_string(m, &strsh, sym.st_name);
		if (s != NULL && strcmp(s, name) == 0) {
			*vaddr = sym.st_value;
			*size = sym.st_size;
			return 0;
		}
	}
	return -ENOENT;
}

int
module_find_symbol(const struct module *m, const char *name, uint64_t *vaddr, uint64_t *size)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	int err = -ENOENT;

	if (m->debug != NULL && module_find_symbol(m->debug, name, vaddr, size) == 0)
		return 0;
	elf_version(EV_CURRENT);
	if ((elf = elf_memory((char *)m->image, m->size)) == NULL)
		return -ENOENT;
	while (err != 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) != NULL &&
		    (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			err = module_find_in(m, elf, scn, &sh, name, vaddr, size);
	}
	elf_end(elf);
	return err;
}

int
module_find_section(const struct module *m, const char *name, uint64_t *vaddr, uint64_t *size)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int err = -ENOENT;

	elf_version(EV_CURRENT);
	if ((elf = elf_memory((char *)m->image, m->size)) == NULL)
		return -ENOENT;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		shstrndx = 0;
	while (err != 0 && shstrndx != 0 && (scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		const char *s;

		if (gelf_getshdr(scn, &sh) != NULL &&
		    (s = elf_strptr(elf, shstrndx, sh.sh_name)) != NULL && strcmp(s, name) == 0 &&
		    (sh.sh_flags & SHF_ALLOC) != 0) {
			*vaddr = sh.sh_addr;
			*size = sh.sh_size;
			err = 0;
		}
	}
	elf_end(elf);
	return err;
}

int
module_open_mapping(const char *root, int pid, const char *task, const struct procfs_map *map,
                    struct module **out)
{
	char path[512];
	int err;

	snprintf(path, sizeof(path), "%s/%d/map_files/%llx-%llx", root, pid,
	         (unsigned long long)map->start, (unsigned long long)map->end);
	if (module_open(path, out) != 0) {
		snprintf(path, sizeof(path), "%s/%s/root%s", root, task, map->path);
		if ((err = module_open(path, out)) != 0)
			return err;
	}
	module_load_debug(*out, map->path);
	return 0;
}
