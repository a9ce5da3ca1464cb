/* stacktop dump: every thread's stack, like pstack or gdb's
 * "thread apply all bt", stopping the target for milliseconds. */
#include "cli.h"
#include "probes/stacks.h"
#include "ui/dump_json.h"
#include "ui/dump_text.h"

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
	struct target_opts o = {0};
	struct dump_report *d = NULL;
	struct procfs *fs = NULL;
	int rc = cli_parse_target(&cmd_dump_entry, dump_options, argc, argv, &o);
	int err, pid = o.pid;

	if (rc >= 0)
		return rc;
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	err = stacks_dump(fs, pid, &d);
	procfs_free(fs);
	if (err != 0)
		return cli_target_error(pid, err);
	if (o.json)
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
