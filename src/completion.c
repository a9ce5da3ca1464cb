#include "completion.h"

#include <stdbool.h>
#include <string.h>

/* What an option's value is completed with. */
enum completion_value {
	COMPLETION_NOTHING, /* a flag, or a number: nothing to offer */
	COMPLETION_PID,     /* one PID */
	COMPLETION_PIDS,    /* a list of PIDs, "1,2," */
	COMPLETION_CHOICES, /* one of its words */
	COMPLETION_FILE,    /* free text: a file (record -o) */
};

static enum completion_value
completion_value(const struct cli_option *o)
{
	switch (o->arg) {
	case CLI_ARG_PID:
		return COMPLETION_PID;
	case CLI_ARG_PIDS:
		return COMPLETION_PIDS;
	case CLI_ARG_STRING:
		return o->choices != NULL ? COMPLETION_CHOICES : COMPLETION_FILE;
	case CLI_ARG_OPERANDS: /* diff's profiles */
		return COMPLETION_FILE;
	case CLI_ARG_NONE:
	case CLI_ARG_INT:
	case CLI_ARG_SECONDS:
		break;
	}
	return COMPLETION_NOTHING;
}

/* The entry of cmd's table for its operands (not an option), or NULL. */
static const struct cli_option *
completion_operands(const struct cmd_entry *cmd)
{
	for (const struct cli_option *o = cmd->options; o->name != NULL; o++)
		if (o->arg == CLI_ARG_OPERANDS)
			return o;
	return NULL;
}

/* text on one line, for inside single quotes: for bash and zsh ('\''
 * for a quote), in a zsh _arguments spec (also its brackets and colons
 * escaped), or for fish (\' and \\). */
enum completion_quote { QUOTE_SH, QUOTE_ZSH_SPEC, QUOTE_FISH };

static void
completion_text(FILE *out, const char *text, enum completion_quote q)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			fputc(' ', out);
		else if (*p == '\'')
			fputs(q == QUOTE_FISH ? "\\'" : "'\\''", out);
		else if (*p == '\\' && q == QUOTE_FISH)
			fputs("\\\\", out);
		else if (q == QUOTE_ZSH_SPEC && strchr("[]:\\", *p) != NULL)
			fprintf(out, "\\%c", *p);
		else
			fputc(*p, out);
	}
}

/* The choices of o, separated by spaces. */
static void
completion_choices(FILE *out, const struct cli_option *o)
{
	for (size_t c = 0; o->choices[c] != NULL; c++)
		fprintf(out, "%s%s", c > 0 ? " " : "", o->choices[c]);
}

/* How a shell's script completes each kind of value: the text written for
 * it (choices: between open and close). */
struct completion_actions {
	const char *pid, *pids, *file, *choices_open, *choices_close, *number;
};

static const struct completion_actions completion_bash_actions = {
    .pid = "\t\tCOMPREPLY=($(compgen -W \"$(_stacktop_pids)\" -- \"$cur\"))\n",
    /* After the last comma of a list. */
    .pids = "\t\tCOMPREPLY=($(compgen -P \"${cur%\"${cur##*,}\"}\" -W \"$(_stacktop_pids)\" "
            "-- \"${cur##*,}\"))\n",
    .file = "\t\tcompopt -o filenames 2>/dev/null\n"
            "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n",
    .choices_open = "\t\tCOMPREPLY=($(compgen -W '",
    .choices_close = "' -- \"$cur\"))\n",
    .number = "",
};
static const struct completion_actions completion_zsh_actions = {
    .pid = "_pids",
    .pids = "_sequence _pids",
    .file = "_files",
    .choices_open = "(",
    .choices_close = ")",
    .number = " ",
};
static const struct completion_actions completion_fish_actions = {
    .pid = " -x -a '(__fish_complete_pids)'",
    .pids = " -x -a '(__stacktop_pids)'",
    .file = " -r -F",
    .choices_open = " -x -a '",
    .choices_close = "'",
    .number = " -x",
};

