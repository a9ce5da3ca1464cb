/* stacktop: which process, which thread, and what is it doing. */
#include "cli.h"
#include "completion.h"
#include "ui/terminal.h"
#include "xmalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef STACKTOP_VERSION
#define STACKTOP_VERSION "unknown"
#endif

static const struct cmd_entry *const commands[] = {
    &cmd_top_entry,    &cmd_report_entry, &cmd_mem_entry,  &cmd_dump_entry,
    &cmd_record_entry, &cmd_locks_entry,  &cmd_diff_entry, &cmd_tasks_entry,
};

static int
main_usage(FILE *out)
{
	fprintf(out, "usage: stacktop [COMMAND] [OPTIONS]\n\n"
	             "Which process, which thread, and what is it doing.\n"
	             "With no command, prints a report when stdout is not a terminal.\n\n"
	             "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "  %-8s %s\n  %-8s %s\n", "help", "this help, or a command's (help COMMAND)",
	        "version", "the version (also --version, -V)");
	fprintf(out, "\n'stacktop COMMAND --help' describes each; man stacktop has it all.\n");
	return out == stdout ? 0 : EXIT_USAGE;
}

/* Whether the arguments (argv[0] is the command) ask for --help. */
static bool
main_asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* The reports the live view gives way to: its options, and a count with
 * no practical end (a report a second for eleven days). */
static int
main_run_reports(int argc, char **argv, const char *why)
{
	char **args = xcalloc((size_t)argc + 3, sizeof(*args));
	int rc;

	fprintf(stderr,
	        "stacktop: %s: printing a report every interval instead of the live view "
	        "(Ctrl-C stops)\n",
	        why);
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	args[argc] = "--count";
	args[argc + 1] = "1000000";
	rc = cli_run(&cmd_report_entry, argc + 2, args);
	free(args);
	return rc;
}

/* Runs cmd on its arguments (argv[0] is its name or the program's). */
static int
main_run(const struct cmd_entry *cmd, int argc, char **argv)
{
	char why[128];

	/* The live view needs a terminal on both ends; a script or a pipe
	 * gets the report, which answers the same question (as atop), with
	 * report's options. Its help stays the live view's: it says so. */
	if (cmd == &cmd_top_entry && !main_asks_help(argc, argv) &&
	    (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
		cmd = &cmd_report_entry;
	/* A terminal curses cannot draw on (TERM=dumb): the report, once per
	 * interval until Ctrl-C, after a line that says why. */
	if (cmd == &cmd_top_entry && !main_asks_help(argc, argv) &&
	    terminal_check(why, sizeof(why)) != 0)
		return main_run_reports(argc, argv, why);
	return cli_run(cmd, argc, argv);
}

/* The command named name, or NULL. */
static const struct cmd_entry *
main_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i]->name) == 0)
			return commands[i];
	return NULL;
}

/* stacktop help [COMMAND]: --help, or COMMAND --help. */
static int
main_help(int argc, char **argv)
{
	const struct cmd_entry *cmd;

	if (argc < 2)
		return main_usage(stdout);
	if ((cmd = main_command(argv[1])) == NULL) {
		fprintf(stderr, "stacktop help: unknown command '%s'\n", argv[1]);
		return main_usage(stderr);
	}
	if (argc > 2) {
		fprintf(stderr, "stacktop help: unexpected argument '%s'\n", argv[2]);
		return main_usage(stderr);
	}
	cli_help_write(stdout, cmd);
	return 0;
}

/* stacktop completion SHELL (not in --help: meson installs its output). */
static int
main_completion(int argc, char **argv)
{
	if (argc == 2 && completion_write(stdout, argv[1], commands,
	                                  sizeof(commands) / sizeof(commands[0])) == 0)
		return 0;
	fprintf(stderr, "stacktop completion: the shell is bash, zsh or fish\n"
	                "usage: stacktop completion bash|zsh|fish\n");
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *cmd;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return main_usage(stdout);
	if (argc >= 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
	                  strcmp(argv[1], "version") == 0)) {
		printf("stacktop %s\n", STACKTOP_VERSION);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "completion") == 0)
		return main_completion(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "help") == 0)
		return main_help(argc - 1, argv + 1);
	if (argc >= 2 && argv[1][0] != '-') {
		if ((cmd = main_command(argv[1])) != NULL)
			return main_run(cmd, argc - 1, argv + 1);
		fprintf(stderr, "stacktop: unknown command '%s'\n", argv[1]);
		return main_usage(stderr);
	}
	/* No command: top, its options after the program's name. */
	return main_run(&cmd_top_entry, argc, argv);
}
