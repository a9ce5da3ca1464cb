/* The noun for a count in text output: "1 thread", "2 threads", never
 * "1 threads". */
#ifndef STACKTOP_PLURAL_H
#define STACKTOP_PLURAL_H

#include <stdint.h>

/* one when n is 1, else many (both borrowed: string literals). */
static inline const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

#endif
