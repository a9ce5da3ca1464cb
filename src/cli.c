#include "cli.h"

#include "probes/collector.h"
#include "probes/mem.h"
#include "probes/procfs.h"
#include "probes/procfs_parse.h"
#include "probes/proctree.h"
#include "probes/python_layout.h"
#include "sanitize.h"
#include "xmalloc.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int
cli_parse_pids(const char *arg, int **pids, size_t *npids)
{
	const char *s = arg;

	while (*s) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno != 0 || end == s || v <= 0 || v > 0x3fffffff || (*end && *end != ','))
			return -1;
		*pids = xreallocarray(*pids, *npids + 1, sizeof(**pids));
		(*pids)[(*npids)++] = (int)v;
		s = *end ? end + 1 : end;
	}
	return *npids > 0 ? 0 : -1;
}

int
cli_parse_seconds(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end || !isfinite(v) || v <= 0 || v > CLI_SECONDS_MAX)
		return -1;
	*out = v;
	return 0;
}

int
cli_parse_count(const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The parsed options: one value a table entry, and one for -h, --help. */
struct cli_value {
	unsigned count;   /* times given */
	int position;     /* the index in argv of the last time; 0: never */
	const char *text; /* the last value as given (argv's) */
	long number;      /* CLI_ARG_INT, CLI_ARG_PID, a CLI_ARG_STRING's choice */
	double seconds;   /* CLI_ARG_SECONDS */
	int *pids;        /* CLI_ARG_PIDS (owned) */
	size_t npids;
};

struct cli_args {
	const struct cli_option *options; /* borrowed */
	size_t noptions;
	struct cli_value *values; /* noptions + 1: the last is -h's */
	int at;                   /* the index in argv of the option being parsed */
	bool help;
	const char **operands; /* owned array of argv's; CLI_ARG_OPERANDS */
	size_t noperands;
};

/* Every command's -h, --help: the index noptions of its table. */
static const struct cli_option cli_help_option = {
    .letter = 'h',
    .name = "help",
    .arg = CLI_ARG_NONE,
    .help = "this help",
};

static const struct cli_option *
cli_args_option(const struct cli_args *a, size_t i)
{
	return i < a->noptions ? &a->options[i] : &cli_help_option;
}

/* The option of a short form, or -1. */
static int
cli_args_find_letter(const struct cli_args *a, char letter)
{
	for (size_t i = 0; i <= a->noptions; i++)
		if (cli_args_option(a, i)->letter == letter)
			return (int)i;
	return -1;
}

/* The option of a long form (len bytes of name): the one of that name, else
 * the only one that it starts, as getopt_long; -1 when none or several. */
static int
cli_args_find_name(const struct cli_args *a, const char *name, size_t len)
{
	int found = -1;

	for (size_t i = 0; i <= a->noptions; i++) {
		const char *o = cli_args_option(a, i)->name;

		if (strncmp(o, name, len) != 0 || cli_args_option(a, i)->arg == CLI_ARG_OPERANDS)
			continue;
		if (o[len] == '\0')
			return (int)i;
		found = found == -1 ? (int)i : -2;
	}
	return found < 0 ? -1 : found;
}

/* The usage error of a number out of o's range, or not a number: it says
 * the range ("-n 0: the thread count must be a whole number from 1 to 100").
 * is_long: the option was given by its long form. Returns it (owned). */
static char *
cli_args_range_error(const struct cli_option *o, bool is_long, const char *value)
{
	char form[64];

	if (is_long || o->letter == 0)
		snprintf(form, sizeof(form), "--%s", o->name);
	else
		snprintf(form, sizeof(form), "-%c", o->letter);
	if (o->arg == CLI_ARG_INT)
		return xasprintf("%s %s: %s must be a whole number from %ld to %ld", form, value,
		                 o->noun, o->min, o->max);
	if (o->min_seconds > 0)
		return xasprintf("%s %s: %s must be between %g and %d seconds", form, value,
		                 o->noun, o->min_seconds, CLI_SECONDS_MAX);
	return xasprintf("%s %s: %s must be more than 0 and at most %d seconds", form, value,
	                 o->noun, CLI_SECONDS_MAX);
}

/* Takes the value of option i, given by its long form when is_long.
 * Returns 0, or -1 with *cause set. */
static int
cli_args_take(struct cli_args *a, size_t i, bool is_long, const char *value, char **cause)
{
	const struct cli_option *o = cli_args_option(a, i);
	struct cli_value *v = &a->values[i];
	int *pids = NULL;
	size_t npids = 0;
	double seconds = 0;
	long number = 0;
	bool ok = true;

	switch (o->arg) {
	case CLI_ARG_NONE:
		break;
	case CLI_ARG_INT:
		ok = cli_parse_count(value, o->min, o->max, &number) == 0;
		break;
	case CLI_ARG_SECONDS:
		ok = cli_parse_seconds(value, &seconds) == 0 && seconds >= o->min_seconds;
		break;
	case CLI_ARG_STRING:
		ok = o->choices == NULL;
		for (size_t c = 0; !ok && o->choices[c] != NULL; c++) {
			ok = strcmp(value, o->choices[c]) == 0;
			number = (long)c;
		}
		break;
	case CLI_ARG_PID:
		ok = cli_parse_pids(value, &pids, &npids) == 0 && npids == 1;
		number = ok ? pids[0] : 0;
		free(pids);
		break;
	case CLI_ARG_PIDS:
		ok = cli_parse_pids(value, &v->pids, &v->npids) == 0;
		break;
	case CLI_ARG_OPERANDS: /* never found as an option */
		break;
	}
	if (!ok) {
		*cause = o->arg == CLI_ARG_INT || o->arg == CLI_ARG_SECONDS
		             ? cli_args_range_error(o, is_long, value)
		             : xasprintf(o->bad, value);
		return -1;
	}
	v->count++;
	v->position = a->at;
	v->text = value;
	v->number = number;
	v->seconds = seconds;
	if (i == a->noptions)
		a->help = true;
	return 0;
}

/* A long option, argv[*i] (--name or --name=value), whose value is after
 * '=', else the next argument. Returns 0, or -1 with *cause set. */
static int
cli_args_long(struct cli_args *a, int argc, char *const *argv, int *i, char **cause)
{
	const char *arg = argv[*i], *name = arg + 2, *eq = strchr(name, '=');
	int k = cli_args_find_name(a, name, eq ? (size_t)(eq - name) : strlen(name));
	const struct cli_option *o = k >= 0 ? cli_args_option(a, (size_t)k) : NULL;
	const char *value = NULL;

	/* getopt_long calls an ambiguous prefix, and a flag given a value,
	 * unknown too. */
	if (o == NULL || (o->arg == CLI_ARG_NONE && eq != NULL)) {
		*cause = xasprintf("unknown option '%s'", arg);
		return -1;
	}
	if (o->arg != CLI_ARG_NONE && eq != NULL)
		value = eq + 1;
	else if (o->arg != CLI_ARG_NONE && *i + 1 < argc)
		value = argv[++*i];
	else if (o->arg != CLI_ARG_NONE) {
		*cause = xasprintf("%s needs a value", arg);
		return -1;
	}
	return cli_args_take(a, (size_t)k, true, value, cause);
}

/* The short options of argv[*i], one or more (-s, -sj, -d1, -d 1).
 * Returns 0, or -1 with *cause set. */
static int
cli_args_short(struct cli_args *a, int argc, char *const *argv, int *i, char **cause)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const char *value = NULL;
		int k;

		if ((k = cli_args_find_letter(a, *p)) < 0) {
			*cause = xasprintf("unknown option '-%c'", *p);
			return -1;
		}
		if (cli_args_option(a, (size_t)k)->arg != CLI_ARG_NONE) {
			if (p[1] != '\0')
				value = p + 1;
			else if (*i + 1 < argc)
				value = argv[++*i];
			else {
				*cause = xasprintf("-%c needs a value", *p);
				return -1;
			}
		}
		if (cli_args_take(a, (size_t)k, false, value, cause) != 0)
			return -1;
		/* A value ends the argument; -h ends the parse. */
		if (value != NULL || a->help)
			break;
	}
	return 0;
}

