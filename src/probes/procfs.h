/* Thin I/O over a procfs tree: /proc by default, or a fixture tree for tests.
 *
 * All paths are relative to the root ("123/task/456/stat"), opened with
 * openat() on the root's directory fd. Reads return -errno; ENOENT and ESRCH
 * mean the task is gone, a normal event that callers treat as such. */
#ifndef STACKTOP_PROCFS_H
#define STACKTOP_PROCFS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct procfs;

/* Opens the procfs root: root if not NULL, else $STACKTOP_PROCFS if set, else
 * /proc. Returns 0 and an owned handle (free with procfs_free), or -errno. */
int procfs_new(const char *root, struct procfs **out);
void procfs_free(struct procfs *p);

/* The root path (borrowed for the handle's life). */
const char *procfs_root(const struct procfs *p);

/* True for the errors that mean "the process or thread no longer exists". */
static inline bool
procfs_is_gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

/* The root directory's fd (borrowed for the handle's life), for openat(). */
int procfs_root_fd(const struct procfs *p);

/* How many fds a caller may keep open for cached files, leaving reserve for
 * everything else: raises the soft RLIMIT_NOFILE to the hard limit first
 * (each cached file holds an fd). */
size_t procfs_fd_budget(size_t reserve);

/* The id thread tid of process pid has in its own PID namespace (NSpid in
 * its status: inside a container, not ours), or tid itself when it has none
 * or the file cannot be read. */
int procfs_inner_id(const struct procfs *p, int pid, int tid);

/* Reads and parses PID/task/TID/stat, a thread's (for a process, its main
 * thread's: the process's own stat makes the kernel sum every thread's
 * times and faults, milliseconds for thousands of threads). Returns 0,
 * -ESRCH when the thread is gone (or its stat does not parse), or -errno. */
struct procfs_stat;
int procfs_read_task_stat(const struct procfs *p, int pid, int tid, struct procfs_stat *st);

/* A thread of process pid whose files show the process's memory: pid
 * itself, unless its main thread ended (pthread_exit) while others run on,
 * then the first of those (a zombie main thread's status and smaps have no
 * memory). Fills *main (may be NULL) with the main thread's stat. Returns
 * the thread id, or -ESRCH when the process has exited. */
int procfs_live_thread(const struct procfs *p, int pid, struct procfs_stat *main);

/* Opens relpath read-only. Returns an fd (owned by the caller) or -errno. */
int procfs_open(const struct procfs *p, const char *relpath);

/* Opens relpath under the directory dirfd read-only, like procfs_open. */
int procfs_openat(int dirfd, const char *relpath);

/* Opens directory relpath ("PID/task"), so that the files under it can be
 * opened with openat() without walking the whole path again (measured: 14 ms
 * instead of 17 ms for 5,000 stat files). Returns an owned fd or -errno. */
int procfs_open_dir(const struct procfs *p, const char *relpath);

/* Reads fd from offset 0 into buf (size bytes, NUL-terminated: at most
 * size - 1 bytes of data). Returns the length or -errno. */
ssize_t procfs_pread(int fd, char *buf, size_t size);

/* Opens, reads and closes relpath into buf as procfs_pread does. */
ssize_t procfs_read(const struct procfs *p, const char *relpath, char *buf, size_t size);

/* The machine-wide files every refresh reads. They are kept open: a read
 * from offset 0 makes the kernel write them anew, and keeping them saves an
 * open and a close each (the four: 28 -> 11 us a refresh, measured; libproc2
 * keeps them open for the same reason). */
enum procfs_machine_file {
	PROCFS_STAT,
	PROCFS_MEMINFO,
	PROCFS_LOADAVG,
	PROCFS_UPTIME,
	PROCFS_MACHINE_FILES
};

/* Reads one of them into buf as procfs_pread does (the file opened on the
 * first read and kept for the handle's life). Returns the length or -errno. */
ssize_t procfs_read_machine(const struct procfs *p, enum procfs_machine_file file, char *buf,
                            size_t size);

/* Reads the whole of relpath, however long, into *buf (owned, NUL-terminated,
 * free with free()). Returns the length or -errno; *buf is NULL on error. */
ssize_t procfs_read_all(const struct procfs *p, const char *relpath, char **buf);

/* Lists the numeric entries of directory relpath ("." for the PIDs, "PID/task"
 * for the TIDs) into *ids (owned, free with free()). Returns the count or
 * -errno. */
ssize_t procfs_list_ids(const struct procfs *p, const char *relpath, int **ids);

/* The same for an open directory (borrowed: dirfd stays open and usable). */
ssize_t procfs_list_ids_fd(int dirfd, int **ids);

#endif
