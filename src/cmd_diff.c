/* stacktop diff: two profiles compared as a differential flame graph, as
 * flamegraph.pl's difffolded.pl and CPython's --diff-flamegraph draw one:
 * AFTER's shape, each frame red where its share grew since BEFORE, blue
 * where it shrank. The profiles are files: folded stacks or pprof, e.g.
 * two `stacktop record` runs, before and after a change. */
#include "cli.h"
#include "outfile.h"
#include "sanitize.h"
#include "ui/profile_diff.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The largest profile file read: a bound on memory, far above what a
 * recording makes (a minute at 10 kHz of deep stacks is tens of MiB). */
#define DIFF_MAX_FILE ((size_t)1 << 30)

static const struct cli_option diff_options[] = {
    {.name = "profiles",
     .arg = CLI_ARG_OPERANDS,
     .value = "BEFORE AFTER",
     .help = "the two profiles: folded stacks or pprof (.pb.gz, gzipped or not)"},
    {.letter = 'o',
     .name = "output",
     .arg = CLI_ARG_STRING,
     .value = "FILE",
     .help = "where to write the SVG (default standard output, unless a terminal)"},
    {.name = "normalize",
     .help = "compare each frame's share of its profile's samples (the default:\n"
             "runs differ in length)"},
    {.name = "no-normalize", .help = "compare raw sample counts (runs of the same length)"},
    {0},
};

/* path's name as shown on a terminal, into buf (size bytes). */
static const char *
diff_shown(const char *path, char *buf, size_t size)
{
	return sanitize_text(path, strlen(path), buf, size);
}

/* Reads the file at path whole into *data (owned) and *len. Returns 0 or
 * -errno (-EFBIG beyond DIFF_MAX_FILE). */
static int
diff_slurp(const char *path, uint8_t **data, size_t *len)
{
	size_t cap = 1 << 16, used = 0;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t got;

		if (used == cap) {
			if (cap >= DIFF_MAX_FILE) {
				err = -EFBIG;
				break;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		got = read(fd, buf + used, cap - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	close(fd);
	if (err != 0) {
		free(buf);
		return err;
	}
	*data = buf;
	*len = used;
	return 0;
}

/* Reads one profile into side (its lines owned by the caller). Returns 0,
 * or prints one line and returns EXIT_TARGET. */
static int
diff_load(const char *path, struct profile_diff_side *side, struct folded_line **lines)
{
	char shown[512], *cause = NULL;
	const char *format;
	uint8_t *data = NULL;
	size_t len = 0, n;
	int err = diff_slurp(path, &data, &len);

	diff_shown(path, shown, sizeof(shown));
	if (err != 0) {
		fprintf(stderr, "stacktop diff: cannot read %s: %s\n", shown,
		        err == -EFBIG ? "larger than 1 GiB" : strerror(-err));
		return EXIT_TARGET;
	}
	err = profile_diff_read(data, len, lines, &n, &format, &cause);
	free(data);
	if (err != 0) {
		fprintf(stderr, "stacktop diff: %s: %s\n", shown, cause);
		free(cause);
		return EXIT_TARGET;
	}
	*side = (struct profile_diff_side){.name = path, .lines = *lines, .n = n};
	return 0;
}

static int
cmd_diff_exec(const struct cli_args *args)
{
	size_t nfiles;
	const char *const *files = cli_args_operands(args, &nfiles);
	const char *output = cli_args_string(args, "output", NULL);
	/* The later of --normalize and --no-normalize wins; shares by default. */
	bool normalize =
	    cli_args_position(args, "no-normalize") <= cli_args_position(args, "normalize");
	struct profile_diff_side before = {0}, after = {0};
	struct folded_line *before_lines = NULL, *after_lines = NULL;
	struct outfile *file = NULL;
	FILE *out;
	char shown[512];
	int rc, err = 0;

	if (nfiles != 2)
		return cli_usage_error(
		    &cmd_diff_entry, nfiles < 2 ? "give two profiles: BEFORE and AFTER"
		                                : "more than two profiles: give BEFORE and AFTER");
	if (output == NULL && isatty(STDOUT_FILENO))
		return cli_usage_error(
		    &cmd_diff_entry,
		    "the graph is SVG: give -o FILE (or redirect standard output)");
	if ((rc = diff_load(files[0], &before, &before_lines)) != 0)
		return rc;
	if ((rc = diff_load(files[1], &after, &after_lines)) != 0)
		goto done;
	/* Opened once both profiles are read: a bad input leaves the old
	 * graph in place; and written whole or not at all (outfile.h). */
	if (output != NULL && (err = outfile_open(output, &file)) != 0) {
		fprintf(stderr, "stacktop diff: cannot write %s: %s\n",
		        diff_shown(output, shown, sizeof(shown)), strerror(-err));
		rc = EXIT_TARGET;
		goto done;
	}
	out = file != NULL ? outfile_stream(file) : stdout;
	profile_diff_svg_write(out, &before, &after, normalize);
	if (file != NULL)
		err = outfile_commit(file);
	else if (fflush(out) != 0 || ferror(out))
		err = errno != 0 ? -errno : -EIO;
	if (err != 0) {
		fprintf(stderr, "stacktop diff: cannot write %s: %s\n",
		        output ? diff_shown(output, shown, sizeof(shown)) : "standard output",
		        strerror(-err));
		rc = EXIT_TARGET;
	}
done:
	profile_fold_free(before_lines, before.n);
	if (after_lines != NULL)
		profile_fold_free(after_lines, after.n);
	return rc;
}

const struct cmd_entry cmd_diff_entry = {
    .name = "diff",
    .usage = "BEFORE AFTER [-o FILE] [--normalize|--no-normalize]",
    .summary = "two profiles compared: a differential flame graph (red grew, blue shrank)",
    .options = diff_options,
    .help_footer = "\nBEFORE and AFTER are folded stacks (what record writes by default) or\n"
                   "pprof (record -o FILE.pb.gz), told apart by their content. The graph has\n"
                   "AFTER's frames; a frame is red where its share of the samples grew, blue\n"
                   "where it shrank; the paths only in BEFORE are listed below it.\n",
    .exec = cmd_diff_exec,
};
