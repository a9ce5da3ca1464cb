/* stacktop dump: every thread's stack, like pstack or gdb's
 * "thread apply all bt", stopping the target for milliseconds. */
#include "cli.h"
#include "probes/stacks.h"
#include "ui/dump_json.h"
#include "ui/dump_text.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char dump_options[] = "options:\n"
                                   "  -p, --pid PID    the process (required)\n"
                                   "      --json       JSON output (schema stacktop.dump/1)\n"
                                   "  -h, --help       this help\n";

static int
cmd_dump_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct cmd_entry *cmd = &cmd_dump_entry;
	struct dump_report *d = NULL;
	struct procfs *fs = NULL;
	int *pids = NULL;
	size_t npids = 0;
	bool json = false;
	int ch, err, pid;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":p:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (cli_parse_pids(optarg, &pids, &npids) != 0 || npids != 1) {
				free(pids);
				return cli_usage_error(cmd, "-p takes one PID");
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			free(pids);
			return cli_help(cmd, dump_options);
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
	err = stacks_dump(fs, pid, &d);
	procfs_free(fs);
	if (err != 0)
		return cli_target_error(pid, err);
	if (json)
		dump_json_write(stdout, d);
	else
		dump_text_write(stdout, d);
	dump_report_free(d);
	return 0;
}

const struct cmd_entry cmd_dump_entry = {
    .name = "dump",
    .usage = "-p PID [--json]",
    .summary = "every thread's stack (pstack, gdb bt), stopping the target for milliseconds",
    .exec = cmd_dump_exec,
};
