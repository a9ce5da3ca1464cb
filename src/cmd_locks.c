/* stacktop locks: what every blocked thread waits for (a mutex and who holds
 * it, an rwlock, a condition variable, the GIL, an fd), and every deadlock,
 * reported the way jstack reports one. */
#include "cli.h"
#include "probes/locks.h"
#include "ui/locks_json.h"
#include "ui/locks_text.h"

#include <stdio.h>

static const char locks_options[] = "options:\n"
                                    "  -p, --pid PID    the process (required)\n"
                                    "      --json       JSON output (schema stacktop.locks/1)\n"
                                    "  -h, --help       this help\n";

static int
cmd_locks_exec(int argc, char **argv)
{
	struct target_opts o = {0};
	struct locks_report *r = NULL;
	struct procfs *fs = NULL;
	int rc = cli_parse_target(&cmd_locks_entry, locks_options, argc, argv, &o);
	int err;

	if (rc >= 0)
		return rc;
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	err = locks_take(fs, o.pid, &r);
	procfs_free(fs);
	if (err != 0)
		return cli_target_error(o.pid, err);
	if (o.json)
		locks_json_write(stdout, r);
	else
		locks_text_write(stdout, r);
	locks_report_free(r);
	return 0;
}

const struct cmd_entry cmd_locks_entry = {
    .name = "locks",
    .usage = "-p PID [--json]",
    .summary = "what each blocked thread waits for (mutex and owner, rwlock, condvar, GIL, "
               "fd) and every deadlock",
    .exec = cmd_locks_exec,
};
