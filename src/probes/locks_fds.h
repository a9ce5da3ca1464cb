/* Every fd a thread waits on in poll(2), ppoll, select(2), pselect6 or
 * epoll_wait(2) and its kin, from what the caller read: the pollfd array or
 * the fd_set bitmaps from the target's memory (their addresses are the
 * syscall's arguments), or the text of /proc/PID/fdinfo/EPFD, whose "tfd:"
 * lines are the fds an epoll instance watches (fs/eventpoll.c,
 * ep_show_fdinfo).
 *
 * Pure: no syscalls, so the unit test and the fuzzer drive it. What it is
 * given comes from the target and is untrusted: counts are bounded by the
 * bytes given, fds are never negative. */
#ifndef STACKTOP_LOCKS_FDS_H
#define STACKTOP_LOCKS_FDS_H

#include <stddef.h>
#include <stdint.h>

/* At most this many fds of one wait are listed (the total is counted). */
#define LOCKS_FDS_MAX 16
/* select()'s fd_set: FD_SETSIZE bits; a larger nfds is cut there. */
#define LOCKS_FDS_SELECT_BITS 1024

/* The fds of n struct pollfd {int fd; short events, revents;} at pollfds
 * (8 bytes each, len bytes given): up to max into fds, in array order.
 * A negative fd is one poll ignores: not listed, not counted. Sets *total
 * to how many fds it lists in all (within the bytes given). Returns how
 * many were put in fds. */
size_t locks_fds_poll(const unsigned char *pollfds, size_t len, uint64_t n, int *fds, size_t max,
                      size_t *total);

/* The fds below nfds set in any of select()'s three bitmaps (sets[i]: len
 * bytes each, NULL for a set not passed), ascending: up to max into fds,
 * *total all of them. Returns how many were put in fds. */
size_t locks_fds_select(const unsigned char *const sets[3], size_t len, uint64_t nfds, int *fds,
                        size_t max, size_t *total);

/* The fds an epoll instance watches, from its fdinfo text[0..len): the
 * numbers after "tfd:", in the file's order. Up to max into fds, *total all
 * of them. Returns how many were put in fds. */
size_t locks_fds_epoll(const char *text, size_t len, int *fds, size_t max, size_t *total);

#endif
