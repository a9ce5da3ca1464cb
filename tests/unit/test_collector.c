/* The collector over a fixture procfs tree: hostile names, a vanished thread,
 * a zombie, a vanished process, and CPU deltas. */
#include "check.h"
#include "probes/collector.h"
#include "syscall_names.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static char tree[256];

static void
write_file(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static const struct process_row *
find_proc(const struct report *r, int pid)
{
	for (size_t i = 0; i < r->nprocs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[i];
	return NULL;
}

static void
test_whole_tree(struct procfs *fs)
{
	const struct report_shape shape = {10, 10};
	struct collector *c;
	struct report *r;
	const struct process_row *p;

	CHECK(collector_new(fs, NULL, 0, &c) == 0);
	CHECK(collector_sample(c) == 0);
	collector_set_baseline(c);
	CHECK(collector_task_count(c) == 3); /* 100, 101 and the zombie's 200 */
	collector_watch_all(c);
	/* Thread 101 runs 40 more user ticks, and so does its process. */
	write_file("100/task/101/stat",
	           "101 (x) R 1 (\nz) R 1 100 100 0 -1 4194368 0 0 0 0 140 50 0 0 20 0 2 0 5001 "
	           "1000 10 1 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
	write_file("100/stat", "100 (a) (b) S 1 100 100 0 -1 4194560 0 0 0 0 340 100 0 0 20 0 2 "
	                       "0 5000 1000 10 1 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
	CHECK(collector_sample(c) == 0);
	r = collector_report(c, &shape);
	CHECK(r->nprocs == 2);
	CHECK(r->procs[0].pid == 100); /* the hotter process first */
	p = find_proc(r, 100);
	if (CHECK(p != NULL)) {
		CHECK_STR(p->comm, "a) (b");
		CHECK(p->cpu_pct > 0 && p->sys_pct == 0);
		CHECK(p->thread_count == 2);
		CHECK(p->uid == 0);
		CHECK(p->mem.rss_kib == 2048 && p->mem.anon_kib == 1024 && p->mem.file_kib == 768 &&
		      p->mem.shmem_kib == 256 && p->mem.swap_kib == 0);
		CHECK(p->cmdline != NULL && p->cmdline_len == 10);
		CHECK_STR(p->cmdline, "srv --flag");
		CHECK(p->nthreads == 2);
		if (p->nthreads == 2) {
			const struct thread_row *hot = &p->threads[0], *idle = &p->threads[1];

			CHECK(hot->tid == 101);
			CHECK_STR(hot->name, "x) R 1 (\nz");
			CHECK(hot->state == 'R');
			CHECK(hot->user_pct > 0 && hot->sys_pct == 0);
			CHECK(hot->syscall == SYSCALL_RUNNING);
			CHECK_STR(hot->wchan, "");
			CHECK(idle->tid == 100);
			CHECK(idle->cpu_pct == 0);
			CHECK(idle->syscall == 0);
			CHECK_STR(idle->wchan, "pipe_read");
			/* No schedstat or ctxsw lines in the fixture: unknown. */
			CHECK(isnan(idle->run_delay_pct) && isnan(idle->ctxsw_voluntary_per_s));
		}
	}
	p = find_proc(r, 200);
	if (CHECK(p != NULL)) {
		CHECK(p->mem.rss_kib == -1); /* a zombie: unknown, not zero */
		CHECK(p->cmdline_len == 0);
	}
	CHECK(r->system.processes == 2 && r->system.threads == 3);
	report_free(r);
	collector_free(c);
}

static void
test_selected_pids(struct procfs *fs)
{
	struct collector *c;
	const int gone[] = {100, 300};
	const int missing[] = {4000000};

	collector_new(fs, gone, 2, &c);
	CHECK(collector_sample(c) == -ESRCH);
	CHECK(collector_gone_pid(c) == 300);
	collector_free(c);

	collector_new(fs, missing, 1, &c);
	CHECK(collector_sample(c) == -ESRCH);
	CHECK(collector_gone_pid(c) == 4000000);
	collector_free(c);
}

int
main(int argc, char **argv)
{
	struct procfs *fs;
	char cmd[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: test_collector FIXTURE_PROC_DIR\n");
		return 2;
	}
	/* Work on a copy: the test rewrites files between samples. */
	snprintf(tree, sizeof(tree), "/tmp/stacktop-fixture-XXXXXX");
	if (mkdtemp(tree) == NULL)
		return 2;
	snprintf(cmd, sizeof(cmd), "cp -r '%s/.' '%s'", argv[1], tree);
	if (system(cmd) != 0)
		return 2;
	CHECK(procfs_new(tree, &fs) == 0);
	test_whole_tree(fs);
	test_selected_pids(fs);
	procfs_free(fs);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	(void)system(cmd);
	return check_done("collector");
}
