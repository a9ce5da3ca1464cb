/* stacktop top (and stacktop with no command): the live view on a terminal.
 * Without one, main runs report instead, which answers the same question. */
#include "cli.h"
#include "probes/proctree.h"
#include "top.h"

static const struct cli_option top_options[] = {
    CLI_OPTION_PID_LIST,
    {.letter = 'd',
     .name = "delay",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "the refresh interval (default 1)",
     .noun = "the interval"},
    CLI_OPTION_TREE,
    CLI_OPTION_MAX_PROCESSES,
    {0},
};

static int
cmd_top_exec(const struct cli_args *args)
{
	struct top_opts o = {
	    .interval_s = cli_args_seconds(args, "delay", 1.0),
	    .tree = cli_args_has(args, "tree"),
	    .cap = (size_t)cli_args_int(args, "max-processes", PROCTREE_MAX_DEFAULT),
	};

	o.pids = cli_args_pids(args, "pid", &o.npids);
	if (o.tree && o.npids == 0)
		return cli_usage_error(&cmd_top_entry, "--tree needs -p PID");
	if (!o.tree && cli_args_has(args, "max-processes"))
		return cli_usage_error(&cmd_top_entry, "--max-processes goes with --tree");
	return top_run(&o);
}

const struct cmd_entry cmd_top_entry = {
    .name = "top",
    .usage = "[-p PID,...] [-d SECONDS] [--tree [--max-processes N]]",
    .summary = "the live view: hottest threads and what they execute (the default)",
    .options = top_options,
    .help_footer = "\n"
                   "Without a terminal on stdout, prints `stacktop report` with the same "
                   "options.\n"
                   "Keys: h in the view.\n",
    .exec = cmd_top_exec,
};
