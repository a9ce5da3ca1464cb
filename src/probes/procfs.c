#include "procfs.h"

#include "../xmalloc.h"
#include "procfs_parse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct procfs {
	char *root;
	int dirfd;
	/* The machine-wide files, opened on first read and kept (-1: not yet);
	 * behind a pointer so that a read through a const handle may open one. */
	int *machine_fds;
};

static const char *const procfs_machine_paths[PROCFS_MACHINE_FILES] = {
    [PROCFS_STAT] = "stat",
    [PROCFS_MEMINFO] = "meminfo",
    [PROCFS_LOADAVG] = "loadavg",
    [PROCFS_UPTIME] = "uptime",
};

int
procfs_new(const char *root, struct procfs **out)
{
	struct procfs *p;
	int fd;

	if (root == NULL)
		root = getenv("STACKTOP_PROCFS");
	if (root == NULL || *root == '\0')
		root = "/proc";
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = xmalloc(sizeof(*p));
	p->root = xstrdup(root);
	p->dirfd = fd;
	p->machine_fds = xmalloc(PROCFS_MACHINE_FILES * sizeof(*p->machine_fds));
	for (size_t i = 0; i < PROCFS_MACHINE_FILES; i++)
		p->machine_fds[i] = -1;
	*out = p;
	return 0;
}

void
procfs_free(struct procfs *p)
{
	if (p == NULL)
		return;
	close(p->dirfd);
	for (size_t i = 0; i < PROCFS_MACHINE_FILES; i++)
		if (p->machine_fds[i] >= 0)
			close(p->machine_fds[i]);
	free(p->machine_fds);
	free(p->root);
	free(p);
}

const char *
procfs_root(const struct procfs *p)
{
	return p->root;
}

int
procfs_root_fd(const struct procfs *p)
{
	return p->dirfd;
}

