/* The command-line parser (cli_args_parse) on a table with every kind of
 * argument, the way getopt_long parsed before it, and the tables and --help
 * of the real commands. */
#include "check.h"
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *const test_colours[] = {"red", "green", "blue", NULL};

static const struct cli_option test_options[] = {
    {.letter = 'p',
     .name = "pid",
     .arg = CLI_ARG_PID,
     .value = "PID",
     .help = "one process",
     .bad = "-p takes one PID"},
    {.letter = 'P',
     .name = "pids",
     .arg = CLI_ARG_PIDS,
     .value = "PID[,PID...]",
     .help = "processes",
     .bad = "'%s' is not a PID list"},
    {.letter = 'd',
     .name = "delay",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "seconds",
     .noun = "the interval"},
    {.name = "max-stop",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "seconds, from 0.001",
     .noun = "the longest stop",
     .min_seconds = 0.001},
    {.letter = 'n',
     .name = "threads",
     .arg = CLI_ARG_INT,
     .value = "N",
     .help = "a count",
     .noun = "the thread count",
     .min = 1,
     .max = 100},
    {.letter = 'o', .name = "output", .arg = CLI_ARG_STRING, .value = "FILE", .help = "a file"},
    {.letter = 'c',
     .name = "colour",
     .arg = CLI_ARG_STRING,
     .value = "COLOUR",
     .help = "red, green or blue",
     .bad = "unknown colour '%s'",
     .choices = test_colours},
    {.letter = 's', .name = "stacks", .help = "a flag"},
    {.name = "json", .help = "a long flag"},
    {.name = "jolly", .help = "shares --j with --json"},
    {0},
};

static const struct cli_option required_options[] = {
    {.letter = 'p',
     .name = "pid",
     .arg = CLI_ARG_PID,
     .value = "PID",
     .help = "the process (required)",
     .bad = "-p takes one PID",
     .required = true},
    {.name = "stop",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "h",
     .noun = "the stop",
     .required = true},
    {0},
};

/* Parses the NULL-ended words after a program name against options. */
static enum cli_args_status
parse_in(const struct cli_option *options, struct cli_args **args, char **cause,
         const char *const *words)
{
	char *argv[32] = {(char *)"test"};
	int argc = 1;

	while (words[argc - 1] != NULL)
		argv[argc] = (char *)words[argc - 1], argc++;
	return cli_args_parse(options, argc, argv, args, cause);
}

/* The parsed options of words, which must parse (NULL, checked, if not). */
static struct cli_args *
parse_ok(const char *const *words)
{
	struct cli_args *args;
	char *cause;
	enum cli_args_status st = parse_in(test_options, &args, &cause, words);

	if (!CHECK(st == CLI_ARGS_OK))
		fprintf(stderr, "  %s: %s\n", words[0] ? words[0] : "(none)", cause ? cause : "");
	free(cause);
	return st == CLI_ARGS_OK ? args : NULL;
}

/* Checks that words are a usage error whose message is want. */
static void
check_bad_in(const struct cli_option *options, const char *const *words, const char *want)
{
	struct cli_args *args;
	char *cause;

	CHECK(parse_in(options, &args, &cause, words) == CLI_ARGS_BAD);
	CHECK(args == NULL);
	CHECK_STR(cause, want);
	free(cause);
}

static void
check_bad(const char *const *words, const char *want)
{
	check_bad_in(test_options, words, want);
}

#define W(...) ((const char *const[]){__VA_ARGS__, NULL})

