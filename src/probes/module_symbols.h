/* The symbols of one ELF image: its function symbols by address (.symtab,
 * else .dynsym), named as people read them (probes/demangle), and any
 * symbols by name. A module (module.c) has one of these for its own
 * tables, and looks in its debug file's or MiniDebugInfo's first.
 *
 * The tables are read on the first lookup, not at open: a module whose
 * debug file names every address looked up never reads its own .dynsym.
 * They are untrusted input: offsets and counts are bounded by the image. */
#ifndef STACKTOP_MODULE_SYMBOLS_H
#define STACKTOP_MODULE_SYMBOLS_H

#include "module.h"

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct module_symbols;

/* The symbols of the image [image, image + size) that elf reads (both
 * borrowed: they must outlive the result), with no table known until
 * module_symbols_note_table notes one. Returns an owned object (free with
 * module_symbols_free). */
struct module_symbols *module_symbols_new(Elf *elf, const char *image, size_t size);
void module_symbols_free(struct module_symbols *m);

/* Notes where symbol table section scn (header sh, SHT_SYMTAB or
 * SHT_DYNSYM) and its strings are; a table with the null symbol alone is
 * not noted. The image's parse calls it for each such section. */
void module_symbols_note_table(struct module_symbols *m, Elf_Scn *scn, const GElf_Shdr *sh);

/* True when a .symtab was noted: full symbols, not just the exported ones. */
bool module_symbols_full(const struct module_symbols *m);

/* The function containing link-time address vaddr, as module_symbol says it
 * (borrowed for the life of m), from these tables alone; NULL when no
 * symbol's extent covers it (*offset is then left as it was). */
const char *module_symbols_lookup(struct module_symbols *m, uint64_t vaddr, uint64_t *offset);

/* Looks names[0..n) up in .symtab, then in .dynsym while some are still
 * not found, every kind of symbol; found[k] for names[k], and a name found
 * already (found[k].found, in tables trusted more) is not looked for. */
void module_symbols_find(const struct module_symbols *m, const char *const *names, size_t n,
                         struct module_found *found);

#endif
