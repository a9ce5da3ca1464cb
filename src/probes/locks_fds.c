#include "locks_fds.h"

#include <string.h>

/* Puts fd in fds when there is room, and counts it. */
static void
locks_fds_add(int fd, int *fds, size_t max, size_t *n, size_t *total)
{
	if (*n < max)
		fds[(*n)++] = fd;
	(*total)++;
}

size_t
locks_fds_poll(const unsigned char *pollfds, size_t len, uint64_t n, int *fds, size_t max,
               size_t *total)
{
	size_t got = 0;

	*total = 0;
	for (uint64_t i = 0; i < n && i < len / 8; i++) {
		int32_t fd;

		memcpy(&fd, pollfds + i * 8, sizeof(fd));
		if (fd >= 0)
			locks_fds_add(fd, fds, max, &got, total);
	}
	return got;
}

size_t
locks_fds_select(const unsigned char *const sets[3], size_t len, uint64_t nfds, int *fds,
                 size_t max, size_t *total)
{
	size_t got = 0;

	*total = 0;
	if (nfds > LOCKS_FDS_SELECT_BITS)
		nfds = LOCKS_FDS_SELECT_BITS;
	/* fd_set is an array of longs, bit fd % 64 of long fd / 64: on a
	 * little-endian machine, bit fd % 8 of byte fd / 8. */
	for (uint64_t fd = 0; fd < nfds && fd / 8 < len; fd++) {
		unsigned bit = 1u << (fd % 8);

		for (int s = 0; s < 3; s++) {
			if (sets[s] != NULL && (sets[s][fd / 8] & bit)) {
				locks_fds_add((int)fd, fds, max, &got, total);
				break;
			}
		}
	}
	return got;
}

size_t
locks_fds_epoll(const char *text, size_t len, int *fds, size_t max, size_t *total)
{
	static const char key[] = "tfd:";
	size_t got = 0, at = 0;

	*total = 0;
	while (at < len) {
		const char *line = text + at, *nl = memchr(line, '\n', len - at);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - at, i = sizeof(key) - 1;
		long fd = 0;
		int digits = 0;

		at += n + 1;
		if (n < i || memcmp(line, key, i) != 0)
			continue;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		/* An fd is an int: at most 10 digits. */
		for (; i < n && line[i] >= '0' && line[i] <= '9' && digits < 10; i++, digits++)
			fd = fd * 10 + (line[i] - '0');
		if (digits > 0 && fd <= 0x7fffffff)
			locks_fds_add((int)fd, fds, max, &got, total);
	}
	return got;
}
