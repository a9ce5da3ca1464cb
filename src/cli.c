#include "cli.h"

#include "probes/procfs.h"
#include "probes/python_layout.h"
#include "xmalloc.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	if (errno != 0 || end == arg || *end || !isfinite(v) || v <= 0 || v > 86400)
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

int
cli_option_error(const struct cmd_entry *cmd, int ch, char **argv)
{
	if (ch == ':')
		return cli_usage_error(cmd, "%s needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int
cli_help(const struct cmd_entry *cmd, const char *options)
{
	printf("usage: stacktop %s %s\n\n%s\n\n%s", cmd->name, cmd->usage, cmd->summary, options);
	return 0;
}

int
cli_sample_error(const struct procfs *fs, int gone_pid, int err)
{
	if (gone_pid > 0)
		return cli_target_error(gone_pid, err);
	fprintf(stderr, "stacktop: cannot read %s: %s\n", procfs_root(fs), strerror(-err));
	return EXIT_TARGET;
}

char *
cli_target_message(int pid, int err, char *buf, size_t size)
{
	switch (-err) {
	case ESRCH:
	case ENOENT:
		snprintf(buf, size, "PID %d: no such process (it does not exist or exited)", pid);
		break;
	case EACCES:
	case EPERM:
		snprintf(buf, size,
		         "PID %d: %s; run as root or grant CAP_SYS_PTRACE "
		         "(see also kernel.yama.ptrace_scope)",
		         pid, strerror(-err));
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
cli_option_pid(const struct cmd_entry *cmd, const char *arg, int *pid)
{
	int *pids = NULL;
	size_t npids = 0;
	int rc = 0;

	if (cli_parse_pids(arg, &pids, &npids) != 0 || npids != 1)
		rc = cli_usage_error(cmd, "-p takes one PID");
	else
		*pid = pids[0];
	free(pids);
	return rc;
}

int
cli_finish_target(const struct cmd_entry *cmd, int argc, char **argv, int pid)
{
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (pid <= 0)
		return cli_usage_error(cmd, "-p PID is required");
	return 0;
}

int
cli_parse_target(const struct cmd_entry *cmd, const char *help, int argc, char **argv,
                 struct target_opts *o)
{
	static const struct option shared[] = {
	    {"pid", required_argument, NULL, 'p'},
	    {"delay", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	};
	size_t nshared = sizeof(shared) / sizeof(shared[0]), nextra = 0;
	struct option *longopts;
	int ch, rc = -1;

	while (o->extra != NULL && o->extra[nextra].name != NULL)
		nextra++;
	longopts = xcalloc(nshared + nextra + 1, sizeof(*longopts));
	memcpy(longopts, shared, sizeof(shared));
	if (nextra > 0)
		memcpy(longopts + nshared, o->extra, nextra * sizeof(*longopts));
	optind = 1;
	opterr = 0;
	while (rc < 0 && (ch = getopt_long(argc, argv, ":p:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (cli_option_pid(cmd, optarg, &o->pid) != 0)
				rc = EXIT_USAGE;
			break;
		case 'd':
			if (!o->has_delay)
				rc = cli_usage_error(cmd, "unknown option '-d'");
			else if (cli_parse_seconds(optarg, &o->seconds) != 0)
				rc =
				    cli_usage_error(cmd, "'%s' is not a number of seconds", optarg);
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			rc = cli_help(cmd, help);
			break;
		case ':':
		case '?':
			rc = cli_option_error(cmd, ch, argv);
			break;
		default:
			rc = o->extra_option != NULL ? o->extra_option(o->ctx, ch, optarg)
			                             : cli_option_error(cmd, ch, argv);
			break;
		}
	}
	free(longopts);
	if (rc < 0 && cli_finish_target(cmd, argc, argv, o->pid) != 0)
		rc = EXIT_USAGE;
	return rc;
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