static void
test_kinds(void)
{
	struct cli_args *a;
	const int *pids;
	size_t n;

	a = parse_ok(W("-p", "42", "-P", "1,2", "--pids", "3", "-d", "0.5", "--max-stop=0.001",
	               "-n", "100", "-o", "-", "-c", "blue", "-s", "--json"));
	if (a != NULL) {
		CHECK(cli_args_int(a, "pid", 0) == 42);
		pids = cli_args_pids(a, "pids", &n);
		CHECK(n == 3 && pids[0] == 1 && pids[1] == 2 && pids[2] == 3);
		CHECK(cli_args_count(a, "pids") == 2);
		CHECK(cli_args_seconds(a, "delay", 9) == 0.5);
		CHECK(cli_args_seconds(a, "max-stop", 9) == 0.001);
		CHECK(cli_args_int(a, "threads", 0) == 100);
		CHECK_STR(cli_args_string(a, "output", NULL), "-");
		CHECK(cli_args_int(a, "colour", -1) == 2);
		CHECK_STR(cli_args_string(a, "colour", NULL), "blue");
		CHECK(cli_args_has(a, "stacks") && cli_args_has(a, "json"));
		CHECK(!cli_args_has(a, "jolly") && cli_args_count(a, "jolly") == 0);
	}
	cli_args_free(a);

	/* Not given: the caller's default. */
	a = parse_ok(W("-s"));
	if (a != NULL) {
		CHECK(cli_args_int(a, "pid", -7) == -7);
		CHECK(cli_args_pids(a, "pids", &n) == NULL && n == 0);
		CHECK(cli_args_seconds(a, "delay", 1.5) == 1.5);
		CHECK(cli_args_string(a, "output", NULL) == NULL);
		CHECK(cli_args_int(a, "colour", -1) == -1);
		CHECK(cli_args_position(a, "stacks") == 1 && cli_args_position(a, "json") == 0);
	}
	cli_args_free(a);

	/* Given again: the last value counts, and how many times is known. */
	a = parse_ok(W("-d", "1", "-s", "--delay", "2", "-ss"));
	if (a != NULL) {
		CHECK(cli_args_seconds(a, "delay", 0) == 2);
		CHECK(cli_args_count(a, "delay") == 2 && cli_args_count(a, "stacks") == 3);
		CHECK(cli_args_position(a, "delay") == 4 && cli_args_position(a, "stacks") == 6);
	}
	cli_args_free(a);
}

/* The forms getopt_long takes. */
static void
test_forms(void)
{
	struct cli_args *a;

	/* Clusters, values attached, --name=value, and a unique prefix. */
	a = parse_ok(W("-sd0.25", "-p7", "--thr=5", "--out", "f", "--js", "--co=red"));
	if (a != NULL) {
		CHECK(cli_args_has(a, "stacks") && cli_args_seconds(a, "delay", 0) == 0.25);
		CHECK(cli_args_int(a, "pid", 0) == 7 && cli_args_int(a, "threads", 0) == 5);
		CHECK_STR(cli_args_string(a, "output", NULL), "f");
		CHECK(cli_args_has(a, "json") && cli_args_int(a, "colour", -1) == 0);
	}
	cli_args_free(a);

	/* A value is the next argument, whatever it looks like; "--=" empty. */
	a = parse_ok(W("-o", "--", "-s", "--output=", "-c", "green"));
	if (a != NULL) {
		CHECK_STR(cli_args_string(a, "output", NULL), "");
		CHECK(cli_args_count(a, "output") == 2 && cli_args_has(a, "stacks"));
	}
	cli_args_free(a);
	a = parse_ok(W("-o", "--json"));
	if (a != NULL)
		CHECK(!cli_args_has(a, "json") &&
		      strcmp(cli_args_string(a, "output", ""), "--json") == 0);
	cli_args_free(a);

	/* A lone "-" is an argument, not an option. */
	check_bad(W("-s", "-"), "unexpected argument '-'");
}

