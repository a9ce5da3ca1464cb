#include "cli.h"

#include "xmalloc.h"

#include <errno.h>
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
cli_help(const struct cmd_entry *cmd, const char *options)
{
	printf("usage: stacktop %s %s\n\n%s\n\n%s", cmd->name, cmd->usage, cmd->summary, options);
	return 0;
}

int
cli_target_error(int pid, int err)
{
	switch (-err) {
	case ESRCH:
	case ENOENT:
		fprintf(stderr, "stacktop: PID %d: no such process (it does not exist or exited)\n",
		        pid);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr,
		        "stacktop: PID %d: %s; run as root or grant CAP_SYS_PTRACE "
		        "(see also kernel.yama.ptrace_scope)\n",
		        pid, strerror(-err));
		break;
	default:
		fprintf(stderr, "stacktop: PID %d: %s\n", pid, strerror(-err));
		break;
	}
	return EXIT_TARGET;
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
