/* stacktop report: the hottest processes and their hottest threads, over an
 * interval, like `top -H -b` followed by `ps -mp PID -o THREAD,tid,time`. */
#include "cli.h"
#include "probes/collector.h"
#include "probes/proctree.h"
#include "probes/stacks.h"
#include "probes/target.h"
#include "ui/report_json.h"
#include "ui/report_text.h"
#include "xmalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Context switches and run delay need a counter read at both ends of the
 * interval, from two more files per task. Up to this many tasks we read them
 * for all; beyond it only for the busiest (measured: status and schedstat of
 * 5,000 threads cost 45 ms per read, twice what the whole stat sweep costs). */
#define REPORT_WATCH_ALL_MAX 512
#define REPORT_WATCH_BUSIEST 256

/* report --stacks with --json lists every thread; stacks are taken for the
 * hottest ten unless -n says how many. */
#define REPORT_STACKS_DEFAULT 10
/* The most threads, processes or reports asked for; JSON lists every thread. */
#define REPORT_COUNT_MAX 1000000

static const struct cli_option report_options[] = {
    CLI_OPTION_PID_LIST,
    {.letter = 'd',
     .name = "delay",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "interval between the two samples (default 1)",
     .noun = "the interval"},
    {.letter = 'n',
     .name = "threads",
     .arg = CLI_ARG_INT,
     .value = "N",
     .help = "threads listed per process (default 10; JSON: all)",
     .noun = "the thread count",
     .min = 1,
     .max = REPORT_COUNT_MAX},
    {.letter = 'P',
     .name = "processes",
     .arg = CLI_ARG_INT,
     .value = "N",
     .help = "processes listed without -p (default 5)",
     .noun = "the process count",
     .min = 1,
     .max = REPORT_COUNT_MAX},
    {.letter = 'c',
     .name = "count",
     .arg = CLI_ARG_INT,
     .value = "N",
     .help = "print N reports, one per interval (default 1)",
     .noun = "the report count",
     .min = 1,
     .max = REPORT_COUNT_MAX},
    {.letter = 's',
     .name = "stacks",
     .help = "add the current stack of the threads listed (with\n"
             "--json, of the 10 hottest unless -n says)"},
    {.name = "json", .help = "one JSON document per report (schema stacktop.report/1)"},
    CLI_OPTION_TREE,
    CLI_OPTION_MAX_PROCESSES,
    {0},
};

struct report_opts {
	const int *pids; /* borrowed from the parsed options */
	size_t npids;
	double delay;
	long threads;
	long processes;
	long count;
	long stacks; /* threads per process whose stacks are taken; 0: none */
	bool json;
	bool tree;  /* -p's processes and their descendants */
	size_t cap; /* --max-processes */
};

static void
report_opts_get(const struct cli_args *args, struct report_opts *o)
{
	bool json = cli_args_has(args, "json");
	long threads = cli_args_int(args, "threads", -1);

	*o = (struct report_opts){
	    .delay = cli_args_seconds(args, "delay", 1.0),
	    .threads = threads > 0 ? threads
	               : json      ? REPORT_COUNT_MAX
	                           : 10,
	    .processes = cli_args_int(args, "processes", 5),
	    .count = cli_args_int(args, "count", 1),
	    .stacks = !cli_args_has(args, "stacks") ? 0
	              : threads > 0                 ? threads
	                                            : REPORT_STACKS_DEFAULT,
	    .json = json,
	    .tree = cli_args_has(args, "tree"),
	    .cap = (size_t)cli_args_int(args, "max-processes", PROCTREE_MAX_DEFAULT),
	};
	o->pids = cli_args_pids(args, "pid", &o->npids);
}

/* report --stacks: one short stop per process for the stacks of its hottest
 * threads, after the interval (so the stop is not measured). Kernel threads
 * have no user stack, and stacktop cannot trace itself: both are left
 * without one. A process that cannot be traced gets the reason in each of
 * its threads' rows. */
static void
report_take_stacks(const struct procfs *fs, struct report *r, size_t per_process)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct process_row *p = &r->procs[i];
		size_t n = p->nthreads < per_process ? p->nthreads : per_process;
		struct dump_report *d = NULL;
		int *tids;
		int err;

		if (n == 0 || p->pid == getpid() || p->cmdline == NULL || p->cmdline_len == 0)
			continue;
		tids = xcalloc(n, sizeof(*tids));
		for (size_t t = 0; t < n; t++)
			tids[t] = p->threads[t].tid;
		err = stacks_take(fs, p->pid, tids, n, &d);
		for (size_t t = 0; t < n; t++) {
			struct thread_stack *s = xcalloc(1, sizeof(*s));

			if (d != NULL)
				*s = d->threads[t]; /* moved: the frames are the row's now */
			else
				s->err = err;
			p->threads[t].stack = s;
		}
		if (d != NULL && d->python.version[0]) {
			p->python = xmalloc(sizeof(*p->python));
			*p->python = d->python;
		}
		if (d != NULL) {
			p->stopped_ms = d->stopped_ms;
			d->nthreads = 0;
		}
		dump_report_free(d);
		free(tids);
	}
}

