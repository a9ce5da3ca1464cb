/* stacktop dump: every thread's stack, like pstack or gdb's
 * "thread apply all bt", stopping the target for milliseconds; in a Python
 * process with the Python frames merged in, like py-spy dump --native. */
#include "cli.h"
#include "probes/stacks.h"
#include "ui/dump_json.h"
#include "ui/dump_text.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char dump_options[] =
    "options:\n"
    "  -p, --pid PID    the process (required)\n"
    "      --native     native frames only\n"
    "      --python     Python frames only, read without stopping the process\n"
    "      --mixed      Python frames merged into the native stacks (the default\n"
    "                   for a Python process; an error for any other)\n"
    "      --json       JSON output (schema stacktop.dump/1)\n"
    "  -h, --help       this help\n";

static int
dump_parse(int argc, char **argv, int *pid, enum stacks_mode *mode, bool *json)
{
	static const struct option longopts[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"native", no_argument, NULL, 'N'},
	    {"python", no_argument, NULL, 'Y'},
	    {"mixed", no_argument, NULL, 'M'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const struct cmd_entry *cmd = &cmd_dump_entry;
	size_t modes = 0;
	int ch, rc = 0;

	optind = 1;
	opterr = 0;
	while (rc == 0 && (ch = getopt_long(argc, argv, ":p:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			rc = cli_option_pid(cmd, optarg, pid);
			break;
		case 'N':
		case 'Y':
		case 'M':
			*mode = ch == 'N'   ? STACKS_NATIVE
			        : ch == 'Y' ? STACKS_PYTHON
			                    : STACKS_MIXED;
			modes++;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			rc = -1;
			break;
		default:
			rc = cli_option_error(cmd, ch, argv);
			break;
		}
	}
	if (rc == 0 && modes > 1)
		rc = cli_usage_error(cmd, "--native, --python and --mixed exclude each other");
	if (rc == 0)
		rc = cli_finish_target(cmd, argc, argv, *pid);
	return rc;
}

static int
cmd_dump_exec(int argc, char **argv)
{
	enum stacks_mode mode = STACKS_AUTO;
	struct dump_report *d = NULL;
	struct procfs *fs = NULL;
	bool json = false;
	int pid = 0, err;
	int rc = dump_parse(argc, argv, &pid, &mode, &json);

	if (rc != 0)
		return rc < 0 ? cli_help(&cmd_dump_entry, dump_options) : rc;
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	err = stacks_dump(fs, pid, mode, &d);
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
    .usage = "-p PID [--native|--python|--mixed] [--json]",
    .summary = "every thread's stack (pstack, gdb bt, py-spy dump), stopping the target for "
               "milliseconds",
    .exec = cmd_dump_exec,
};
