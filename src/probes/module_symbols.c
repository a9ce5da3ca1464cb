#include "module_symbols.h"

#include "../xmalloc.h"
#include "demangle.h"

#include <stdlib.h>
#include <string.h>

/* Lookups answered by a scan of the unsorted symbols before they are
 * sorted: a scan costs about what 1/32 of a sort does whatever the number
 * of symbols, and a dump looks up a few dozen distinct addresses per file
 * (a profile many more). */
#define MODULE_SCANS 32
/* Recent lookups kept per module (idle threads wait in the same places). */
#define MODULE_RECENT 256

/* Bounds on what a hostile file can make us allocate. */
#define MODULE_MAX_SYMBOLS (4u << 20)

/* A function symbol, 16 bytes: a libc debug file has some 7,000, and every
 * page of them is a page fault. */
struct module_function {
	uint64_t addr;
	uint32_t size;      /* bytes; a larger one is cut (a hostile file) */
	uint32_t name : 31; /* offset in the table's string section */
	uint32_t local : 1; /* STB_LOCAL: a file's own alias (glibc's __GI_*) */
};

/* Where a symbol table and its strings are, read at open and its symbols
 * only on the first lookup: a module whose debug file names every address
 * looked up never reads its own .dynsym. */
struct module_table {
	size_t index;     /* the section's index, 0 for none */
	uint64_t str_off; /* its string section, in the file */
	uint64_t str_size;
};

/* One lookup's answer, kept: the symbol's index or -1 for none. */
struct module_recent {
	uint64_t vaddr;
	int64_t index; /* -2: an empty slot */
};

struct module_symbols {
	Elf *elf; /* the module's, over image */
	const char *image;
	size_t size;
	struct module_table symtab, dynsym;
	bool syms_read;
	struct module_function *syms; /* in file order until sorted by address */
	size_t nsyms;
	bool syms_sorted;
	unsigned scans;               /* lookups answered by a scan so far */
	struct module_recent *recent; /* MODULE_RECENT, by address hash */
	const char *strings;          /* of the table syms came from */
	uint64_t strings_size;
	/* Per symbol, the name as printed (module_display_name): NULL until
	 * first looked up, else the symbol's own name or an owned string. */
	const char **display;
};

/* Empties the answers kept (all slots -2). */
static void
module_forget_recent(struct module_symbols *m)
{
	for (size_t i = 0; i < MODULE_RECENT; i++)
		m->recent[i].index = -2;
}

/* Swaps symbols i and j, and their display names with them. */
static void
module_swap_symbols(struct module_symbols *m, size_t i, size_t j)
{
	struct module_function tmp = m->syms[i];

	m->syms[i] = m->syms[j];
	m->syms[j] = tmp;
	if (m->display != NULL) {
		const char *name = m->display[i];

		m->display[i] = m->display[j];
		m->display[j] = name;
	}
}

/* Moves symbol i down the max-heap of the first n by address. */
static void
module_sift_down(struct module_symbols *m, size_t i, size_t n)
{
	const struct module_function *syms = m->syms;

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= n)
			return;
		if (child + 1 < n && syms[child + 1].addr > syms[child].addr)
			child++;
		if (syms[i].addr >= syms[child].addr)
			return;
		module_swap_symbols(m, i, child);
		i = child;
	}
}

/* Sorts the symbols by address only (aliases of one address are told apart
 * at lookup). A heapsort: in place, because glibc's qsort copies the array
 * into a buffer of its size whose every page faults in, and in n log n
 * whatever order a hostile file puts its symbols in. The answers kept were
 * indexes into the unsorted array. */
static void
module_sort_symbols(struct module_symbols *m)
{
	size_t n = m->nsyms;

	for (size_t i = n / 2; i > 0; i--)
		module_sift_down(m, i - 1, n);
	for (size_t end = n; end > 1; end--) {
		module_swap_symbols(m, 0, end - 1);
		module_sift_down(m, 0, end - 1);
	}
	m->syms_sorted = true;
	module_forget_recent(m);
}

/* The name of symbol s: NUL-terminated within the file, else "". */
static const char *
module_symbol_name(const struct module_symbols *m, const struct module_function *s)
{
	const char *name = m->strings + s->name;

	return memchr(name, '\0', m->strings_size - s->name) != NULL ? name : "";
}

