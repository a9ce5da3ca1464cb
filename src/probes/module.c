#include "module.h"

#include "../xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
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
};

struct module_segment {
	uint64_t vaddr, offset, filesz;
};

struct module {
	void *map; /* our mmap, or NULL when the image is borrowed */
	const char *image;
	size_t size;
	struct module_segment *segs;
	size_t nsegs;
	uint64_t eh_hdr_vaddr, eh_hdr_size;
	struct module_symbol *syms; /* sorted by address */
	size_t nsyms;
};

static int
compare_symbols(const void *a, const void *b)
{
	const struct module_symbol *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
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
		m->syms[m->nsyms++] = (struct module_symbol){sym.st_value, sym.st_size, name};
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
		}
	}
	/* .symtab has the static functions too; .dynsym only the exported ones. */
	if (symtab != NULL)
		module_read_symbols(m, elf, symtab, &symtab_sh);
	if (m->nsyms == 0 && dynsym != NULL)
		module_read_symbols(m, elf, dynsym, &dynsym_sh);
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

const char *
module_symbol(const struct module *m, uint64_t vaddr, uint64_t *offset)
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
			return s->name;
		}
		if (lo - i > 8)
			break; /* far enough back: no enclosing symbol */
	}
	return NULL;
}
