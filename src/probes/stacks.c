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

	/* A zombie (a main thread that ended) cannot be seized: it exited. */
	t->err = s->err != 0 && t->state == 'Z' ? -ESRCH : s->err;
	if (s->err != 0)
		return;
	n = unwinder_unwind(u, s, ips, STACKS_MAX_FRAMES);
	t->frames = xcalloc(n ? n : 1, sizeof(*t->frames));
	t->nframes = n;
	for (size_t i = 0; i < n; i++)
		unwinder_symbolize(u, ips[i], i > 0, &t->frames[i]);
}

/* The stacks of threads tids of process pid (comm from its stat). */
static int
stacks_take_tids(const struct procfs *fs, int pid, const char *comm, const int *tids, size_t n,
                 struct dump_report **out)
{
	struct snapshot_stats stats;
	struct thread_snapshot *snaps;
	struct unwinder *u;
	struct dump_report *d;
	int err;

	err = unwinder_new(fs, pid, &u);
	if (err != 0)
		return procfs_is_gone(err) ? -ESRCH : err;
	d = xcalloc(1, sizeof(*d));
	d->pid = pid;
	snprintf(d->comm, sizeof(d->comm), "%s", comm);
	d->threads = xcalloc(n ? n : 1, sizeof(*d->threads));
	d->nthreads = n;
	for (size_t i = 0; i < n; i++) {
		d->threads[i].tid = tids[i];
		stacks_read_thread(fs, pid, &d->threads[i]);
	}

	snaps = xcalloc(n ? n : 1, sizeof(*snaps));
	err = ptrace_snapshot(tids, n, STACKS_COPY_BYTES, snaps, &stats);
	d->stopped_ms = stats.stopped_ms;
	d->skipped = stats.skipped;
	if (err == 0) {
		for (size_t i = 0; i < n; i++)
			stacks_unwind(u, &snaps[i], &d->threads[i]);
	}
	ptrace_snapshot_release(snaps, n);
	free(snaps);
	unwinder_free(u);
	if (err != 0) {
		dump_report_free(d);
		return err;
	}
	*out = d;
	return 0;
}

/* Reads pid's stat: its name, and whether it is alive (a zombie main thread
 * with other threads running is a live process). */
static int
stacks_read_process(const struct procfs *fs, int pid, struct procfs_stat *st)
{
	char path[64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/stat", pid);
	n = procfs_read(fs, path, buf, sizeof(buf));
	if (n < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	if (procfs_parse_stat(buf, (size_t)n, st) != 0 ||
	    ((st->state == 'Z' || st->state == 'X') && st->num_threads <= 1))
		return -ESRCH;
	return 0;
}

int
stacks_dump(const struct procfs *fs, int pid, struct dump_report **out)
{
	char path[64];
	struct procfs_stat st;
	int *tids;
	ssize_t n;
	int err;

	*out = NULL;
	if ((err = stacks_read_process(fs, pid, &st)) != 0)
		return err;
	snprintf(path, sizeof(path), "%d/task", pid);
	n = procfs_list_ids(fs, path, &tids);
	if (n < 0)
		return procfs_is_gone((int)n) ? -ESRCH : (int)n;
	err = stacks_take_tids(fs, pid, st.comm, tids, (size_t)n, out);
	free(tids);
	return err;
}

int
stacks_take(const struct procfs *fs, int pid, const int *tids, size_t n, struct dump_report **out)
{
	struct procfs_stat st;
	int err;

	*out = NULL;
	if ((err = stacks_read_process(fs, pid, &st)) != 0)
		return err;
	return stacks_take_tids(fs, pid, st.comm, tids, n, out);
}