static size_t
leading_underscores(const char *s)
{
	return strspn(s, "_");
}

/* True when name a reads better than name b for one address: a global name
 * before a local alias (clone3, not __GI___clone3), fewer leading
 * underscores (read, not __read), then the shorter name, then the first in
 * byte order (so that the choice does not depend on the sort). */
static bool
module_reads_better(const struct module_function *a, const char *an,
                    const struct module_function *b, const char *bn)
{
	size_t ua = leading_underscores(an), ub = leading_underscores(bn);
	size_t la = strlen(an), lb = strlen(bn);

	if (a->local != b->local)
		return !a->local;
	if (ua != ub)
		return ua < ub;
	if (la != lb)
		return la < lb;
	return strcmp(an, bn) < 0;
}

/* A symbol table's entries, ready to be read one by one. */
struct module_entries {
	Elf_Data *data;
	size_t count;
	bool in_place; /* an array of Elf64_Sym we read directly */
};

/* The entries of table t (at most MODULE_MAX_SYMBOLS), or false when it has
 * none we can read. A 64-bit file's entries are read in place: gelf_getsym
 * copies and checks each one, a third of the time a dump of a program with
 * a few hundred thousand symbols took. */
static bool
module_entries(const struct module_symbols *m, const struct module_table *t,
               struct module_entries *e)
{
	Elf_Scn *scn = t->index != 0 ? elf_getscn(m->elf, t->index) : NULL;
	GElf_Shdr sh;

	e->data = scn != NULL ? elf_getdata(scn, NULL) : NULL;
	if (e->data == NULL || gelf_getshdr(scn, &sh) == NULL || sh.sh_entsize == 0 ||
	    t->str_off > m->size || t->str_size > m->size - t->str_off)
		return false;
	e->count = e->data->d_size / sh.sh_entsize;
	if (e->count > MODULE_MAX_SYMBOLS)
		e->count = MODULE_MAX_SYMBOLS;
	e->in_place = gelf_getclass(m->elf) == ELFCLASS64 && e->data->d_type == ELF_T_SYM &&
	              sh.sh_entsize == sizeof(Elf64_Sym) && e->data->d_buf != NULL &&
	              (uintptr_t)e->data->d_buf % _Alignof(Elf64_Sym) == 0;
	return true;
}

/* Entry i of e (i < e->count), or false when libelf cannot read it. */
static bool
module_entry(const struct module_entries *e, size_t i, GElf_Sym *sym)
{
	if (e->in_place) {
		*sym = ((const Elf64_Sym *)e->data->d_buf)[i];
		return true;
	}
	return gelf_getsym(e->data, (int)i, sym) != NULL;
}

/* True when sym is a function symbol of table t that names something. */
static bool
module_keeps(const GElf_Sym *sym, const struct module_table *t)
{
	return (GELF_ST_TYPE(sym->st_info) == STT_FUNC ||
	        GELF_ST_TYPE(sym->st_info) == STT_GNU_IFUNC) &&
	       sym->st_value != 0 && sym->st_shndx != SHN_UNDEF && sym->st_name != 0 &&
	       sym->st_name < t->str_size && sym->st_name <= INT32_MAX;
}

/* Collects the function symbols of table t, in file order. They are
 * counted first: the room for them is populated at once (cheaper than
 * faulting each page in), and a table of mostly data symbols would
 * otherwise populate room for all of them. */
static void
module_read_symbols(struct module_symbols *m, const struct module_table *t)
{
	struct module_entries e;
	size_t kept = 0;
	GElf_Sym sym;

	if (!module_entries(m, t, &e))
		return;
	for (size_t i = 0; i < e.count && module_entry(&e, i, &sym); i++)
		kept += module_keeps(&sym, t);
	m->strings = m->image + t->str_off;
	m->strings_size = t->str_size;
	m->syms = xreallocarray_populated(NULL, 0, kept ? kept : 1, sizeof(*m->syms));
	for (size_t i = 0; i < e.count && m->nsyms < kept && module_entry(&e, i, &sym); i++) {
		if (!module_keeps(&sym, t))
			continue;
		m->syms[m->nsyms++] = (struct module_function){
		    .addr = sym.st_value,
		    .size = sym.st_size > UINT32_MAX ? UINT32_MAX : (uint32_t)sym.st_size,
		    .name = (uint32_t)sym.st_name,
		    .local = GELF_ST_BIND(sym.st_info) == STB_LOCAL,
		};
	}
}

