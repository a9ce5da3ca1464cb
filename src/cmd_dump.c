/* stacktop dump: every thread's stack, like pstack or gdb's
 * "thread apply all bt", stopping the target for milliseconds; in a Python
 * process with the Python frames merged in, like py-spy dump --native. */
#include "cli.h"
#include "probes/proctree.h"
#include "probes/stacks.h"
#include "ui/dump_json.h"
#include "ui/dump_text.h"

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
    CLI_OPTION_TREE,
    CLI_OPTION_MAX_PROCESSES,
    {0},
};

/* Dumps pid and writes it. Returns 0 or -errno. */
static int
dump_one(const struct procfs *fs, int pid, enum target_frames mode, bool locals, bool json)
{
	struct dump_report *d = NULL;
	int err = stacks_dump(fs, pid, mode, locals, &d);

	if (err != 0)
		return err;
	clock_gettime(CLOCK_REALTIME, &d->taken_at);
	if (json)
		dump_json_write(stdout, d);
	else
		dump_text_write(stdout, d);
	fflush(stdout);
	dump_report_free(d);
	return 0;
}

/* dump --tree's one process. */
struct dump_tree_arg {
	enum target_frames mode;
	bool locals;
	bool json;
};

static int
dump_tree_one(const struct procfs *fs, int pid, void *arg)
{
	const struct dump_tree_arg *a = arg;

	return dump_one(fs, pid, a->mode, a->locals, a->json);
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
	bool json = cli_args_has(args, "json"), locals = cli_args_has(args, "locals");
	int err;

	if (cli_args_count(args, "native") + cli_args_count(args, "python") +
	        cli_args_count(args, "mixed") >
	    1)
		return cli_usage_error(&cmd_dump_entry,
		                       "--native, --python and --mixed exclude each other");
	if (!cli_args_has(args, "tree") && cli_args_has(args, "max-processes"))
		return cli_usage_error(&cmd_dump_entry, "--max-processes goes with --tree");
	if (locals && mode == TARGET_NATIVE)
		return cli_usage_error(&cmd_dump_entry,
		                       "--locals are a Python frame's: not with --native");
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	if (cli_args_has(args, "tree")) {
		struct dump_tree_arg a = {mode, locals, json};
		int rc = cli_tree_each(
		    fs, pid, (size_t)cli_args_int(args, "max-processes", PROCTREE_MAX_DEFAULT),
		    json, dump_tree_one, &a);

		procfs_free(fs);
		return rc;
	}
	err = dump_one(fs, pid, mode, locals, json);
	procfs_free(fs);
	return err != 0 ? cli_target_error(pid, err) : 0;
}

const struct cmd_entry cmd_dump_entry = {
    .name = "dump",
    .usage = "-p PID [--native|--python|--mixed] [--locals] [--json] [--tree [--max-processes N]]",
    .summary = "every thread's stack (pstack, gdb bt, py-spy dump), stopping the target for "
               "milliseconds",
    .options = dump_options,
    .exec = cmd_dump_exec,
};
