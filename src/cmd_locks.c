/* stacktop locks: what every blocked thread waits for (a mutex and who holds
 * it, an rwlock, a condition variable, the GIL, an fd), and every deadlock,
 * reported the way jstack reports one. */
#include "cli.h"
#include "probes/locks.h"
#include "probes/proctree.h"
#include "ui/locks_json.h"
#include "ui/locks_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

static const struct cli_option locks_options[] = {
    CLI_OPTION_TARGET_PID,
    {.name = "json",
     .help = "JSON output (schema stacktop.locks/1; with --tree one\n"
             "document a process, one after another)"},
    CLI_OPTION_TREE,
    CLI_OPTION_MAX_PROCESSES,
    {0},
};

/* Looks at pid's locks and writes them (json: a bool *). Returns 0 or
 * -errno. */
static int
locks_one(const struct procfs *fs, int pid, void *json)
{
	struct locks_report *r = NULL;
	int err = locks_take(fs, pid, &r);

	if (err != 0)
		return err;
	clock_gettime(CLOCK_REALTIME, &r->taken_at);
	if (*(const bool *)json)
		locks_json_write(stdout, r);
	else
		locks_text_write(stdout, r);
	locks_report_free(r);
	return 0;
}

static int
cmd_locks_exec(const struct cli_args *args)
{
	int pid = (int)cli_args_int(args, "pid", 0);
	bool json = cli_args_has(args, "json");
	struct procfs *fs = NULL;
	int err;

	if (!cli_args_has(args, "tree") && cli_args_has(args, "max-processes"))
		return cli_usage_error(&cmd_locks_entry, "--max-processes goes with --tree");
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	/* --tree: each process in turn, as dump --tree (a deadlock is within
	 * one process: its threads' futexes are its own memory). */
	if (cli_args_has(args, "tree")) {
		int rc = cli_tree_each(
		    fs, pid, (size_t)cli_args_int(args, "max-processes", PROCTREE_MAX_DEFAULT),
		    json, locks_one, &json);

		procfs_free(fs);
		return rc;
	}
	err = locks_one(fs, pid, &json);
	procfs_free(fs);
	return err != 0 ? cli_target_error(pid, err) : 0;
}

const struct cmd_entry cmd_locks_entry = {
    .name = "locks",
    .usage = "-p PID [--json] [--tree [--max-processes N]]",
    .summary = "what each blocked thread waits for (mutex and owner, rwlock, condvar, GIL, "
               "fd) and every deadlock",
    .options = locks_options,
    .exec = cmd_locks_exec,
};