int
procfs_openat(int dirfd, const char *relpath)
{
	int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int
procfs_open(const struct procfs *p, const char *relpath)
{
	return procfs_openat(p->dirfd, relpath);
}

ssize_t
procfs_pread(int fd, char *buf, size_t size)
{
	size_t len = 0;

	/* A seq_file hands out whole records, so a read that does not fill the
	 * buffer has everything: reading on to see EOF would double the syscalls
	 * on the hot path. Only a full buffer asks for more. */
	while (len + 1 < size) {
		size_t want = size - 1 - len;
		ssize_t n = pread(fd, buf + len, want, (off_t)len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len += (size_t)n;
		if ((size_t)n < want)
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

ssize_t
procfs_read(const struct procfs *p, const char *relpath, char *buf, size_t size)
{
	int fd = procfs_open(p, relpath);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = procfs_pread(fd, buf, size);
	close(fd);
	return n;
}

ssize_t
procfs_read_machine(const struct procfs *p, enum procfs_machine_file file, char *buf, size_t size)
{
	int *fd = &p->machine_fds[file];

	if (*fd < 0) {
		int opened = procfs_open(p, procfs_machine_paths[file]);

		if (opened < 0)
			return opened; /* tried again next time: a fixture may lack it */
		*fd = opened;
	}
	return procfs_pread(*fd, buf, size);
}

ssize_t
procfs_read_all(const struct procfs *p, const char *relpath, char **buf)
{
	int fd = procfs_open(p, relpath);
	size_t cap = 4096, len = 0;
	char *b;

	*buf = NULL;
	if (fd < 0)
		return fd;
	b = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			cap *= 2;
			b = xreallocarray(b, cap, 1);
		}
		n = read(fd, b + len, cap - 1 - len);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			free(b);
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	b[len] = '\0';
	*buf = b;
	return (ssize_t)len;
}

static bool
procfs_parse_id(const char *name, int *id)
{
	long v = 0;

	if (*name == '\0')
		return false;
	for (const char *s = name; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*id = (int)v;
	return v > 0;
}

int
procfs_open_dir(const struct procfs *p, const char *relpath)
{
	int fd = openat(p->dirfd, relpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

ssize_t
procfs_list_ids(const struct procfs *p, const char *relpath, int **ids)
{
	int fd = procfs_open_dir(p, relpath);
	ssize_t n;

	*ids = NULL;
	if (fd < 0)
		return fd;
	n = procfs_list_ids_fd(fd, ids);
	close(fd);
	return n;
}

ssize_t
procfs_list_ids_fd(int dirfd, int **ids)
{
	/* getdents64 straight into a buffer: opendir on a duplicate of dirfd
	 * costs five more syscalls (dup, two fcntl, fstat, lseek) per listing,
	 * and a sample lists every process's threads. */
	char buf[32768] __attribute__((aligned(8)));
	size_t n = 0, cap = 64;
	ssize_t got;

	*ids = NULL;
	if (lseek(dirfd, 0, SEEK_SET) < 0)
		return -errno;
	*ids = xmalloc(cap * sizeof(**ids));
	/* An error after the start (the directory went away) ends the list,
	 * as readdir would. */
	while ((got = getdents64(dirfd, buf, sizeof(buf))) > 0) {
		for (size_t off = 0; off + offsetof(struct dirent64, d_name) < (size_t)got;) {
			const struct dirent64 *de = (const void *)(buf + off);
			int id;

			if (de->d_reclen <= offsetof(struct dirent64, d_name) ||
			    de->d_reclen > (size_t)got - off ||
			    memchr(de->d_name, '\0',
			           de->d_reclen - offsetof(struct dirent64, d_name)) == NULL)
				break; /* not what the kernel writes */
			off += de->d_reclen;
			if (!procfs_parse_id(de->d_name, &id))
				continue;
			if (n == cap) {
				cap *= 2;
				*ids = xreallocarray(*ids, cap, sizeof(**ids));
			}
			(*ids)[n++] = id;
		}
	}
	return (ssize_t)n;
}

size_t
procfs_fd_budget(size_t reserve)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit raised = {rl.rlim_max, rl.rlim_max};

		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1 << 20;
	return rl.rlim_cur > reserve ? rl.rlim_cur - reserve : 0;
}

int
procfs_read_task_stat(const struct procfs *p, int pid, int tid, struct procfs_stat *st)
{
	char path[64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/stat", pid, tid);
	if ((n = procfs_read(p, path, buf, sizeof(buf))) < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	return procfs_parse_stat(buf, (size_t)n, st) == 0 ? 0 : -ESRCH;
}

int
procfs_live_thread(const struct procfs *p, int pid, struct procfs_stat *main)
{
	struct procfs_stat st;
	char path[32];
	int *tids, live = -ESRCH;
	ssize_t n;
	int err = procfs_read_task_stat(p, pid, pid, &st);

	if (err != 0)
		return err;
	if (main != NULL)
		*main = st;
	if (procfs_parse_stat_gone(&st))
		return -ESRCH;
	if (st.state != 'Z' && st.state != 'X')
		return pid;
	snprintf(path, sizeof(path), "%d/task", pid);
	if ((n = procfs_list_ids(p, path, &tids)) < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	for (ssize_t i = 0; i < n && live < 0; i++)
		if (tids[i] != pid && procfs_read_task_stat(p, pid, tids[i], &st) == 0 &&
		    st.state != 'Z' && st.state != 'X')
			live = tids[i];
	free(tids);
	return live;
}

int
procfs_inner_id(const struct procfs *p, int pid, int tid)
{
	char path[64], buf[4096];
	ssize_t n;
	int64_t inner;

	snprintf(path, sizeof(path), "%d/task/%d/status", pid, tid);
	if ((n = procfs_read(p, path, buf, sizeof(buf))) < 0)
		return tid;
	inner = procfs_parse_nspid(buf, (size_t)n);
	return inner > 0 && inner <= INT32_MAX ? (int)inner : tid;
}
