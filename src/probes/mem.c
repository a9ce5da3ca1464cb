#include "mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
mem_read_usage(const struct procfs *fs, int pid, struct mem_report *out)
{
	char path[64];
	char stat[1024];
	struct procfs_stat st;
	char *buf;
	ssize_t n;
	int tid;

	out->pid = pid;
	snprintf(path, sizeof(path), "%d/stat", pid);
	n = procfs_read(fs, path, stat, sizeof(stat));
	if (n < 0)
		return (int)n;
	if (procfs_parse_stat(stat, (size_t)n, &st) == 0)
		memcpy(out->comm, st.comm, sizeof(out->comm));
	if ((tid = procfs_live_thread(fs, pid)) < 0)
		return tid;

	/* Through a live thread: a main thread that ended shows no memory. */
	snprintf(path, sizeof(path), "%d/task/%d/smaps_rollup", pid, tid);
	n = procfs_read_all(fs, path, &buf);
	if (n < 0)
		return (int)n;
	procfs_parse_rollup(buf, (size_t)n, &out->rollup);
	free(buf);

	snprintf(path, sizeof(path), "%d/task/%d/smaps", pid, tid);
	n = procfs_read_all(fs, path, &buf);
	if (n < 0)
		return (int)n;
	procfs_parse_smaps(buf, (size_t)n, &out->breakdown);
	free(buf);
	return 0;
}

int
mem_read_anon(const struct procfs *fs, int pid, int64_t *anon_kib)
{
	char path[64];
	char buf[4096];
	struct procfs_status status;
	ssize_t n;
	int tid = procfs_live_thread(fs, pid);

	if (tid < 0)
		return tid;
	snprintf(path, sizeof(path), "%d/task/%d/status", pid, tid);
	n = procfs_read(fs, path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	procfs_parse_status(buf, (size_t)n, &status);
	/* A zombie's status has no memory lines: it has no memory left. */
	if (status.anon_kib < 0)
		return -ENODATA;
	*anon_kib = status.anon_kib;
	return 0;
}