static void
test_errors(void)
{
	/* A missing value. */
	check_bad(W("-d"), "-d needs a value");
	check_bad(W("-s", "--delay"), "--delay needs a value");
	check_bad(W("-sd"), "-d needs a value");
	check_bad(W("--del"), "--del needs a value");

	/* An unknown option, named as given; a prefix of two is unknown too,
	 * and so is a flag given a value (as getopt_long). */
	check_bad(W("-x"), "unknown option '-x'");
	check_bad(W("-d", "1", "-sx"), "unknown option '-x'");
	check_bad(W("-xs"), "unknown option '-x'");
	check_bad(W("--bogus"), "unknown option '--bogus'");
	check_bad(W("--bogus=1"), "unknown option '--bogus=1'");
	check_bad(W("--j"), "unknown option '--j'");
	check_bad(W("--json=1"), "unknown option '--json=1'");

	/* Bad values: each option's own message. */
	/* A number out of its range, or no number, says the range. */
	check_bad(W("-d", "abc"),
	          "-d abc: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("-d", "0"), "-d 0: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("-d", "-1"),
	          "-d -1: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("-d", "inf"),
	          "-d inf: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("-d", "1e9"),
	          "-d 1e9: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("--delay="),
	          "--delay : the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("--del=0"),
	          "--delay 0: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("--max-stop", "0.0005"),
	          "--max-stop 0.0005: the longest stop must be between 0.001 and 86400 seconds");
	check_bad(W("-p", "0"), "-p takes one PID");
	check_bad(W("-p", "-3"), "-p takes one PID");
	check_bad(W("-p", "abc"), "-p takes one PID");
	check_bad(W("-p", "1,2"), "-p takes one PID");
	check_bad(W("-P", "1,,2"), "'1,,2' is not a PID list");
	check_bad(W("-P", "-3"), "'-3' is not a PID list");
	check_bad(W("-n", "0"), "-n 0: the thread count must be a whole number from 1 to 100");
	check_bad(W("-n", "101"), "-n 101: the thread count must be a whole number from 1 to 100");
	check_bad(W("-n", "1x"), "-n 1x: the thread count must be a whole number from 1 to 100");
	check_bad(W("-n", "abc"), "-n abc: the thread count must be a whole number from 1 to 100");
	check_bad(W("--threads=99999999999999999999999"),
	          "--threads 99999999999999999999999: the thread count must be a whole number "
	          "from 1 to 100");
	check_bad(W("-c", "pink"), "unknown colour 'pink'");
	/* A choice given before does not make a later bad one good. */
	check_bad(W("-c", "red", "-c", "pink"), "unknown colour 'pink'");

	/* The first error wins: an option's comes before an argument's. */
	check_bad(W("-d", "x", "-n", "0"),
	          "-d x: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("extra", "-d", "x"),
	          "-d x: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("extra", "more"), "unexpected argument 'extra'");
}

/* "--" and permutation: options after other arguments are options, up to
 * "--"; after it everything is an argument. */
static void
test_permutation(void)
{
	struct cli_args *a;
	char *cause;

	check_bad(W("--", "-s"), "unexpected argument '-s'");
	check_bad(W("-s", "--", "extra"), "unexpected argument 'extra'");
	check_bad(W("-d", "1", "--", "-d"), "unexpected argument '-d'");
	check_bad(W("extra", "-s", "--json"), "unexpected argument 'extra'");
	a = parse_ok(W("-s", "--"));
	CHECK(a != NULL && cli_args_has(a, "stacks"));
	cli_args_free(a);
	/* A value may be "--". */
	check_bad(W("-p", "--"), "-p takes one PID");

	/* --help stops at once, after an error before it, not after one
	 * behind it. */
	CHECK(parse_in(test_options, &a, &cause, W("--help", "extra", "-x")) == CLI_ARGS_HELP);
	CHECK(a == NULL && cause == NULL);
	CHECK(parse_in(test_options, &a, &cause, W("-sh", "-d", "x")) == CLI_ARGS_HELP);
	CHECK(parse_in(test_options, &a, &cause, W("-s", "--he")) == CLI_ARGS_HELP);
	check_bad(W("-d", "x", "--help"),
	          "-d x: the interval must be more than 0 and at most 86400 seconds");
	check_bad(W("--", "--help"), "unexpected argument '--help'");
}

static void
test_required(void)
{
	struct cli_args *a;
	char *cause;

	check_bad_in(required_options, W("--stop", "1"), "-p PID is required");
	check_bad_in(required_options, W("-p", "1"), "--stop SECONDS is required");
	/* An unexpected argument is named before a missing option. */
	check_bad_in(required_options, W("x"), "unexpected argument 'x'");
	CHECK(parse_in(required_options, &a, &cause, W("-h")) == CLI_ARGS_HELP);
	CHECK(parse_in(required_options, &a, &cause, W("--stop", "1", "-p", "5")) == CLI_ARGS_OK);
	CHECK(a != NULL && cli_args_int(a, "pid", 0) == 5);
	cli_args_free(a);
}

/* Every command's table: what the parser and --help rely on. */
static void
test_tables(void)
{
	static const struct cmd_entry *const cmds[] = {
	    &cmd_top_entry,    &cmd_report_entry, &cmd_mem_entry,  &cmd_dump_entry,
	    &cmd_record_entry, &cmd_locks_entry,  &cmd_diff_entry,
	};

	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		const struct cli_option *o = cmds[c]->options;

		CHECK(cmds[c]->exec != NULL && cmds[c]->usage != NULL && cmds[c]->summary != NULL);
		for (size_t i = 0; o[i].name != NULL; i++) {
			const char *pct = o[i].bad ? strchr(o[i].bad, '%') : NULL;
			bool takes = o[i].arg != CLI_ARG_NONE;

			if (!CHECK(o[i].help != NULL && strcmp(o[i].name, "help") != 0 &&
			           o[i].letter != 'h'))
				fprintf(stderr, "  %s --%s\n", cmds[c]->name, o[i].name);
			bool number = o[i].arg == CLI_ARG_INT || o[i].arg == CLI_ARG_SECONDS;

			/* A value has a name in --help and a message when bad
			 * (free text cannot be bad); a number, a noun for
			 * the message that says its range. */
			if (!CHECK((o[i].value != NULL) == takes && (o[i].noun != NULL) == number &&
			           (o[i].bad != NULL) ==
			               (takes && !number && o[i].arg != CLI_ARG_OPERANDS &&
			                (o[i].arg != CLI_ARG_STRING || o[i].choices))))
				fprintf(stderr, "  %s --%s\n", cmds[c]->name, o[i].name);
			/* The message's one conversion is the value's %s. */
			if (!CHECK(pct == NULL || (pct[1] == 's' && strchr(pct + 1, '%') == NULL)))
				fprintf(stderr, "  %s --%s: %s\n", cmds[c]->name, o[i].name,
				        o[i].bad);
			CHECK(o[i].choices == NULL || o[i].arg == CLI_ARG_STRING);
			CHECK(o[i].arg != CLI_ARG_INT || o[i].min <= o[i].max);
			for (size_t j = 0; j < i; j++)
				if (!CHECK(strcmp(o[i].name, o[j].name) != 0 &&
				           (o[i].letter == 0 || o[i].letter != o[j].letter)))
					fprintf(stderr, "  %s: --%s twice\n", cmds[c]->name,
					        o[i].name);
		}
	}
}