/* The threading names of the Python processes' threads listed, read from
 * their memory as they run (probes/target; measured: ~1 ms to find the
 * interpreter and ~1 ms for 24 names). A process that is not Python costs
 * the interpreter search's look at its maps and executable (~30 us), one
 * we may not read nothing more; the listed ones alone are looked at. */
static void
report_python_names(const struct procfs *fs, struct report *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct process_row *p = &r->procs[i];
		struct tid_name *names;
		struct target *t;
		size_t n;

		if (p->nthreads == 0 || p->pid == getpid() || p->cmdline == NULL ||
		    p->cmdline_len == 0 || target_open(fs, p->pid, TARGET_PYTHON, false, &t) != 0)
			continue;
		if (target_thread_names(t, &names, &n) == 0) {
			for (size_t k = 0; k < p->nthreads; k++) {
				const char *name = tid_names_find(names, n, p->threads[k].tid);

				p->threads[k].python_name = name != NULL ? xstrdup(name) : NULL;
			}
			tid_names_free(names, n);
		}
		target_close(t);
	}
}

/* The tree's line: its rows summed, PSS read now from each one's
 * smaps_rollup (once a report: ~0.2 ms for a small process, 1.9 ms for one
 * of 400 MiB). */
static void
report_tree_sum(const struct procfs *fs, struct report *r, const struct cli_tree *t)
{
	report_tree_begin(&r->tree, t->roots[0], t->cap, t->capped);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct process_row *p = &r->procs[i];

		report_tree_add(&r->tree, p->pid, p->comm, p->cpu_pct, p->mem.rss_kib);
		cli_tree_add_pss(fs, &r->tree, p->pid);
	}
}

/* Runs one interval from the current baseline and prints its report. */
static int
report_one(const struct procfs *fs, struct collector *c, const struct report_opts *o,
           struct cli_tree *tree)
{
	const struct report_shape shape = {(size_t)o->processes, (size_t)o->threads};
	struct report *r;
	int err, gone = 0;

	if (o->json || collector_task_count(c) <= REPORT_WATCH_ALL_MAX)
		collector_watch_all(c);
	else
		collector_watch_busiest(c, REPORT_WATCH_BUSIEST);
	cli_sleep(o->delay);
	if (tree != NULL && (err = cli_tree_follow(fs, c, tree, &gone)) != 0)
		return err;
	if ((err = cli_sample(c, tree, true)) != 0)
		return err;
	r = collector_report(c, &shape);
	if (tree != NULL)
		report_tree_sum(fs, r, tree);
	report_python_names(fs, r);
	if (o->stacks > 0)
		report_take_stacks(fs, r, (size_t)o->stacks);
	if (o->json)
		report_json_write(stdout, r);
	else
		report_text_write(stdout, r, cli_output_width());
	fflush(stdout);
	report_free(r);
	collector_set_baseline(c);
	return 0;
}

static int
cmd_report_exec(const struct cli_args *args)
{
	struct report_opts o;
	struct procfs *fs = NULL;
	struct collector *c = NULL;
	struct cli_tree tree = {0};
	int rc, err = 0, gone = 0;

	report_opts_get(args, &o);
	if (o.tree && o.npids == 0)
		return cli_usage_error(&cmd_report_entry, "--tree needs -p PID");
	if (!o.tree && cli_args_has(args, "max-processes"))
		return cli_usage_error(&cmd_report_entry, "--max-processes goes with --tree");
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	collector_new(fs, o.pids, o.npids, &c);
	if (o.tree) {
		tree = (struct cli_tree){.roots = o.pids, .nroots = o.npids, .cap = o.cap};
		if ((err = cli_tree_follow(fs, c, &tree, &gone)) != 0) {
			collector_free(c);
			procfs_free(fs);
			return cli_target_error(gone, err);
		}
	}
	err = cli_sample(c, o.tree ? &tree : NULL, true);
	collector_set_baseline(c);
	for (long i = 0; err == 0 && i < o.count; i++) {
		if (i > 0 && !o.json)
			putchar('\n');
		err = report_one(fs, c, &o, o.tree ? &tree : NULL);
	}
	rc = err != 0 ? cli_sample_error(fs, collector_gone_pid(c), err) : 0;
	collector_free(c);
	procfs_free(fs);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
    .name = "report",
    .usage = "[-p PID,...] [-d SECONDS] [-n THREADS] [-P PROCESSES] [-c COUNT] [--stacks] [--json] "
             "[--tree [--max-processes N]]",
    .summary = "the hottest processes and threads over an interval (top -H, one shot)",
    .options = report_options,
    .exec = cmd_report_exec,
};
