/* stacktop mem: where a process's memory is, and whether it keeps growing. */
#include "cli.h"
#include "clock.h"
#include "probes/mem.h"
#include "probes/python_types.h"
#include "ui/mem_json.h"
#include "ui/mem_text.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* RssAnon is read ten times a second; the minima of MEM_WINDOWS equal windows
 * feed the slope, so a sawtooth shorter than -d / MEM_WINDOWS is ignored. */
#define MEM_SAMPLE_PERIOD_S 0.1
#define MEM_WINDOWS         5

/* Types shown by --python-types unless --top says otherwise. */
#define MEM_TOP_DEFAULT 20
#define MEM_TOP_MAX     100000
/* The smallest --max-stop. */
#define MEM_MIN_STOP_S 0.001

static const char mem_options[] =
    "options:\n"
    "  -p, --pid PID          the process (required)\n"
    "  -d, --delay SECONDS    how long to watch RssAnon for growth (default 10)\n"
    "      --python-types     a Python process's collector state and its objects\n"
    "                         by type (like objgraph.most_common_types), stopping\n"
    "                         it while its object lists are copied\n"
    "      --top N            how many types to show (default 20)\n"
    "      --max-stop SECONDS the longest it holds the target stopped, all\n"
    "                         stops together (default 2); a census that\n"
    "                         needs longer is partial\n"
    "      --json             JSON output (schema stacktop.mem/1)\n"
    "  -h, --help             this help\n";

struct mem_opts {
	bool python_types;
	long top;
	struct python_types_limits limits;
};

/* --python-types, --top and --max-stop (cli_parse_target parses the rest). */
static int
mem_option(void *ctx, int ch, const char *arg)
{
	struct mem_opts *o = ctx;

	if (ch == 'P') {
		o->python_types = true;
	} else if (ch == 'S') {
		/* Below a millisecond, the stop's fixed costs (interrupting
		 * and letting go of each thread, reading the collector's state:
		 * about 0.1-0.2 ms) are the stop. */
		if (cli_parse_seconds(arg, &o->limits.max_stop_s) != 0 ||
		    o->limits.max_stop_s < MEM_MIN_STOP_S)
			return cli_usage_error(
			    &cmd_mem_entry, "--max-stop wants seconds from 0.001, not '%s'", arg);
	} else if (cli_parse_count(arg, 1, MEM_TOP_MAX, &o->top) != 0) {
		return cli_usage_error(&cmd_mem_entry, "--top wants a count from 1 to %d, not '%s'",
		                       MEM_TOP_MAX, arg);
	}
	return -1;
}

/* Samples RssAnon for seconds and fits its growth. Returns 0 or -errno. */
static int
mem_watch(const struct procfs *fs, int pid, double seconds, struct mem_report *out)
{
	struct growth_series s = {0};
	double start = clock_monotonic_s(), now = start;
	int64_t kib;
	int err;

	while ((err = mem_read_anon(fs, pid, &kib)) == 0) {
		growth_series_add(&s, now, kib);
		if (now - start >= seconds)
			break;
		cli_sleep(MEM_SAMPLE_PERIOD_S);
		now = clock_monotonic_s();
	}
	if (err == 0)
		mem_report_set_growth(out, &s, MEM_WINDOWS);
	growth_series_clear(&s);
	/* A zombie has no memory to watch: it is as gone as an exited process. */
	return err == -ENODATA ? -ESRCH : err;
}

static int
cmd_mem_exec(int argc, char **argv)
{
	static const struct option extra[] = {
	    {"python-types", no_argument, NULL, 'P'},
	    {"top", required_argument, NULL, 'T'},
	    {"max-stop", required_argument, NULL, 'S'},
	    {NULL, 0, NULL, 0},
	};
	struct mem_opts m = {.top = MEM_TOP_DEFAULT,
	                     .limits = {PYTHON_TYPES_MAX_OBJECTS, PYTHON_TYPES_MAX_STOP_S,
	                                PYTHON_TYPES_MAX_COPY_BYTES}};
	struct target_opts o = {.has_delay = true,
	                        .seconds = 10,
	                        .extra = extra,
	                        .extra_option = mem_option,
	                        .ctx = &m};
	struct mem_report report = {0};
	struct procfs *fs = NULL;
	int rc = cli_parse_target(&cmd_mem_entry, mem_options, argc, argv, &o);
	int err, pid = o.pid;

	if (rc >= 0)
		return rc;
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	/* Read the breakdown first: it fails fast on a missing PID or on no
	 * permission, before the user waits for the growth window; so does the
	 * Python histogram on a process that is not Python. */
	err = mem_read_usage(fs, pid, &report);
	report.python_top = (size_t)m.top;
	if (err == 0 && m.python_types)
		err = python_types_take(fs, pid, &m.limits, &report.python);
	if (err == 0)
		err = mem_watch(fs, pid, o.seconds, &report);
	/* Then again, so that the totals describe the end of the window. */
	if (err == 0)
		err = mem_read_usage(fs, pid, &report);
	procfs_free(fs);
	if (err != 0) {
		python_types_free(report.python);
		return cli_target_error(pid, err);
	}
	if (o.json)
		mem_json_write(stdout, &report);
	else
		mem_text_write(stdout, &report);
	python_types_free(report.python);
	return 0;
}

const struct cmd_entry cmd_mem_entry = {
    .name = "mem",
    .usage = "-p PID [-d SECONDS] [--python-types [--top N] [--max-stop SECONDS]] [--json]",
    .summary = "RSS, PSS, USS, swap, memory by kind, and whether it keeps growing",
    .exec = cmd_mem_exec,
};
