/* Symbol names as a person reads them: C++ names demangled, ELF symbol
 * versions cut ("pthread_cond_wait@@GLIBC_2.3.2" -> "pthread_cond_wait",
 * as gdb prints it). Pure: no I/O, so tests and fuzzers drive it. */
#ifndef STACKTOP_DEMANGLE_H
#define STACKTOP_DEMANGLE_H

/* The readable form of symbol name raw (from an ELF file: untrusted, NUL
 * terminated). Returns an owned string (free with free()) when it differs
 * from raw, or NULL when raw reads as it is. A name that does not demangle
 * (not C++, malformed, or too long to be worth it) stays as it is, only
 * without its version. */
char *demangle_symbol(const char *raw);

#endif