/* Reads the symbols, on the first lookup: .symtab has the static functions
 * too; .dynsym only the exported ones. */
static void
module_load_symbols(struct module_symbols *m)
{
	if (m->syms_read)
		return;
	m->syms_read = true;
	m->recent = xcalloc(MODULE_RECENT, sizeof(*m->recent));
	module_forget_recent(m);
	if (m->symtab.index != 0)
		module_read_symbols(m, &m->symtab);
	if (m->nsyms == 0 && m->dynsym.index != 0) {
		free(m->syms);
		m->syms = NULL;
		module_read_symbols(m, &m->dynsym);
	}
}

void
module_symbols_note_table(struct module_symbols *m, Elf_Scn *scn, const GElf_Shdr *sh)
{
	struct module_table *t = sh->sh_type == SHT_SYMTAB ? &m->symtab : &m->dynsym;
	Elf_Scn *strscn = elf_getscn(m->elf, sh->sh_link);
	GElf_Shdr strsh;

	if (sh->sh_entsize == 0 || sh->sh_size < 2 * sh->sh_entsize || strscn == NULL ||
	    gelf_getshdr(strscn, &strsh) == NULL || strsh.sh_type == SHT_NOBITS)
		return; /* empty: the null symbol alone */
	*t = (struct module_table){elf_ndxscn(scn), strsh.sh_offset, strsh.sh_size};
}

static bool
module_in_image(const struct module_symbols *m, const char *p)
{
	return (uintptr_t)p >= (uintptr_t)m->image && (uintptr_t)p - (uintptr_t)m->image < m->size;
}

struct module_symbols *
module_symbols_new(Elf *elf, const char *image, size_t size)
{
	struct module_symbols *m = xcalloc(1, sizeof(*m));

	m->elf = elf;
	m->image = image;
	m->size = size;
	return m;
}

void
module_symbols_free(struct module_symbols *m)
{
	if (m == NULL)
		return;
	/* A display name is the symbol's own, in the image, or one we made. */
	for (size_t i = 0; m->display != NULL && i < m->nsyms; i++)
		if (m->display[i] != NULL && !module_in_image(m, m->display[i]))
			free((char *)m->display[i]);
	free(m->display);
	free(m->syms);
	free(m->recent);
	free(m);
}

bool
module_symbols_full(const struct module_symbols *m)
{
	return m->symtab.index != 0;
}

/* How far back from the last symbol at or before an address a lookup in the
 * sorted symbols looks for one that encloses it (a nested or aliased symbol
 * between them). */
#define MODULE_LOOKBACK 16

/* True when symbol c (named cn) is a better answer for an address it covers
 * than best (-1: none yet): a nearer start (the innermost of nested
 * symbols), then of aliases the one that reads best. */
static bool
module_better_answer(const struct module_symbols *m, const struct module_function *c,
                     const char *cn, ptrdiff_t best)
{
	const struct module_function *b = &m->syms[best];

	if (best < 0 || c->addr > b->addr)
		return true;
	return c->addr == b->addr && module_reads_better(c, cn, b, module_symbol_name(m, b));
}

/* True when symbol s covers vaddr and has a name to print. */
static bool
module_covers(const struct module_symbols *m, const struct module_function *s, uint64_t vaddr)
{
	return s->addr <= vaddr && vaddr - s->addr < s->size && *module_symbol_name(m, s) != '\0';
}

/* The answer from the unsorted symbols: one pass over all of them. */
static ptrdiff_t
module_scan(const struct module_symbols *m, uint64_t vaddr)
{
	ptrdiff_t best = -1;

	for (size_t i = 0; i < m->nsyms; i++) {
		const struct module_function *s = &m->syms[i];

		if (module_covers(m, s, vaddr) &&
		    module_better_answer(m, s, module_symbol_name(m, s), best))
			best = (ptrdiff_t)i;
	}
	return best;
}