enum cli_args_status
cli_args_parse(const struct cli_option *options, int argc, char *const *argv, struct cli_args **out,
               char **cause)
{
	struct cli_args *a = xcalloc(1, sizeof(*a));
	const char *extra = NULL;
	bool options_end = false, operands = false;
	int rc = 0;

	*out = NULL;
	*cause = NULL;
	a->options = options;
	for (; options[a->noptions].name != NULL; a->noptions++)
		operands = operands || options[a->noptions].arg == CLI_ARG_OPERANDS;
	a->values = xcalloc(a->noptions + 1, sizeof(*a->values));
	/* Other arguments are passed over as getopt permutes them to the end,
	 * and only then refused: an error in an option after them comes first. */
	for (int i = 1; i < argc && rc == 0 && !a->help; i++) {
		const char *arg = argv[i];

		a->at = i;
		if (!options_end && strcmp(arg, "--") == 0)
			options_end = true;
		else if ((options_end || arg[0] != '-' || arg[1] == '\0') && operands) {
			a->operands =
			    xreallocarray(a->operands, a->noperands + 1, sizeof(*a->operands));
			a->operands[a->noperands++] = arg;
		} else if (options_end || arg[0] != '-' || arg[1] == '\0')
			extra = extra != NULL ? extra : arg;
		else if (arg[1] == '-')
			rc = cli_args_long(a, argc, argv, &i, cause);
		else
			rc = cli_args_short(a, argc, argv, &i, cause);
	}
	if (rc == 0 && a->help) {
		cli_args_free(a);
		return CLI_ARGS_HELP;
	}
	if (rc == 0 && extra != NULL) {
		*cause = xasprintf("unexpected argument '%s'", extra);
		rc = -1;
	}
	for (size_t i = 0; rc == 0 && i < a->noptions; i++) {
		const struct cli_option *o = &options[i];

		if (!o->required || a->values[i].count > 0)
			continue;
		if (o->letter != 0)
			*cause = xasprintf("-%c %s is required", o->letter, o->value);
		else
			*cause = xasprintf("--%s %s is required", o->name, o->value);
		rc = -1;
	}
	if (rc != 0) {
		cli_args_free(a);
		return CLI_ARGS_BAD;
	}
	*out = a;
	return CLI_ARGS_OK;
}

