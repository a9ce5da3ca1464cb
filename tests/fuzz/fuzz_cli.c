/* libFuzzer harness for the command-line parser: the bytes, cut at each NUL,
 * are the arguments after a command's name, parsed against every command's
 * table. Nothing may crash or read outside the arguments; a parse gives
 * options or help or one reason, never two; and every option the table
 * declares can be read back from what parsed. */
#include "cli.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CLI_MAX_ARGS 64

static void
fuzz_cli_one(const struct cmd_entry *cmd, int argc, char **argv)
{
	struct cli_args *args = NULL;
	char *cause = NULL;
	enum cli_args_status st = cli_args_parse(cmd->options, argc, argv, &args, &cause);

	if ((st == CLI_ARGS_OK) != (args != NULL) || (st == CLI_ARGS_BAD) != (cause != NULL))
		abort();
	for (size_t i = 0; args != NULL && cmd->options[i].name != NULL; i++) {
		const char *name = cmd->options[i].name;
		size_t n;
		const int *pids = cli_args_pids(args, name, &n);

		if (cli_args_has(args, name) != (cli_args_count(args, name) > 0))
			abort();
		if (cli_args_position(args, name) >= argc)
			abort();
		for (size_t k = 0; k < n; k++)
			if (pids[k] <= 0)
				abort();
		(void)cli_args_int(args, name, 0);
		(void)cli_args_seconds(args, name, 0);
		(void)cli_args_string(args, name, NULL);
	}
	if (args != NULL) {
		size_t nops;
		const char *const *ops = cli_args_operands(args, &nops);

		for (size_t i = 0; i < nops; i++)
			if (ops[i] == NULL)
				abort();
	}
	free(cause);
	cli_args_free(args);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cmd_entry *const cmds[] = {
	    &cmd_top_entry,    &cmd_report_entry, &cmd_mem_entry,  &cmd_dump_entry,
	    &cmd_record_entry, &cmd_locks_entry,  &cmd_diff_entry,
	};
	char *argv[FUZZ_CLI_MAX_ARGS + 1] = {(char *)"fuzz"};
	int argc = 1;
	size_t start = 0;

	/* Each argument its own allocation of exactly its bytes and NUL, so
	 * that a read past one is caught. */
	for (size_t i = 0; i <= size && argc < FUZZ_CLI_MAX_ARGS; i++) {
		if (i < size && data[i] != '\0')
			continue;
		argv[argc] = malloc(i - start + 1);
		memcpy(argv[argc], data + start, i - start);
		argv[argc][i - start] = '\0';
		argc++;
		start = i + 1;
	}
	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++)
		fuzz_cli_one(cmds[c], argc, argv);
	for (int i = 1; i < argc; i++)
		free(argv[i]);
	return 0;
}