/* What completes the value of o, in a's words (nothing for a flag). */
static void
completion_action(FILE *out, const struct cli_option *o, const struct completion_actions *a)
{
	switch (completion_value(o)) {
	case COMPLETION_PID:
		fputs(a->pid, out);
		break;
	case COMPLETION_PIDS:
		fputs(a->pids, out);
		break;
	case COMPLETION_FILE:
		fputs(a->file, out);
		break;
	case COMPLETION_CHOICES:
		fputs(a->choices_open, out);
		completion_choices(out, o);
		fputs(a->choices_close, out);
		break;
	case COMPLETION_NOTHING:
		if (o->arg != CLI_ARG_NONE)
			fputs(a->number, out);
		break;
	}
}

/* The commands' names, separated by sep, with help and version. */
static void
completion_names(FILE *out, const struct cmd_entry *const *cmds, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", cmds[i]->name, sep);
	fprintf(out, "help%sversion", sep);
}

/* bash: "case CMD:PREV" on the option before the word completed, then the
 * command's options. The command is the first word that names one; none
 * is top (whose options the program takes without it). */
static void
completion_bash(FILE *out, const struct cmd_entry *const *cmds, size_t n)
{
	fprintf(out, "_stacktop_pids()\n"
	             "{\n"
	             "\tlocal d\n"
	             "\tfor d in /proc/[0-9]*; do\n"
	             "\t\tprintf '%%s\\n' \"${d#/proc/}\"\n"
	             "\tdone\n"
	             "}\n\n"
	             "_stacktop()\n"
	             "{\n"
	             "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i\n"
	             "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	             "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	             "\t\tcase ${COMP_WORDS[i]} in\n"
	             "\t\t");
	completion_names(out, cmds, n, "|");
	fprintf(out, ")\n"
	             "\t\t\tcmd=${COMP_WORDS[i]}\n"
	             "\t\t\tbreak\n"
	             "\t\t\t;;\n"
	             "\t\tesac\n"
	             "\tdone\n"
	             "\tCOMPREPLY=()\n"
	             "\t# The value of the option before.\n"
	             "\tcase ${cmd:-top}:$prev in\n");
	for (size_t i = 0; i < n; i++) {
		for (const struct cli_option *o = cmds[i]->options; o->name != NULL; o++) {
			if (o->arg == CLI_ARG_NONE || o->arg == CLI_ARG_OPERANDS)
				continue;
			fprintf(out, "\t%s:--%s", cmds[i]->name, o->name);
			if (o->letter != 0)
				fprintf(out, "|%s:-%c", cmds[i]->name, o->letter);
			fprintf(out, ")\n");
			completion_action(out, o, &completion_bash_actions);
			fprintf(out, "\t\treturn\n\t\t;;\n");
		}
	}
	fprintf(out, "\tesac\n"
	             "\tcase $cmd in\n"
	             "\thelp)\n"
	             "\t\tCOMPREPLY=($(compgen -W '");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i > 0 ? " " : "", cmds[i]->name);
	fprintf(out, "' -- \"$cur\"))\n\t\t;;\n");
	for (size_t i = 0; i < n; i++) {
		/* Without a command: the commands, top's options, --version. */
		if (strcmp(cmds[i]->name, "top") == 0)
			fprintf(out, "\ttop | \"\")\n");
		else
			fprintf(out, "\t%s)\n", cmds[i]->name);
		/* Its operands are files: a word that is no option. */
		if (completion_operands(cmds[i]) != NULL)
			fprintf(out, "\t\tif [[ $cur != -* ]]; then\n\t%s\t\t\treturn\n\t\tfi\n",
			        "\t\tcompopt -o filenames 2>/dev/null\n"
			        "\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n");
		fprintf(out, "\t\tCOMPREPLY=($(compgen -W '");
		for (const struct cli_option *o = cmds[i]->options; o->name != NULL; o++) {
			if (o->arg == CLI_ARG_OPERANDS)
				continue;
			if (o->letter != 0)
				fprintf(out, "-%c ", o->letter);
			fprintf(out, "--%s ", o->name);
		}
		fprintf(out, "-h --help'");
		if (strcmp(cmds[i]->name, "top") == 0) {
			fprintf(out, "\"${cmd:+ }${cmd:- -V --version ");
			completion_names(out, cmds, n, " ");
			fprintf(out, "}\"");
		}
		fprintf(out, " -- \"$cur\"))\n\t\t;;\n");
	}
	fprintf(out, "\tesac\n"
	             "}\n\n"
	             "complete -F _stacktop stacktop\n");
}

