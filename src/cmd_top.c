/* stacktop top (and stacktop with no command): the live view on a terminal,
 * or the same question answered as a report when stdout is not one. */
#include "cli.h"
#include "top.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char top_options[] =
    "options:\n"
    "  -p, --pid PID[,PID...]  only these processes (repeatable)\n"
    "  -d, --delay SECONDS     the refresh interval (default 1)\n"
    "  -h, --help              this help\n"
    "\n"
    "Without a terminal on stdout, prints `stacktop report` with the same options.\n"
    "Keys: h in the view.\n";

static int
cmd_top_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"delay", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct cmd_entry *cmd = &cmd_top_entry;
	struct top_opts o = {.interval_s = 1.0};
	int *pids = NULL;
	size_t npids = 0;
	int ch, rc;

	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		/* A script or a pipe: the report answers the same question. */
		argv[0] = (char *)"report";
		return cmd_report_entry.exec(argc, argv);
	}
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (cli_parse_pids(optarg, &pids, &npids) != 0) {
				free(pids);
				return cli_usage_error(cmd, "'%s' is not a PID list", optarg);
			}
			break;
		case 'd':
			if (cli_parse_seconds(optarg, &o.interval_s) != 0) {
				free(pids);
				return cli_usage_error(cmd, "'%s' is not a number of seconds",
				                       optarg);
			}
			break;
		case 'h':
			free(pids);
			return cli_help(cmd, top_options);
		default:
			free(pids);
			return cli_option_error(cmd, ch, argv);
		}
	}
	if (optind < argc) {
		free(pids);
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	}
	o.pids = pids;
	o.npids = npids;
	rc = top_run(&o);
	free(pids);
	return rc;
}

const struct cmd_entry cmd_top_entry = {
    .name = "top",
    .usage = "[-p PID,...] [-d SECONDS]",
    .summary = "the live view: hottest threads and what they execute (the default)",
    .exec = cmd_top_exec,
};
