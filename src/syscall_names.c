#include "syscall_names.h"

#include <stddef.h>
#include <string.h>

const char *
syscall_name(int nr)
{
	if (nr < 0 || nr >= syscall_names_count)
		return NULL;
	return syscall_names_table[nr];
}

int
syscall_number(const char *name)
{
	for (int nr = 0; name != NULL && nr < syscall_names_count; nr++)
		if (syscall_names_table[nr] != NULL && strcmp(syscall_names_table[nr], name) == 0)
			return nr;
	return -1;
}
