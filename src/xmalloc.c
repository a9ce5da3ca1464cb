#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
xmalloc_die(size_t size)
{
	fprintf(stderr, "stacktop: out of memory (%zu bytes)\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xmalloc_die(size);
	return p;
}

void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_die(count * size);
	return p;
}

void *
xreallocarray(void *ptr, size_t count, size_t size)
{
	void *p = reallocarray(ptr, count ? count : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_die(count * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		xmalloc_die(n);
	return p;
}
