/* The command line: the table of subcommands, the options each declares and
 * the one parser for them all, and what they share (PID lists, durations,
 * and turning an error code into one line that says what to do). */
#ifndef STACKTOP_CLI_H
#define STACKTOP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes (DESIGN.md): the target could not be examined, or bad usage. */
enum { EXIT_TARGET = 1, EXIT_USAGE = 2 };

/* What an option takes after it. */
enum cli_arg {
	CLI_ARG_NONE,    /* nothing: a flag */
	CLI_ARG_INT,     /* a whole number from min to max (cli_parse_count) */
	CLI_ARG_SECONDS, /* a number of seconds, above 0 and at most a day
	                    (cli_parse_seconds), and at least min_seconds */
	CLI_ARG_STRING,  /* any text, or one of choices */
	CLI_ARG_PID,     /* exactly one PID */
	CLI_ARG_PIDS,    /* a list of PIDs "1,2,3"; given again, the lists add up */
	/* Not an option: the arguments that are none, in order
	 * (cli_args_operands). Without such an entry they are refused. Its
	 * value names them in --help ("BEFORE AFTER"); no letter; its name
	 * is for the table only and is never an option. */
	CLI_ARG_OPERANDS,
};

/* One option of a command, declared once: the parser, the usage errors and
 * --help all read it. A table of them ends with an entry without a name.
 * -h, --help is every command's and is not declared. */
struct cli_option {
	char letter;       /* the short form, -x; 0 for a long form only */
	const char *name;  /* the long form, --name */
	enum cli_arg arg;  /* what it takes */
	const char *value; /* the argument's name in --help ("SECONDS"); NULL for a flag */
	const char *help;  /* its --help text; each '\n' starts a line under the first */
	/* The usage error for a value it does not take: a format whose one
	 * conversion is a %s for the value as given (or none at all); for
	 * CLI_ARG_PID, CLI_ARG_PIDS and a CLI_ARG_STRING with choices. */
	const char *bad;
	/* CLI_ARG_INT and CLI_ARG_SECONDS: what the value is ("the interval"),
	 * for the usage error that names the range ("-d 0: the interval must
	 * be more than 0 and at most 86400 seconds"). */
	const char *noun;
	bool required;              /* missing: "-x VALUE is required" */
	long min, max;              /* CLI_ARG_INT: the range, inclusive */
	double min_seconds;         /* CLI_ARG_SECONDS: the least it takes, or 0 */
	const char *const *choices; /* CLI_ARG_STRING: the words it takes (ended by
	                               NULL; its value is their index), or NULL */
};

/* The -p of the commands aimed at one process (dump, locks, mem), and of
 * those that look at some or all (top, report): initializers for their
 * tables. */
#define CLI_OPTION_TARGET_PID                                                                      \
	{                                                                                          \
		.letter = 'p', .name = "pid", .arg = CLI_ARG_PID, .value = "PID",                  \
		.help = "the process (required)", .bad = "-p takes one PID", .required = true      \
	}
#define CLI_OPTION_PID_LIST                                                                        \
	{                                                                                          \
		.letter = 'p', .name = "pid", .arg = CLI_ARG_PIDS, .value = "PID[,PID...]",        \
		.help = "only these processes (repeatable)", .bad = "'%s' is not a PID list"       \
	}

/* --tree and --max-processes of the commands that follow a process's
 * descendants (report, dump, mem, record): initializers for their tables. */
#define CLI_TREE_MAX 100000
#define CLI_OPTION_TREE                                                                            \
	{                                                                                          \
		.name = "tree", .help = "the process (-p) and all its descendants, followed\n"     \
		                        "as they come and go"                                      \
	}
#define CLI_OPTION_MAX_PROCESSES                                                                   \
	{                                                                                          \
		.name = "max-processes", .arg = CLI_ARG_INT, .value = "N",                         \
		.help = "--tree follows at most N processes (default 64)",                         \
		.noun = "the process cap", .min = 1, .max = CLI_TREE_MAX                           \
	}

