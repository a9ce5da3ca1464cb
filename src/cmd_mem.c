/* stacktop mem: where a process's memory is, and whether it keeps growing. */
#include "cli.h"
#include "probes/mem.h"
#include "ui/mem_json.h"
#include "ui/mem_text.h"
#include "xmalloc.h"

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

static const char mem_options[] =
    "options:\n"
    "  -p, --pid PID          the process (required)\n"
    "  -d, --delay SECONDS    how long to watch RssAnon for growth (default 10)\n"
    "      --json             JSON output (schema stacktop.mem/1)\n"
    "  -h, --help             this help\n";

static double
mem_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Samples RssAnon for seconds and fits its growth. Returns 0 or -errno. */
static int
mem_watch(const struct procfs *fs, int pid, double seconds, struct mem_report *out)
{
	size_t cap = (size_t)(seconds / MEM_SAMPLE_PERIOD_S) + 4, n = 0;
	double *t = xmalloc(cap * sizeof(*t));
	int64_t *kib = xmalloc(cap * sizeof(*kib));
	double start = mem_now(), now = start;
	int err = 0;

	while (n < cap) {
		err = mem_read_anon(fs, pid, &kib[n]);
		if (err != 0)
			break;
		t[n++] = now - start;
		if (now - start >= seconds)
			break;
		cli_sleep(MEM_SAMPLE_PERIOD_S);
		now = mem_now();
	}
	if (err == 0) {
		growth_fit(t, kib, n, MEM_WINDOWS, &out->growth);
		out->samples = n;
		out->anon_first_kib = kib[0];
		out->anon_last_kib = kib[n - 1];
	}
	free(t);
	free(kib);
	/* A zombie has no memory to watch: it is as gone as an exited process. */
	return err == -ENODATA ? -ESRCH : err;
}

static int
cmd_mem_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"delay", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct cmd_entry *cmd = &cmd_mem_entry;
	struct mem_report report = {0};
	struct procfs *fs = NULL;
	int *pids = NULL;
	size_t npids = 0;
	double seconds = 10;
	bool json = false;
	int ch, err, pid;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (cli_parse_pids(optarg, &pids, &npids) != 0 || npids != 1) {
				free(pids);
				return cli_usage_error(cmd, "-p takes one PID");
			}
			break;
		case 'd':
			if (cli_parse_seconds(optarg, &seconds) != 0) {
				free(pids);
				return cli_usage_error(cmd, "'%s' is not a number of seconds",
				                       optarg);
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			free(pids);
			return cli_help(cmd, mem_options);
		case ':':
			free(pids);
			return cli_usage_error(cmd, "%s needs a value", argv[optind - 1]);
		default:
			free(pids);
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		free(pids);
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	}
	if (npids != 1)
		return cli_usage_error(cmd, "-p PID is required");
	pid = pids[0];
	free(pids);

	err = procfs_new(NULL, &fs);
	if (err != 0) {
		fprintf(stderr, "stacktop: cannot open procfs: %s\n", strerror(-err));
		return EXIT_TARGET;
	}
	/* Read the breakdown first: it fails fast on a missing PID or on no
	 * permission, before the user waits for the growth window. */
	err = mem_read_usage(fs, pid, &report);
	if (err == 0)
		err = mem_watch(fs, pid, seconds, &report);
	/* Then again, so that the totals describe the end of the window. */
	if (err == 0)
		err = mem_read_usage(fs, pid, &report);
	procfs_free(fs);
	if (err != 0)
		return cli_target_error(pid, err);
	if (json)
		mem_json_write(stdout, &report);
	else
		mem_text_write(stdout, &report);
	return 0;
}

const struct cmd_entry cmd_mem_entry = {
    .name = "mem",
    .usage = "-p PID [-d SECONDS] [--json]",
    .summary = "RSS, PSS, USS, swap, memory by kind, and whether it keeps growing",
    .exec = cmd_mem_exec,
};
