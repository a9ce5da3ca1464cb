/* stacktop report: the hottest processes and their hottest threads, over an
 * interval, like `top -H -b` followed by `ps -mp PID -o THREAD,tid,time`. */
#include "cli.h"
#include "probes/collector.h"
#include "probes/stacks.h"
#include "ui/report_json.h"
#include "ui/report_text.h"
#include "xmalloc.h"

#include <getopt.h>
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

static const char report_options[] =
    "options:\n"
    "  -p, --pid PID[,PID...]  only these processes (repeatable)\n"
    "  -d, --delay SECONDS     interval between the two samples (default 1)\n"
    "  -n, --threads N         threads listed per process (default 10; JSON: all)\n"
    "  -P, --processes N       processes listed without -p (default 5)\n"
    "  -c, --count N           print N reports, one per interval (default 1)\n"
    "  -s, --stacks            add the current stack of the threads listed (with\n"
    "                          --json, of the 10 hottest unless -n says)\n"
    "      --json              one JSON document per report (schema stacktop.report/1)\n"
    "  -h, --help              this help\n";

struct report_opts {
	int *pids;
	size_t npids;
	double delay;
	long threads; /* -1: the default for the format */
	long processes;
	long count;
	long stacks; /* threads per process whose stacks are taken; 0: none */
	bool json;
};

static int
report_parse(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"delay", required_argument, NULL, 'd'},
	    {"threads", required_argument, NULL, 'n'},
	    {"processes", required_argument, NULL, 'P'},
	    {"count", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"stacks", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct cmd_entry *cmd = &cmd_report_entry;
	bool stacks = false;
	int ch;

	*o = (struct report_opts){.delay = 1.0, .threads = -1, .processes = 5, .count = 1};
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:d:n:P:c:sh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (cli_parse_pids(optarg, &o->pids, &o->npids) != 0)
				return cli_usage_error(cmd, "'%s' is not a PID list", optarg);
			break;
		case 'd':
			if (cli_parse_seconds(optarg, &o->delay) != 0)
				return cli_usage_error(cmd, "'%s' is not a number of seconds",
				                       optarg);
			break;
		case 'n':
			if (cli_parse_count(optarg, 1, 1000000, &o->threads) != 0)
				return cli_usage_error(cmd, "'%s' is not a thread count", optarg);
			break;
		case 'P':
			if (cli_parse_count(optarg, 1, 1000000, &o->processes) != 0)
				return cli_usage_error(cmd, "'%s' is not a process count", optarg);
			break;
		case 'c':
			if (cli_parse_count(optarg, 1, 1000000, &o->count) != 0)
				return cli_usage_error(cmd, "'%s' is not a count", optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 's':
			stacks = true;
			break;
		case 'h':
			return -1;
		default:
			return cli_option_error(cmd, ch, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (stacks)
		o->stacks = o->threads > 0 ? o->threads : REPORT_STACKS_DEFAULT;
	if (o->threads < 0)
		o->threads = o->json ? 1000000 : 10;
	return 0;
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
		if (d != NULL)
			d->nthreads = 0;
		dump_report_free(d);
		free(tids);
	}
}

/* Runs one interval from the current baseline and prints its report. */
static int
report_one(const struct procfs *fs, struct collector *c, const struct report_opts *o)
{
	const struct report_shape shape = {(size_t)o->processes, (size_t)o->threads};
	struct report *r;
	int err;

	if (o->json || collector_task_count(c) <= REPORT_WATCH_ALL_MAX)
		collector_watch_all(c);
	else
		collector_watch_busiest(c, REPORT_WATCH_BUSIEST);
	cli_sleep(o->delay);
	if ((err = collector_sample(c)) != 0)
		return err;
	r = collector_report(c, &shape);
	if (o->stacks > 0)
		report_take_stacks(fs, r, (size_t)o->stacks);
	if (o->json)
		report_json_write(stdout, r);
	else
		report_text_write(stdout, r);
	fflush(stdout);
	report_free(r);
	collector_set_baseline(c);
	return 0;
}

static int
cmd_report_exec(int argc, char **argv)
{
	struct report_opts o;
	struct procfs *fs = NULL;
	struct collector *c = NULL;
	int rc = report_parse(argc, argv, &o);
	int err;

	if (rc != 0) {
		free(o.pids);
		return rc < 0 ? cli_help(&cmd_report_entry, report_options) : rc;
	}
	if (cli_open_procfs(&fs) != 0) {
		free(o.pids);
		return EXIT_TARGET;
	}
	collector_new(fs, o.pids, o.npids, &c);
	err = collector_sample(c);
	collector_set_baseline(c);
	for (long i = 0; err == 0 && i < o.count; i++) {
		if (i > 0 && !o.json)
			putchar('\n');
		err = report_one(fs, c, &o);
	}
	rc = err != 0 ? cli_sample_error(fs, collector_gone_pid(c), err) : 0;
	collector_free(c);
	procfs_free(fs);
	free(o.pids);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
    .name = "report",
    .usage = "[-p PID,...] [-d SECONDS] [-n THREADS] [-P PROCESSES] [-c COUNT] [--stacks] [--json]",
    .summary = "the hottest processes and threads over an interval (top -H, one shot)",
    .exec = cmd_report_exec,
};