struct cli_args;

struct cmd_entry {
	const char *name;
	const char *usage;   /* the synopsis after "stacktop NAME" */
	const char *summary; /* one line for `stacktop --help` */
	const struct cli_option *options;
	const char *help_footer; /* after the options in --help, or NULL */
	/* Runs the command with its options parsed (borrowed for the call);
	 * returns the exit code. */
	int (*exec)(const struct cli_args *args);
};

extern const struct cmd_entry cmd_top_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_mem_entry;
extern const struct cmd_entry cmd_dump_entry;
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_locks_entry;
extern const struct cmd_entry cmd_diff_entry;
extern const struct cmd_entry cmd_tasks_entry;

/* Appends the PIDs of a "1,2,3" list to *pids (owned, grown with realloc).
 * Returns 0, or -1 when the list is not PIDs. */
int cli_parse_pids(const char *arg, int **pids, size_t *npids);

/* The most seconds any option takes: a day. */
#define CLI_SECONDS_MAX 86400

/* Parses a positive number of seconds ("1", "0.5"), at most CLI_SECONDS_MAX.
 * Returns 0 or -1. */
int cli_parse_seconds(const char *arg, double *out);

/* Parses a count between min and max. Returns 0 or -1. */
int cli_parse_count(const char *arg, long min, long max, long *out);

enum cli_args_status {
	CLI_ARGS_OK,   /* *out holds the options */
	CLI_ARGS_HELP, /* -h or --help came before any error */
	CLI_ARGS_BAD,  /* *cause says why, in one line */
};

/* Parses argv[1] to argv[argc - 1] against options (a table, borrowed until
 * cli_args_free) the way getopt_long does with GNU's permutation: short
 * options cluster (-sj) and take their value attached or next (-d1, -d 1),
 * long ones take it after '=' or next and may be cut to a unique prefix,
 * options and other arguments mix, and "--" ends the options. A value is
 * always the next argument, even one that starts with '-'. Stops at the
 * first error. No argument but options is allowed, and a required option
 * must be there. Makes no syscall and prints nothing.
 * Returns CLI_ARGS_OK with *out (owned, free with cli_args_free; its
 * strings are argv's, borrowed), CLI_ARGS_HELP, or CLI_ARGS_BAD with *cause
 * (owned, free with free()). */
enum cli_args_status cli_args_parse(const struct cli_option *options, int argc, char *const *argv,
                                    struct cli_args **out, char **cause);

/* Frees what cli_args_parse returned; NULL is a no-op. */
void cli_args_free(struct cli_args *args);

/* The accessors name an option by its long form, which must be in the table
 * (anything else is a bug: they abort). */

/* How many times the option was given. */
unsigned cli_args_count(const struct cli_args *args, const char *name);

bool cli_args_has(const struct cli_args *args, const char *name);

/* Where the option was given the last time: its index in argv, so that of
 * two options that set one thing the later can win; 0 when not given. */
int cli_args_position(const struct cli_args *args, const char *name);

/* The last value of a CLI_ARG_INT or CLI_ARG_PID option, or the index of
 * a CLI_ARG_STRING option's choice; unset when it was not given. */
long cli_args_int(const struct cli_args *args, const char *name, long unset);

/* The last value of a CLI_ARG_SECONDS option; unset when not given. */
double cli_args_seconds(const struct cli_args *args, const char *name, double unset);

/* The last value of an option as given (argv's, borrowed); unset when it
 * was not given. */
const char *cli_args_string(const struct cli_args *args, const char *name, const char *unset);

/* The arguments that are not options, in order (argv's, borrowed; the array
 * until cli_args_free), and their number in *n; NULL when none. */
const char *const *cli_args_operands(const struct cli_args *args, size_t *n);

/* Every PID of a CLI_ARG_PIDS option (borrowed until cli_args_free; NULL
 * when none) and their number in *n. */