/* A table with operands takes the other arguments, in order; one without
 * refuses them (test_errors). */
static void
test_operands(void)
{
	static const struct cli_option with_operands[] = {
	    {.name = "files", .arg = CLI_ARG_OPERANDS, .value = "A B", .help = "files"},
	    {.letter = 'o', .name = "output", .arg = CLI_ARG_STRING, .value = "F", .help = "o"},
	    {0},
	};
	struct cli_args *args;
	char *cause = NULL;
	const char *const *ops;
	size_t n;

	if (CHECK(parse_in(with_operands, &args, &cause, W("a", "-o", "x", "b", "--", "-c")) ==
	          CLI_ARGS_OK)) {
		ops = cli_args_operands(args, &n);
		if (CHECK(n == 3)) {
			CHECK_STR(ops[0], "a");
			CHECK_STR(ops[1], "b");
			CHECK_STR(ops[2], "-c");
		}
		CHECK_STR(cli_args_string(args, "output", NULL), "x");
		cli_args_free(args);
	}
	/* Its name is no option, and no operand is no error here. */
	check_bad_in(with_operands, W("--files", "a"), "unknown option '--files'");
	if (CHECK(parse_in(with_operands, &args, &cause, W("-o", "x")) == CLI_ARGS_OK)) {
		CHECK(cli_args_operands(args, &n) == NULL && n == 0);
		cli_args_free(args);
	}
}

static void
test_help(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cli_help_write(f, &cmd_dump_entry);
	fclose(f);
	CHECK_STR(text,
	          "usage: stacktop dump -p PID [--native|--python|--mixed] [--locals] "
	          "[--tasks] [--json] [--tree [--max-processes N]]\n"
	          "\n"
	          "every thread's stack (pstack, gdb bt, py-spy dump), stopping the "
	          "target for milliseconds\n"
	          "\n"
	          "options:\n"
	          "  -p, --pid PID          the process (required)\n"
	          "      --native           native frames only\n"
	          "      --python           Python frames only, read without stopping the "
	          "process\n"
	          "      --mixed            Python frames merged into the native stacks (the "
	          "default\n"
	          "                         for a Python process; an error for any other)\n"
	          "      --locals           each Python frame's arguments and local "
	          "variables: type\n"
	          "                         and a bounded repr (read in the same stop as "
	          "the stacks)\n"
	          "      --json             JSON output (schema stacktop.dump/1; with --tree "
	          "one\n"
	          "                         document a process, one after another)\n"
	          "      --tasks            a Python process's asyncio tasks under the thread "
	          "running\n"
	          "                         their event loop (a second stop, to walk the "
	          "collector's\n"
	          "                         lists: see stacktop tasks)\n"
	          "      --tree             the process (-p) and all its descendants, "
	          "followed\n"
	          "                         as they come and go\n"
	          "      --max-processes N  --tree follows at most N processes (default 64)\n"
	          "  -h, --help             this help\n");
	free(text);

	f = open_memstream(&text, &size);
	cli_help_write(f, &cmd_top_entry);
	fclose(f);
	CHECK(text != NULL && strstr(text, "  -p, --pid PID[,PID...]  only these processes "
	                                   "(repeatable)\n") != NULL);
	CHECK(text != NULL && strstr(text, "  -h, --help              this help\n\n"
	                                   "Without a terminal on stdout") != NULL);
	free(text);
}

int
main(void)
{
	test_kinds();
	test_forms();
	test_errors();
	test_permutation();
	test_required();
	test_tables();
	test_operands();
	test_help();
	return check_done("test_cli");
}
