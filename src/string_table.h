/* Distinct byte strings, each given the next id when first seen: the frame
 * tables of the profile renderers (speedscope's shared frames, pprof's
 * strings, functions and locations), where a profile names the same frame
 * in many stacks. */
#ifndef STACKTOP_STRING_TABLE_H
#define STACKTOP_STRING_TABLE_H

#include <stddef.h>

struct string_table {
	char **keys;   /* owned, each NUL-terminated after its len bytes */
	size_t *lens;  /* owned */
	size_t *slots; /* hash index: id + 1; 0 empty; a power of two, at most half full */
	size_t nkeys, nslots;
};

/* The id of key[0..len) (it may hold NULs), added (copied) when new. Ids
 * count from 0 in order of first sight. */
size_t string_table_id(struct string_table *t, const char *key, size_t len);

/* Frees what the table owns (not t itself); it is empty after. */
void string_table_clear(struct string_table *t);

#endif