void
cli_args_free(struct cli_args *args)
{
	if (args == NULL)
		return;
	for (size_t i = 0; i <= args->noptions; i++)
		free(args->values[i].pids);
	free(args->values);
	free(args->operands);
	free(args);
}

static const struct cli_value *
cli_args_value(const struct cli_args *args, const char *name)
{
	for (size_t i = 0; i < args->noptions; i++)
		if (strcmp(args->options[i].name, name) == 0)
			return &args->values[i];
	/* A name missing from the command's own table is our bug. */
	fprintf(stderr, "stacktop: no option --%s\n", name);
	abort();
}

unsigned
cli_args_count(const struct cli_args *args, const char *name)
{
	return cli_args_value(args, name)->count;
}

bool
cli_args_has(const struct cli_args *args, const char *name)
{
	return cli_args_value(args, name)->count > 0;
}

long
cli_args_int(const struct cli_args *args, const char *name, long unset)
{
	const struct cli_value *v = cli_args_value(args, name);

	return v->count > 0 ? v->number : unset;
}

double
cli_args_seconds(const struct cli_args *args, const char *name, double unset)
{
	const struct cli_value *v = cli_args_value(args, name);

	return v->count > 0 ? v->seconds : unset;
}

int
cli_args_position(const struct cli_args *args, const char *name)
{
	return cli_args_value(args, name)->position;
}

const char *
cli_args_string(const struct cli_args *args, const char *name, const char *unset)
{
	const struct cli_value *v = cli_args_value(args, name);

	return v->count > 0 ? v->text : unset;
}

const char *const *
cli_args_operands(const struct cli_args *args, size_t *n)
{
	*n = args->noperands;
	return args->operands;
}

const int *
cli_args_pids(const struct cli_args *args, const char *name, size_t *n)
{
	const struct cli_value *v = cli_args_value(args, name);

	*n = v->npids;
	return v->pids;
}

int
cli_usage_error(const struct cmd_entry *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stacktop %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: stacktop %s %s\n", cmd->name, cmd->usage);
	return EXIT_USAGE;
}

/* "  -d, --delay SECONDS" of --help into buf; returns its length. */
static int
cli_help_form(const struct cli_option *o, char *buf, size_t size)
{
	int n = o->letter != 0 ? snprintf(buf, size, "  -%c, --%s", o->letter, o->name)
	                       : snprintf(buf, size, "      --%s", o->name);

	if (o->arg == CLI_ARG_OPERANDS) /* "  BEFORE AFTER" */
		return snprintf(buf, size, "  %s", o->value);
	if (o->value != NULL && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " %s", o->value);
	return n;
}

