/* Allocation that never returns NULL: out of memory aborts here, once, so callers
 * do not check. */
#ifndef STACKTOP_XMALLOC_H
#define STACKTOP_XMALLOC_H

#include <stddef.h>

/* Each returns owned memory (free with free()); aborts on exhaustion. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
