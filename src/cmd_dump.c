/* stacktop dump: every thread's stack, like pstack or gdb's
 * "thread apply all bt", stopping the target for milliseconds; in a Python
 * process with the Python frames merged in, like py-spy dump --native. */
#include "cli.h"
#include "probes/proctree.h"
#include "probes/python_tasks.h"
#include "probes/stacks.h"
#include "ui/dump_json.h"
#include "ui/dump_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct cli_option dump_options[] = {
    CLI_OPTION_TARGET_PID,
    {.name = "native", .help = "native frames only"},
    {.name = "python", .help = "Python frames only, read without stopping the process"},
    {.name = "mixed",
     .help = "Python frames merged into the native stacks (the default\n"
             "for a Python process; an error for any other)"},
    {.name = "locals",
     .help = "each Python frame's arguments and local variables: type\n"
             "and a bounded repr (read in the same stop as the stacks)"},
    {.name = "json",
     .help = "JSON output (schema stacktop.dump/1; with --tree one\n"
             "document a process, one after another)"},
    {.name = "tasks",
     .help = "a Python process's asyncio tasks under the thread running\n"
             "their event loop (a second stop, to walk the collector's\n"
             "lists: see stacktop tasks)"},
    CLI_OPTION_TREE,
    CLI_OPTION_MAX_PROCESSES,
    {0},
};

/* What dump was asked for. */
struct dump_what {
	enum target_frames mode;
	bool locals, tasks, json;
};

/* The line saying why pid could not be dumped; returns the exit code. */
static int
dump_error(int pid, int err)
{
	if (err == -ENOTSUP) {
		fprintf(stderr,
		        "stacktop: cannot read the asyncio tasks of %d: " PYTHON_TASKS_SUPPORTED
		        "; run without --tasks\n",
		        pid);
		return EXIT_TARGET;
	}
	return cli_target_error(pid, err);
}

/* dump --tasks: d's process's asyncio tasks into d->tasks (with locals,
 * their frames' variables), a task whose loop runs in a thread not in d (it
 * started since) among those of loops not running. Returns 0 or
 * python_tasks_take's -errno. */
static int
dump_tasks(const struct procfs *fs, struct dump_report *d, bool locals)
{
	int err = python_tasks_take(fs, d->pid, locals, &d->tasks);

	if (err != 0)
		return err;
	for (size_t i = 0; i < d->tasks->ntasks; i++) {
		struct task_row *t = &d->tasks->tasks[i];
		bool listed = false;

		for (size_t k = 0; k < d->nthreads && !listed; k++)
			listed = d->threads[k].tid == t->loop_tid;
		if (!listed)
			t->loop_tid = 0;
	}
	return 0;
}

/* Dumps pid and writes it. Returns 0 or -errno. */
static int
dump_one(const struct procfs *fs, int pid, const struct dump_what *what)
{
	struct dump_report *d = NULL;
	int err = stacks_dump(fs, pid, what->mode, what->locals, &d);

	if (err == 0 && what->tasks && (err = dump_tasks(fs, d, what->locals)) != 0)
		dump_report_free(d);
	if (err != 0)
		return err;
	clock_gettime(CLOCK_REALTIME, &d->taken_at);
	if (what->json)
		dump_json_write(stdout, d);
	else
		dump_text_write(stdout, d);
	fflush(stdout);
	dump_report_free(d);
	return 0;
}

/* dump --tree's one process (cli_tree_each says why one could not be
 * dumped). */
static int
dump_tree_one(const struct procfs *fs, int pid, void *what)
{
	return dump_one(fs, pid, what);
}

static int
cmd_dump_exec(const struct cli_args *args)
{
	int pid = (int)cli_args_int(args, "pid", 0);
	enum target_frames mode = cli_args_has(args, "native")   ? TARGET_NATIVE
	                          : cli_args_has(args, "python") ? TARGET_PYTHON
	                          : cli_args_has(args, "mixed")  ? TARGET_MIXED
	                                                         : TARGET_AUTO;
	struct procfs *fs = NULL;
	struct dump_what what = {mode, cli_args_has(args, "locals"), cli_args_has(args, "tasks"),
	                         cli_args_has(args, "json")};
	int err;

	if (cli_args_count(args, "native") + cli_args_count(args, "python") +
	        cli_args_count(args, "mixed") >
	    1)
		return cli_usage_error(&cmd_dump_entry,
		                       "--native, --python and --mixed exclude each other");
	if (!cli_args_has(args, "tree") && cli_args_has(args, "max-processes"))
		return cli_usage_error(&cmd_dump_entry, "--max-processes goes with --tree");
	if (what.locals && mode == TARGET_NATIVE)
		return cli_usage_error(&cmd_dump_entry,
		                       "--locals are a Python frame's: not with --native");
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	if (cli_args_has(args, "tree")) {
		int rc = cli_tree_each(
		    fs, pid, (size_t)cli_args_int(args, "max-processes", PROCTREE_MAX_DEFAULT),
		    what.json, dump_tree_one, &what);

		procfs_free(fs);
		return rc;
	}
	err = dump_one(fs, pid, &what);
	procfs_free(fs);
	return err != 0 ? dump_error(pid, err) : 0;
}

const struct cmd_entry cmd_dump_entry = {
    .name = "dump",
    .usage = "-p PID [--native|--python|--mixed] [--locals] [--tasks] [--json] "
             "[--tree [--max-processes N]]",
    .summary = "every thread's stack (pstack, gdb bt, py-spy dump), stopping the target for "
               "milliseconds",
    .options = dump_options,
    .exec = cmd_dump_exec,
};