void
cli_help_write(FILE *f, const struct cmd_entry *cmd)
{
	/* The command's options, then -h, --help (o[n]). */
	struct cli_args table = {.options = cmd->options};
	char form[128];
	int column = 0;

	while (cmd->options[table.noptions].name != NULL)
		table.noptions++;
	/* The texts line up two spaces after the widest form. */
	for (size_t i = 0; i <= table.noptions; i++) {
		int n = cli_help_form(cli_args_option(&table, i), form, sizeof(form));

		column = n + 2 > column ? n + 2 : column;
	}
	fprintf(f, "usage: stacktop %s %s\n\n%s\n\noptions:\n", cmd->name, cmd->usage,
	        cmd->summary);
	for (size_t i = 0; i <= table.noptions; i++) {
		const struct cli_option *o = cli_args_option(&table, i);
		const char *text = o->help, *nl;
		int n = cli_help_form(o, form, sizeof(form));

		fprintf(f, "%s%*s", form, column - n, "");
		for (; (nl = strchr(text, '\n')) != NULL; text = nl + 1)
			fprintf(f, "%.*s\n%*s", (int)(nl - text), text, column, "");
		fprintf(f, "%s\n", text);
	}
	if (cmd->help_footer != NULL)
		fprintf(f, "%s", cmd->help_footer);
}

int
cli_run(const struct cmd_entry *cmd, int argc, char **argv)
{
	struct cli_args *args;
	char *cause;
	int rc;

	switch (cli_args_parse(cmd->options, argc, argv, &args, &cause)) {
	case CLI_ARGS_HELP:
		cli_help_write(stdout, cmd);
		return 0;
	case CLI_ARGS_BAD:
		rc = cli_usage_error(cmd, "%s", cause);
		free(cause);
		return rc;
	case CLI_ARGS_OK:
		break;
	}
	rc = cmd->exec(args);
	cli_args_free(args);
	return rc;
}

int
cli_sample_error(const struct procfs *fs, int gone_pid, int err)
{
	if (gone_pid > 0)
		return cli_target_error(gone_pid, err);
	fprintf(stderr, "stacktop: cannot read %s: %s\n", procfs_root(fs), strerror(-err));
	return EXIT_TARGET;
}

/* What /proc says of a process an error is about, so that the sentence is
 * true: its main thread's stat (name, state, parent, flags) and its tracer. */
struct cli_facts {
	bool have_stat;
	struct procfs_stat st;
	int tracer;          /* TracerPid, 0 when none or unknown */
	char name[COMM_MAX]; /* sanitized */
	char tracer_name[COMM_MAX];
	char ptrace_scope[16]; /* kernel.yama.ptrace_scope, or "not set here" */
};

/* The sanitized name (comm) of pid into out, "?" when it cannot be read. */
static void
cli_facts_name(const struct procfs *fs, int pid, char *out, size_t size)
{
	struct procfs_stat st;

	if (procfs_read_task_stat(fs, pid, pid, &st) == 0)
		sanitize_text(st.comm, strlen(st.comm), out, size);
	else
		snprintf(out, size, "?");
}

