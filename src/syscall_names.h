/* Syscalls by number, for the architecture stacktop was built for: their
 * names (the table is generated at build time from the kernel headers) and
 * what stands in a thread's syscall when it is in none. */
#ifndef STACKTOP_SYSCALL_NAMES_H
#define STACKTOP_SYSCALL_NAMES_H

/* A thread's syscall (/proc/PID/task/TID/syscall): a number, or one of
 * these. */
enum {
	SYSCALL_RUNNING = -1, /* on a CPU: no syscall to report */
	SYSCALL_NONE = -2,    /* blocked, but not in a syscall (e.g. a fault) */
	SYSCALL_UNKNOWN = -3, /* unreadable or malformed */
};

/* The generated table: names by number, NULL in the gaps. */
extern const char *const syscall_names_table[];
extern const int syscall_names_count;

/* The name of syscall nr (a static string), or NULL when it has none. */
const char *syscall_name(int nr);

/* The number of the syscall named name, or -1 when there is none. */
int syscall_number(const char *name);

#endif
