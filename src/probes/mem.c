#include "mem.h"

#include "procfs_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The smaps_rollup of pid read through its live thread tid. */
static int
mem_read_rollup_of(const struct procfs *fs, int pid, int tid, struct mem_rollup *out)
{
	char path[64];
	char *buf;
	ssize_t n;

	/* Through a live thread: a main thread that ended shows no memory. */
	snprintf(path, sizeof(path), "%d/task/%d/smaps_rollup", pid, tid);
	n = procfs_read_all(fs, path, &buf);
	if (n < 0)
		return (int)n;
	procfs_parse_rollup(buf, (size_t)n, out);
	free(buf);
	return 0;
}

int
mem_read_rollup(const struct procfs *fs, int pid, struct mem_rollup *out)
{
	int tid = procfs_live_thread(fs, pid, NULL);

	return tid < 0 ? tid : mem_read_rollup_of(fs, pid, tid, out);
}

int
mem_read_usage(const struct procfs *fs, int pid, struct mem_report *out)
{
	char path[64];
	struct procfs_stat st;
	char *buf;
	ssize_t n;
	int tid, err;

	out->pid = pid;
	if ((tid = procfs_live_thread(fs, pid, &st)) < 0)
		return tid;
	memcpy(out->comm, st.comm, sizeof(out->comm));
	if ((err = mem_read_rollup_of(fs, pid, tid, &out->rollup)) != 0)
		return err;

	snprintf(path, sizeof(path), "%d/task/%d/smaps", pid, tid);
	n = procfs_read_all(fs, path, &buf);
	if (n < 0)
		return (int)n;
	procfs_parse_smaps(buf, (size_t)n, &out->breakdown);
	free(buf);
	return 0;
}

/* Reads and parses the status of thread tid of pid. Returns 0 or -errno. */
static int
mem_read_status(const struct procfs *fs, int pid, int tid, struct procfs_status *status)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/status", pid, tid);
	if ((n = procfs_read(fs, path, buf, sizeof(buf))) < 0)
		return (int)n;
	procfs_parse_status(buf, (size_t)n, status);
	return 0;
}

int
mem_read_anon(const struct procfs *fs, int pid, int64_t *anon_kib)
{
	struct procfs_status status;
	int tid, err = mem_read_status(fs, pid, pid, &status);

	if (err != 0)
		return err;
	/* A zombie main thread's status has no memory lines: a live thread's
	 * has them (it called pthread_exit), or none is left (it exited). */
	if (status.anon_kib < 0) {
		if ((tid = procfs_live_thread(fs, pid, NULL)) < 0 || tid == pid ||
		    mem_read_status(fs, pid, tid, &status) != 0 || status.anon_kib < 0)
			return -ENODATA;
	}
	*anon_kib = status.anon_kib;
	return 0;
}