/* One _arguments spec of o: '(-d --delay)'{-d+,--delay=}'[help]:VALUE:action'. */
static void
completion_zsh_spec(FILE *out, const struct cli_option *o)
{
	enum completion_value v = completion_value(o);
	bool takes = o->arg != CLI_ARG_NONE;

	fputs(" \\\n\t\t\t", out);
	if (o->arg == CLI_ARG_OPERANDS) { /* '*:BEFORE AFTER:_files' */
		fputs("'*:", out);
		completion_text(out, o->value, QUOTE_ZSH_SPEC);
		fputc(':', out);
		completion_action(out, o, &completion_zsh_actions);
		fputc('\'', out);
		return;
	}
	/* A list adds up when given again; anything else is given once. */
	if (v == COMPLETION_PIDS)
		fputs("'*'", out);
	else if (o->letter != 0)
		fprintf(out, "'(-%c --%s)'", o->letter, o->name);
	else
		fprintf(out, "'(--%s)'", o->name);
	if (o->letter != 0)
		fprintf(out, "{-%c%s,--%s%s}", o->letter, takes ? "+" : "", o->name,
		        takes ? "=" : "");
	else
		fprintf(out, "--%s%s", o->name, takes ? "=" : "");
	fputs("'[", out);
	completion_text(out, o->help, QUOTE_ZSH_SPEC);
	fputs("]", out);
	if (takes) {
		fputc(':', out);
		completion_text(out, o->value, QUOTE_ZSH_SPEC);
		fputc(':', out);
	}
	completion_action(out, o, &completion_zsh_actions);
	fputc('\'', out);
}

/* zsh: the commands with their summaries, then _arguments on the options
 * of the command (top's without one). */
static void
completion_zsh(FILE *out, const struct cmd_entry *const *cmds, size_t n)
{
	fprintf(out, "_stacktop()\n"
	             "{\n"
	             "\tlocal -a commands\n"
	             "\tlocal cmd\n"
	             "\tcommands=(\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\t\t'%s:", cmds[i]->name);
		completion_text(out, cmds[i]->summary, QUOTE_SH);
		fputs("'\n", out);
	}
	fprintf(out,
	        "\t\t'help:this help, or a command'\\''s (help COMMAND)'\n"
	        "\t\t'version:the version (also --version, -V)'\n"
	        "\t)\n"
	        "\tif ((CURRENT == 2)) && [[ $PREFIX != -* ]]; then\n"
	        "\t\t_describe -t commands 'stacktop command' commands\n"
	        "\t\treturn\n"
	        "\tfi\n"
	        "\tif ((CURRENT > 2)) && ((${commands[(I)${(b)words[2]}:*]})); then\n"
	        "\t\tcmd=$words[2]\n"
	        "\t\tshift words\n"
	        "\t\t((CURRENT--))\n"
	        "\tfi\n"
	        "\tcase $cmd in\n"
	        "\thelp)\n"
	        "\t\tlocal -a names\n"
	        "\t\tnames=(\"${(@)commands[1,%zu]}\")\n"
	        "\t\t((CURRENT == 2)) && _describe -t commands 'stacktop command' names\n"
	        "\t\t;;\n"
	        "\tversion) ;;\n",
	        n);
	for (size_t i = 0; i < n; i++) {
		bool top = strcmp(cmds[i]->name, "top") == 0;

		fprintf(out, "\t%s)\n\t\t_arguments -s -S", top ? "top | \"\"" : cmds[i]->name);
		for (const struct cli_option *o = cmds[i]->options; o->name != NULL; o++)
			completion_zsh_spec(out, o);
		fputs(" \\\n\t\t\t'(- *)'{-h,--help}'[this help]'", out);
		if (top)
			fputs(" \\\n\t\t\t'(- *)'{-V,--version}'[the version]'", out);
		fputs("\n\t\t;;\n", out);
	}
	fprintf(out, "\tesac\n"
	             "}\n\n"
	             "_stacktop \"$@\"\n");
}