static void
cli_facts_read(int pid, struct cli_facts *f)
{
	struct procfs *fs;
	char buf[4096], path[64];
	const char *at;
	ssize_t n;
	FILE *scope;

	memset(f, 0, sizeof(*f));
	snprintf(f->ptrace_scope, sizeof(f->ptrace_scope), "not set here");
	if ((scope = fopen("/proc/sys/kernel/yama/ptrace_scope", "r")) != NULL) {
		if (fgets(f->ptrace_scope, sizeof(f->ptrace_scope), scope) != NULL)
			f->ptrace_scope[strcspn(f->ptrace_scope, "\n")] = '\0';
		fclose(scope);
	}
	if (procfs_new(NULL, &fs) != 0)
		return;
	f->have_stat = procfs_read_task_stat(fs, pid, pid, &f->st) == 0;
	if (f->have_stat)
		sanitize_text(f->st.comm, strlen(f->st.comm), f->name, sizeof(f->name));
	snprintf(path, sizeof(path), "%d/status", pid);
	if ((n = procfs_read(fs, path, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if ((at = strstr(buf, "\nTracerPid:")) != NULL)
			f->tracer = atoi(at + strlen("\nTracerPid:"));
	}
	if (f->tracer > 0)
		cli_facts_name(fs, f->tracer, f->tracer_name, sizeof(f->tracer_name));
	procfs_free(fs);
}

/* EPERM or EACCES on pid, said as what it is: stacktop itself, a kernel
 * thread, another tracer, a policy that binds root too, or missing rights. */
static void
cli_denied_message(int pid, int err, const struct cli_facts *f, char *buf, size_t size)
{
	if (pid == getpid())
		snprintf(buf, size, "PID %d is stacktop itself: it does not trace itself", pid);
	else if (f->have_stat && (f->st.flags & PROCFS_PF_KTHREAD))
		cli_target_message(pid, -ENXIO, buf, size);
	else if (f->tracer > 0)
		snprintf(buf, size,
		         "PID %d is already traced by PID %d (%s), and a process has one tracer "
		         "at a time: detach that one (a debugger, strace) first",
		         pid, f->tracer, f->tracer_name);
	else if (geteuid() == 0)
		snprintf(buf, size,
		         "PID %d: %s although stacktop runs as root: a seccomp filter or a "
		         "security module (SELinux, AppArmor, Yama: kernel.yama.ptrace_scope "
		         "%s) forbids tracing it",
		         pid, strerror(-err), f->ptrace_scope);
	else
		snprintf(buf, size,
		         "PID %d: %s; run as root or grant CAP_SYS_PTRACE "
		         "(see also kernel.yama.ptrace_scope: %s)",
		         pid, strerror(-err), f->ptrace_scope);
}

char *
cli_target_message(int pid, int err, char *buf, size_t size)
{
	struct cli_facts f;

	switch (-err) {
	case ESRCH:
	case ENOENT:
		cli_facts_read(pid, &f);
		if (f.have_stat && f.st.state == 'Z')
			snprintf(buf, size,
			         "PID %d is a zombie: it exited, and its parent (PID %d) has not "
			         "reaped it yet",
			         pid, f.st.ppid);
		else
			snprintf(buf, size, "PID %d: no such process (it does not exist or exited)",
			         pid);
		break;
	case ENXIO:
		cli_facts_read(pid, &f);
		snprintf(buf, size,
		         "PID %d (%s) is a kernel thread: it has no user space to examine (its "
		         "kernel stack is in /proc/%d/stack)",
		         pid, f.have_stat ? f.name : "?", pid);
		break;
	case EACCES:
	case EPERM:
		cli_facts_read(pid, &f);
		cli_denied_message(pid, err, &f, buf, size);
		break;
	case ENOEXEC:
		snprintf(buf, size,
		         "PID %d is not a Python process (no libpython or _PyRuntime "
		         "found)",
		         pid);
		break;
	case ENOTSUP: {
		char known[96];

		snprintf(buf, size,
		         "PID %d runs a CPython version stacktop cannot read (it reads %s)", pid,
		         python_layout_known(known, sizeof(known)));
		break;
	}
	case EFAULT:
		snprintf(buf, size,
		         "PID %d: its interpreter state could not be read (it changed "
		         "while read, or is not what its version promises)",
		         pid);
		break;
	default:
		snprintf(buf, size, "PID %d: %s", pid, strerror(-err));
		break;
	}
	return buf;
}

int
cli_target_error(int pid, int err)
{
	char msg[256];

	fprintf(stderr, "stacktop: %s\n", cli_target_message(pid, err, msg, sizeof(msg)));
	return EXIT_TARGET;
}

char *
cli_system_wide_message(int err, char *buf, size_t size)
{
	char paranoid[16] = "?";
	FILE *f;

	if (err == -ECANCELED) {
		snprintf(buf, size,
		         "sampling every CPU needs perf events, and STACKTOP_PERF=0 "
		         "turns them off");
		return buf;
	}
	if (err != -EACCES && err != -EPERM) {
		snprintf(buf, size,
		         "cannot sample every CPU: perf events: %s (a kernel without perf "
		         "events or its cpu-clock event)",
		         strerror(-err));
		return buf;
	}
	if ((f = fopen("/proc/sys/kernel/perf_event_paranoid", "r")) != NULL) {
		if (fgets(paranoid, sizeof(paranoid), f) != NULL)
			paranoid[strcspn(paranoid, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, size,
	         "cannot sample every CPU: %s; run as root, grant CAP_PERFMON, or set "
	         "kernel.perf_event_paranoid to 0 or less (it is %s)",
	         strerror(-err), paranoid);
	return buf;
}

size_t
cli_output_width(void)
{
	const char *columns = getenv("COLUMNS");
	struct winsize ws;
	long n;

	if (columns != NULL && cli_parse_count(columns, 1, 1000000, &n) == 0)
		return (size_t)n;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

void
cli_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
cli_open_procfs(struct procfs **fs)
{
	int err = procfs_new(NULL, fs);

	if (err == 0)
		return 0;
	fprintf(stderr, "stacktop: cannot open procfs: %s\n", strerror(-err));
	return EXIT_TARGET;
}

int
cli_tree_pids(const struct procfs *fs, const int *roots, size_t nroots, size_t cap, int **pids,
              size_t *n, bool *warned, bool *capped_out, int *gone_pid)
{
	bool capped = false;
	int err = -ESRCH;

	*pids = xcalloc(cap ? cap : 1, sizeof(**pids));
	*n = 0;
	for (size_t r = 0; r < nroots && *n < cap; r++) {
		int *tree;
		bool cut;
		ssize_t k = proctree_list(fs, roots[r], cap, &tree, &cut);

		if (k < 0) {
			if (k != -ESRCH)
				err = (int)k;
			*gone_pid = roots[r];
			continue;
		}
		err = 0;
		capped |= cut;
		for (ssize_t i = 0; i < k; i++) {
			if (cli_pids_have(*pids, *n, tree[i]))
				continue;
			if (*n == cap) {
				capped = true;
				break;
			}
			(*pids)[(*n)++] = tree[i];
		}
		free(tree);
	}
	if (capped_out != NULL)
		*capped_out = capped;
	if (capped && !*warned) {
		char line[200];

		fprintf(stderr, "stacktop: %s\n",
		        proctree_capped_message(roots[0], cap, line, sizeof(line)));
		*warned = true;
	}
	if (*n > 0)
		return 0;
	free(*pids);
	*pids = NULL;
	return err;
}

int
cli_tree_follow(const struct procfs *fs, struct collector *c, struct cli_tree *t, int *gone_pid)
{
	int *pids;
	size_t n;
	int err = cli_tree_pids(fs, t->roots, t->nroots, t->cap, &pids, &n, &t->warned, &t->capped,
	                        gone_pid);

	if (err != 0)
		return err;
	collector_set_pids(c, pids, n);
	free(pids);
	return 0;
}

void
cli_tree_add_pss(const struct procfs *fs, struct report_tree *t, int pid)
{
	struct mem_rollup m;
	int err = mem_read_rollup(fs, pid, &m);

	if (err == 0 || !procfs_is_gone(err))
		report_tree_add_pss(t, err == 0 ? m.pss_kib : -1);
}

int
cli_tree_each(const struct procfs *fs, int root, size_t cap, bool json,
              int (*one)(const struct procfs *fs, int pid, void *arg), void *arg)
{
	int *pids, gone = 0, rc = 0;
	size_t n;
	bool warned = false;
	int err = cli_tree_pids(fs, &root, 1, cap, &pids, &n, &warned, NULL, &gone);

	if (err != 0)
		return cli_target_error(root, err);
	for (size_t i = 0; i < n; i++) {
		if (!json)
			printf("%s=== process %zu of %zu in the tree of %d ===\n",
			       i > 0 ? "\n" : "", i + 1, n, root);
		err = one(fs, pids[i], arg);
		fflush(stdout);
		if (err != 0 && (i == 0 || !procfs_is_gone(err))) {
			cli_target_error(pids[i], err);
			if (i == 0)
				rc = EXIT_TARGET;
		}
	}
	free(pids);
	return rc;
}

bool
cli_pids_have(const int *pids, size_t n, int pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

int
cli_sample(struct collector *c, const struct cli_tree *tree, bool say)
{
	int err;

	while ((err = collector_sample(c)) == -ESRCH && collector_gone_pid(c) > 0 &&
	       collector_forget_pid(c, collector_gone_pid(c)))
		if (say && (tree == NULL ||
		            cli_pids_have(tree->roots, tree->nroots, collector_gone_pid(c))))
			cli_target_error(collector_gone_pid(c), err);
	return err;
}
