/* stacktop locks: what every blocked thread waits for (a mutex and who holds
 * it, an rwlock, a condition variable, the GIL, an fd), and every deadlock,
 * reported the way jstack reports one. */
#include "cli.h"
#include "probes/locks.h"
#include "ui/locks_json.h"
#include "ui/locks_text.h"

#include <stdio.h>
#include <time.h>

static const struct cli_option locks_options[] = {
    CLI_OPTION_TARGET_PID,
    {.name = "json", .help = "JSON output (schema stacktop.locks/1)"},
    {0},
};

static int
cmd_locks_exec(const struct cli_args *args)
{
	int pid = (int)cli_args_int(args, "pid", 0);
	struct locks_report *r = NULL;
	struct procfs *fs = NULL;
	int err;

	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	err = locks_take(fs, pid, &r);
	procfs_free(fs);
	if (err != 0)
		return cli_target_error(pid, err);
	clock_gettime(CLOCK_REALTIME, &r->taken_at);
	if (cli_args_has(args, "json"))
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
    .options = locks_options,
    .exec = cmd_locks_exec,
};
