#include "stacks.h"

#include "../xmalloc.h"
#include "ptrace.h"
#include "unwind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names and states come from stat, read before the stop so as not to
 * lengthen it. */
static void
stacks_read_thread(const struct procfs *fs, int pid, struct thread_stack *t)
{
	char path[64], buf[1024];
	struct procfs_stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/task/%d/stat", pid, t->tid);
	n = procfs_read(fs, path, buf, sizeof(buf));
	t->state = '?';
	if (n >= 0 && procfs_parse_stat(buf, (size_t)n, &st) == 0) {
		memcpy(t->name, st.comm, sizeof(t->name));
		t->state = st.state;
	}
}

static void
stacks_unwind(struct unwinder *u, const struct thread_snapshot *s, struct thread_stack *t)
{
	uint64_t ips[STACKS_MAX_FRAMES];
	size_t n;

	t->err = s->err;
	if (s->err != 0)
		return;
	n = unwinder_unwind(u, s, ips, STACKS_MAX_FRAMES);
	t->frames = xcalloc(n ? n : 1, sizeof(*t->frames));
	t->nframes = n;
	for (size_t i = 0; i < n; i++)
		unwinder_symbolize(u, ips[i], i > 0, &t->frames[i]);
}

int
stacks_dump(const struct procfs *fs, int pid, struct dump_report **out)
{
	char path[64], buf[1024];
	struct procfs_stat st;
	struct snapshot_stats stats;
	struct thread_snapshot *snaps;
	struct unwinder *u;
	struct dump_report *d;
	int *tids;
	ssize_t n;
	int err;

	*out = NULL;
	snprintf(path, sizeof(path), "%d/stat", pid);
	n = procfs_read(fs, path, buf, sizeof(buf));
	if (n < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	if (procfs_parse_stat(buf, (size_t)n, &st) != 0 || st.state == 'Z' || st.state == 'X')
		return -ESRCH;
	snprintf(path, sizeof(path), "%d/task", pid);
	n = procfs_list_ids(fs, path, &tids);
	if (n < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	err = unwinder_new(fs, pid, &u);
	if (err != 0) {
		free(tids);
		return procfs_is_gone(err) ? -ESRCH : err;
	}
	d = xcalloc(1, sizeof(*d));
	d->pid = pid;
	memcpy(d->comm, st.comm, sizeof(d->comm));
	d->threads = xcalloc(n ? (size_t)n : 1, sizeof(*d->threads));
	d->nthreads = (size_t)n;
	for (ssize_t i = 0; i < n; i++) {
		d->threads[i].tid = tids[i];
		stacks_read_thread(fs, pid, &d->threads[i]);
	}

	snaps = xcalloc(n ? (size_t)n : 1, sizeof(*snaps));
	err = ptrace_snapshot(pid, tids, (size_t)n, STACKS_COPY_BYTES, snaps, &stats);
	d->stopped_ms = stats.stopped_ms;
	d->skipped = stats.skipped;
	if (err == 0) {
		for (ssize_t i = 0; i < n; i++)
			stacks_unwind(u, &snaps[i], &d->threads[i]);
	}
	ptrace_snapshot_release(snaps, (size_t)n);
	free(snaps);
	free(tids);
	unwinder_free(u);
	if (err != 0) {
		dump_report_free(d);
		return err;
	}
	*out = d;
	return 0;
}
