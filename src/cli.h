/* The command line: the table of subcommands and what they share (PID lists,
 * durations, and turning an error code into one line that says what to do). */
#ifndef STACKTOP_CLI_H
#define STACKTOP_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes (DESIGN.md): the target could not be examined, or bad usage. */
enum { EXIT_TARGET = 1, EXIT_USAGE = 2 };

struct cmd_entry {
	const char *name;
	const char *usage;   /* the synopsis after "stacktop NAME" */
	const char *summary; /* one line for `stacktop --help` */
	/* Runs the command with argv[0] == name; returns the exit code. */
	int (*exec)(int argc, char **argv);
};

extern const struct cmd_entry cmd_top_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_mem_entry;
extern const struct cmd_entry cmd_dump_entry;
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_locks_entry;

/* Appends the PIDs of a "1,2,3" list to *pids (owned, grown with realloc).
 * Returns 0, or -1 when the list is not PIDs. */
int cli_parse_pids(const char *arg, int **pids, size_t *npids);

/* Parses a positive number of seconds ("1", "0.5"). Returns 0 or -1. */
int cli_parse_seconds(const char *arg, double *out);

/* Parses a count between min and max. Returns 0 or -1. */
int cli_parse_count(const char *arg, long min, long max, long *out);

/* -p for a command aimed at one process: parses exactly one PID from arg
 * into *pid. Returns 0, or prints the usage error and returns EXIT_USAGE. */
int cli_option_pid(const struct cmd_entry *cmd, const char *arg, int *pid);

/* After the options of a command aimed at one process: no argument may be
 * left (optind is where getopt stopped) and pid must have been given.
 * Returns 0, or prints the usage error and returns EXIT_USAGE. */
int cli_finish_target(const struct cmd_entry *cmd, int argc, char **argv, int pid);

/* The options of a command aimed at one process: -p PID (required),
 * --json, and -d SECONDS when has_delay is set (seconds holds its default).
 * A command with long options of its own lists them in extra (ended by a
 * zeroed entry, each val a character the shared ones do not use: not p, d,
 * j, h); the parser calls extra_option(ctx, val, optarg) for each one met,
 * which returns -1 to go on or an exit code (after printing a usage error). */
struct option;
struct target_opts {
	int pid;
	bool json;
	bool has_delay;
	double seconds;
	const struct option *extra;
	int (*extra_option)(void *ctx, int ch, const char *arg);
	void *ctx;
};

/* Parses them. Returns -1 when the command should go on, else the exit code
 * to return: 0 after --help (printed with help), EXIT_USAGE after a usage
 * error (printed). */
int cli_parse_target(const struct cmd_entry *cmd, const char *help, int argc, char **argv,
                     struct target_opts *o);

/* Prints "stacktop NAME: MESSAGE" and the usage line to stderr; returns
 * EXIT_USAGE. */
int cli_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The usage error for what getopt_long returned for a missing value (':',
 * with a leading ':' in optstring) or an unknown option ('?'); returns
 * EXIT_USAGE. */
int cli_option_error(const struct cmd_entry *cmd, int ch, char **argv);

/* Prints the full --help of a command to stdout; returns 0. */
int cli_help(const struct cmd_entry *cmd, const char *options);

/* Prints one line for an error met while examining pid (err is -errno) with
 * the remedy where there is one; returns EXIT_TARGET. */
int cli_target_error(int pid, int err);

/* Prints one line for an error of a collector's sample (err, -errno): the
 * requested process gone_pid is gone (when > 0), or the procfs root fs
 * cannot be read; returns EXIT_TARGET. */
struct procfs;
int cli_sample_error(const struct procfs *fs, int gone_pid, int err);

/* The same line without "stacktop: " and newline, written into buf (size
 * bytes) for a screen. Returns buf. */
char *cli_target_message(int pid, int err, char *buf, size_t size);

/* Why every CPU could not be sampled (record -a, the live view's functions
 * page): err is syswide_new's -errno, or -ECANCELED for STACKTOP_PERF=0.
 * One line with what would allow it, without "stacktop: " and newline,
 * written into buf (size bytes). Returns buf. */
char *cli_system_wide_message(int err, char *buf, size_t size);

/* Opens the procfs root (see procfs_new) into *fs. Returns 0, or prints one
 * line and returns EXIT_TARGET. */
struct procfs;
int cli_open_procfs(struct procfs **fs);

/* Sleeps for seconds, resuming after signals. */
void cli_sleep(double seconds);

#endif
