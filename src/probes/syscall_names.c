#include "syscall_names.h"

#include <stddef.h>

const char *
syscall_name(int nr)
{
	if (nr < 0 || nr >= syscall_names_count)
		return NULL;
	return syscall_names_table[nr];
}
