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
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Faults in at once the whole pages of [p, p + len), memory about to be
 * written all over (an array of thousands of tasks, maps or symbols).
 * Touched one by one, each page costs a page fault: about 10 us on a
 * paravirtualised machine, against about 1 us a page populated together.
 * Best effort: before Linux 5.14 the pages fault in as they are touched. */
void xpopulate(void *p, size_t len);

/* xreallocarray, then xpopulate of the part added (from count_before
 * elements to count). */
void *xreallocarray_populated(void *ptr, size_t count_before, size_t count, size_t size);

#endif
