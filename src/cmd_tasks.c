/* stacktop tasks: every asyncio task of a Python process, the coroutines
 * each is suspended in, what it awaits, the tree of who awaits whom, and
 * tasks awaiting each other (deadlocks): what `python -m asyncio pstree`
 * shows on 3.14+, for 3.6-3.15. */
#include "cli.h"
#include "probes/python_tasks.h"
#include "ui/tasks_json.h"
#include "ui/tasks_text.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

static const struct cli_option tasks_options[] = {
    CLI_OPTION_TARGET_PID,
    {.name = "locals",
     .help = "each coroutine frame's arguments and local variables: type\n"
             "and a bounded repr (read in the same stop as the tasks)"},
    {.name = "json", .help = "JSON output (schema stacktop.tasks/1)"},
    {0},
};

static int
cmd_tasks_exec(const struct cli_args *args)
{
	int pid = (int)cli_args_int(args, "pid", 0);
	struct tasks_report *r = NULL;
	struct procfs *fs = NULL;
	int err;

	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	err = python_tasks_take(fs, pid, cli_args_has(args, "locals"), &r);
	procfs_free(fs);
	if (err == -ENOTSUP) {
		fprintf(stderr,
		        "stacktop: cannot read the asyncio tasks of %d: " PYTHON_TASKS_SUPPORTED
		        "\n",
		        pid);
		return EXIT_TARGET;
	}
	if (err != 0)
		return cli_target_error(pid, err);
	clock_gettime(CLOCK_REALTIME, &r->taken_at);
	if (cli_args_has(args, "json"))
		tasks_json_write(stdout, r);
	else
		tasks_text_write(stdout, r);
	tasks_report_free(r);
	return 0;
}

const struct cmd_entry cmd_tasks_entry = {
    .name = "tasks",
    .usage = "-p PID [--locals] [--json]",
    .summary = "every asyncio task: its coroutine stack, what it awaits, the awaited-by tree "
               "and deadlocks",
    .options = tasks_options,
    .exec = cmd_tasks_exec,
};