/* The answer from the sorted symbols: a binary search for the last one
 * starting at or before vaddr, then back from there. */
static ptrdiff_t
module_search(const struct module_symbols *m, uint64_t vaddr)
{
	size_t lo = 0, hi = m->nsyms;
	ptrdiff_t best = -1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i > 0 && lo - i < MODULE_LOOKBACK; i--) {
		const struct module_function *s = &m->syms[i - 1];

		if (best >= 0 && s->addr != m->syms[best].addr)
			break; /* past the aliases of the one found */
		if (module_covers(m, s, vaddr) &&
		    module_better_answer(m, s, module_symbol_name(m, s), best))
			best = (ptrdiff_t)(i - 1);
	}
	return best;
}

/* The index of the function symbol whose extent covers vaddr, or -1: the
 * nearest one below it, and of its aliases (one address, several names)
 * the one that reads best. The first lookups scan the symbols as read;
 * after MODULE_SCANS, they are sorted once and searched. */
static ptrdiff_t
module_lookup(struct module_symbols *m, uint64_t vaddr, uint64_t *offset)
{
	struct module_recent *r;
	ptrdiff_t best;

	module_load_symbols(m);
	r = &m->recent[(vaddr * 0x9e3779b97f4a7c15u >> 32) % MODULE_RECENT];
	if (r->index != -2 && r->vaddr == vaddr) {
		best = (ptrdiff_t)r->index;
	} else {
		if (!m->syms_sorted && m->scans++ >= MODULE_SCANS)
			module_sort_symbols(m);
		best = m->syms_sorted ? module_search(m, vaddr) : module_scan(m, vaddr);
		*r = (struct module_recent){vaddr, best};
	}
	if (best >= 0)
		*offset = vaddr - m->syms[best].addr;
	return best;
}

/* Symbol i's name as printed: demangled and without its version, worked out
 * on its first lookup only (a profile looks the same symbols up again and
 * again). */
static const char *
module_display_name(struct module_symbols *m, size_t i)
{
	const char *name = module_symbol_name(m, &m->syms[i]);

	if (m->display == NULL)
		m->display = xcalloc(m->nsyms, sizeof(*m->display));
	if (m->display[i] == NULL) {
		char *readable = demangle_symbol(name);

		m->display[i] = readable != NULL ? readable : name;
	}
	return m->display[i];
}

const char *
module_symbols_lookup(struct module_symbols *m, uint64_t vaddr, uint64_t *offset)
{
	ptrdiff_t i = module_lookup(m, vaddr, offset);

	return i >= 0 ? module_display_name(m, (size_t)i) : NULL;
}

/* Looks names[0..n) up in one pass over symbol table t, every kind of
 * symbol; a name found already (in a table trusted more) is not looked for.
 * Returns how many of them are still not found. */
static size_t
module_find_in(const struct module_symbols *m, const struct module_table *t,
               const char *const *names, size_t n, struct module_found *found)
{
	size_t missing = 0;
	struct module_entries e;
	const char *strings;

	for (size_t k = 0; k < n; k++)
		missing += !found[k].found;
	if (missing == 0 || !module_entries(m, t, &e))
		return missing;
	strings = m->image + t->str_off; /* within the image: module_entries checked */
	for (size_t i = 0; i < e.count && missing > 0; i++) {
		GElf_Sym sym;

		if (!module_entry(&e, i, &sym))
			break;
		if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0 || sym.st_name >= t->str_size)
			continue;
		for (size_t k = 0; k < n; k++) {
			size_t len = strlen(names[k]);

			if (found[k].found || t->str_size - sym.st_name <= len ||
			    memcmp(strings + sym.st_name, names[k], len + 1) != 0)
				continue;
			found[k] = (struct module_found){true, sym.st_value, sym.st_size};
			missing--;
		}
	}
	return missing;
}

void
module_symbols_find(const struct module_symbols *m, const char *const *names, size_t n,
                    struct module_found *found)
{
	if (module_find_in(m, &m->symtab, names, n, found) > 0)
		module_find_in(m, &m->dynsym, names, n, found);
}