const int *cli_args_pids(const struct cli_args *args, const char *name, size_t *n);

/* Runs cmd on argv (argv[0] is its name): parses its options, prints --help
 * or a usage error, else calls its exec. Returns the exit code. */
int cli_run(const struct cmd_entry *cmd, int argc, char **argv);

/* Writes the full --help of a command to f. */
void cli_help_write(FILE *f, const struct cmd_entry *cmd);

/* Prints "stacktop NAME: MESSAGE" and the usage line to stderr; returns
 * EXIT_USAGE. */
int cli_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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

/* The processes --tree follows now: each of roots (nroots) and its
 * descendants, each PID once, at most cap of them all, into *pids (owned,
 * free with free()) and their number into *n. When the cap leaves some
 * out, says so in one line on stderr the first time (*warned false; then
 * set), and sets *capped (may be NULL; else false). A root that is gone is
 * left out. Returns 0, or -ESRCH (with
 * *gone_pid) when every root is gone, or another -errno. */
int cli_tree_pids(const struct procfs *fs, const int *roots, size_t nroots, size_t cap, int **pids,
                  size_t *n, bool *warned, bool *capped, int *gone_pid);

/* --tree followed over time (report, the live view): the roots given and
 * the cap, and what the cap did. */
struct cli_tree {
	const int *roots; /* -p's, borrowed */
	size_t nroots;
	size_t cap;
	bool warned; /* the cap was said on stderr (the live view starts with it
	                set: it says so on its screen instead) */
	bool capped; /* the cap left some out at the last look */
};

/* Has c sample the tree as it is now (a worker started since the last
 * look is sampled from its start; one ended is dropped), through
 * cli_tree_pids. Returns 0, or -ESRCH when every root is gone (*gone_pid
 * names one; c keeps what it followed) or another -errno. */
struct collector;
int cli_tree_follow(const struct procfs *fs, struct collector *c, struct cli_tree *t,
                    int *gone_pid);

/* Whether pids (n of them) holds pid. */
bool cli_pids_have(const int *pids, size_t n, int pid);

/* Takes a sample of c. A requested process that is gone (or a zombie)
 * while others are left is dropped and the others are sampled again: one
 * dead PID of several does not cost the sample. It gets its line on
 * stderr when say, and with tree (may be NULL: not --tree) only when it
 * is a root: a worker that ended since the tree was listed is the churn
 * --tree follows (a pool replacing its workers). Returns 0, or -errno
 * when the last requested process is gone (collector_gone_pid names it)
 * or /proc cannot be read. */
int cli_sample(struct collector *c, const struct cli_tree *tree, bool say);

/* Each process of the tree of root (at most cap, the cap said on stderr),
 * the root first: one(fs, pid, arg) examines and writes it, returning 0
 * or -errno. In text (!json) each comes under a line "=== process I of N
 * in the tree of ROOT ==="; in JSON the documents follow one another, one
 * a process (as report -c N writes its reports). One that cannot be
 * examined gets its line on stderr and the others are examined; one gone
 * since the tree was listed is passed over. Returns the exit code: 0 when
 * the root was examined. */
int cli_tree_each(const struct procfs *fs, int root, size_t cap, bool json,
                  int (*one)(const struct procfs *fs, int pid, void *arg), void *arg);

/* Adds pid's PSS (its smaps_rollup, read now: see mem_read_rollup for the
 * cost) to t's: one that ended since it was sampled is left out, one we
 * may not read makes the sum unknown. */
struct report_tree;
void cli_tree_add_pss(const struct procfs *fs, struct report_tree *t, int pid);

/* How wide a text report may be, in columns: $COLUMNS when it is a
 * positive number, else the terminal's width when stdout is one, else 0
 * (no limit: a pipe or a file keeps full lines). */
size_t cli_output_width(void);

/* Sleeps for seconds, resuming after signals. */
void cli_sleep(double seconds);

#endif