/* fish: one `complete` line a command and an option, each under the
 * condition that its command is the one on the line. */
static void
completion_fish(FILE *out, const struct cmd_entry *const *cmds, size_t n)
{
	fprintf(out, "function __stacktop_command\n"
	             "\tfor w in (commandline -opc)[2..-1]\n"
	             "\t\tswitch $w\n"
	             "\t\t\tcase ");
	completion_names(out, cmds, n, " ");
	fprintf(out, "\n"
	             "\t\t\t\techo $w\n"
	             "\t\t\t\treturn 0\n"
	             "\t\tend\n"
	             "\tend\n"
	             "\treturn 1\n"
	             "end\n\n"
	             "# Whether the command on the line is one of argv (none is top).\n"
	             "function __stacktop_in\n"
	             "\tset -l cmd (__stacktop_command); or set cmd top\n"
	             "\tcontains -- $cmd $argv\n"
	             "end\n\n"
	             "# PIDs after the last comma of a list.\n"
	             "function __stacktop_pids\n"
	             "\tset -l head (string replace -r '[^,]*$' '' -- (commandline -ct))\n"
	             "\tfor p in (__fish_complete_pids)\n"
	             "\t\techo $head$p\n"
	             "\tend\n"
	             "end\n\n"
	             "complete -c stacktop -f\n");
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "complete -c stacktop -n 'not __stacktop_command' -a %s -d '",
		        cmds[i]->name);
		completion_text(out, cmds[i]->summary, QUOTE_FISH);
		fputs("'\n", out);
	}
	fprintf(out,
	        "complete -c stacktop -n 'not __stacktop_command' -a help -d 'this help, or a "
	        "command\\'s (help COMMAND)'\n"
	        "complete -c stacktop -n 'not __stacktop_command' -a version -d 'the version'\n"
	        "complete -c stacktop -n 'not __stacktop_command' -s V -l version -d 'the "
	        "version'\n"
	        "complete -c stacktop -n '__stacktop_in help' -x -a '");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i > 0 ? " " : "", cmds[i]->name);
	fputs("'\n", out);
	for (size_t i = 0; i < n; i++) {
		for (const struct cli_option *o = cmds[i]->options; o->name != NULL; o++) {
			fprintf(out, "complete -c stacktop -n '__stacktop_in %s'", cmds[i]->name);
			if (o->arg == CLI_ARG_OPERANDS) { /* files, as words of their own */
				fputs(" -F\n", out);
				continue;
			}
			if (o->letter != 0)
				fprintf(out, " -s %c", o->letter);
			fprintf(out, " -l %s", o->name);
			completion_action(out, o, &completion_fish_actions);
			fputs(" -d '", out);
			completion_text(out, o->help, QUOTE_FISH);
			fputs("'\n", out);
		}
		fprintf(out,
		        "complete -c stacktop -n '__stacktop_in %s' -s h -l help -d 'this help'\n",
		        cmds[i]->name);
	}
}

int
completion_write(FILE *out, const char *shell, const struct cmd_entry *const *cmds, size_t n)
{
	const char *how = strcmp(shell, "zsh") == 0 ? "#compdef stacktop\n" : "";

	if (strcmp(shell, "bash") != 0 && strcmp(shell, "zsh") != 0 && strcmp(shell, "fish") != 0)
		return -1;
	fprintf(out,
	        "%s# %s completion for stacktop, written by `stacktop completion %s` from\n"
	        "# its option tables: do not edit.\n\n",
	        how, shell, shell);
	if (strcmp(shell, "bash") == 0)
		completion_bash(out, cmds, n);
	else if (strcmp(shell, "zsh") == 0)
		completion_zsh(out, cmds, n);
	else
		completion_fish(out, cmds, n);
	return 0;
}
