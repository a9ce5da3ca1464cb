/* Syscall names by number, for the architecture stacktop was built for. The
 * table is generated at build time from the kernel headers. */
#ifndef STACKTOP_SYSCALL_NAMES_H
#define STACKTOP_SYSCALL_NAMES_H

/* The generated table: names by number, NULL in the gaps. */
extern const char *const syscall_names_table[];
extern const int syscall_names_count;

/* The name of syscall nr (a static string), or NULL when it has none. */
const char *syscall_name(int nr);

/* The number of the syscall named name, or -1 when there is none. */
int syscall_number(const char *name);

#endif
