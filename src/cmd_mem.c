/* stacktop mem: where a process's memory is, and whether it keeps growing. */
#include "cli.h"
#include "clock.h"
#include "outfile.h"
#include "probes/mem.h"
#include "probes/proctree.h"
#include "probes/python_referrers.h"
#include "probes/python_types.h"
#include "probes/target.h"
#include "ui/mem_json.h"
#include "ui/mem_text.h"
#include "ui/refs_json.h"
#include "ui/refs_picture.h"
#include "ui/refs_text.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* RssAnon is read ten times a second; the minima of MEM_WINDOWS equal windows
 * feed the slope, so a sawtooth shorter than -d / MEM_WINDOWS is ignored. */
#define MEM_SAMPLE_PERIOD_S 0.1
#define MEM_WINDOWS         5

/* Types shown by --python-types unless --top says otherwise. */
#define MEM_TOP_DEFAULT 20
#define MEM_TOP_MAX     100000
/* The smallest --max-stop (see mem_options). */
#define MEM_MIN_STOP_S 0.001

/* Below a millisecond, the stop's fixed costs (interrupting and letting go
 * of each thread, reading the collector's state: about 0.1-0.2 ms) are the
 * stop: --max-stop takes no less. */
static const struct cli_option mem_options[] = {
    CLI_OPTION_TARGET_PID,
    {.letter = 'd',
     .name = "delay",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "how long to watch RssAnon for growth (default 10)",
     .noun = "the duration"},
    {.name = "python-types",
     .help = "a Python process's collector state and its objects\n"
             "by type, counted at the start and the end of -d:\n"
             "what grew, like objgraph.show_growth (stopping it\n"
             "while its object lists are copied)"},
    {.name = "python-refs",
     .arg = CLI_ARG_STRING,
     .value = "TYPE",
     .help = "what holds a Python process's objects of TYPE\n"
             "(its name, or module.Name): the shortest chains\n"
             "of references from its modules' globals, grouped\n"
             "and counted, like objgraph.find_backref_chain\n"
             "(stopping it while its objects are copied)"},
    {.name = "max-chains",
     .arg = CLI_ARG_INT,
     .value = "N",
     .help = "how many groups of chains --python-refs shows\n"
             "(default 10)",
     .noun = "the chain count",
     .min = 1,
     .max = MEM_TOP_MAX},
    {.letter = 'o',
     .name = "output",
     .arg = CLI_ARG_STRING,
     .value = "FILE",
     .help = "--python-refs also draws the chains and cycles\n"
             "into FILE: FILE.svg an SVG, FILE.dot Graphviz DOT"},
    {.name = "top",
     .arg = CLI_ARG_INT,
     .value = "N",
     .help = "how many types to show (default 20)",
     .noun = "the type count",
     .min = 1,
     .max = MEM_TOP_MAX},
    {.name = "max-stop",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "the longest it holds the target stopped, all\n"
             "stops of one census together (default 2); a\n"
             "census that needs longer is partial",
     .noun = "the longest stop",
     .min_seconds = MEM_MIN_STOP_S},
    {.name = "json",
     .help = "JSON output (schema stacktop.mem/1; with --tree\n"
             "stacktop.mem_tree/1)"},
    {.name = "tree",
     .help = "the process (-p) and all its descendants: RSS, PSS,\n"
             "USS and swap of each, and summed (PSS, since RSS\n"
             "counts a preforked worker's shared pages in each)"},
    CLI_OPTION_MAX_PROCESSES,
    {0},
};

/* Samples RssAnon for seconds and fits its growth. Returns 0 or -errno. */
static int
mem_watch(const struct procfs *fs, int pid, double seconds, struct mem_report *out)
{
	struct growth_series s = {0};
	double start = clock_monotonic_s(), now = start;
	int64_t kib;
	int err;

	while ((err = mem_read_anon(fs, pid, &kib)) == 0) {
		growth_series_add(&s, now, kib);
		if (now - start >= seconds)
			break;
		cli_sleep(MEM_SAMPLE_PERIOD_S);
		now = clock_monotonic_s();
	}
	if (err == 0)
		mem_report_set_growth(out, &s, MEM_WINDOWS);
	growth_series_clear(&s);
	return err;
}

/* No memory (no memory lines, no live thread to read them through): a
 * zombie, as gone as an exited process, or a kernel thread, which has no
 * user memory; told apart by the one rule. */
static int
mem_no_memory(const struct procfs *fs, int pid, int err)
{
	struct procfs_stat st;
	int why;

	if (err != -ENODATA && err != -ESRCH)
		return err;
	why = target_read_process(fs, pid, &st);
	return why == -ENXIO ? why : err == -ENODATA ? -ESRCH : err;
}

static void
mem_rollup_add(struct mem_rollup *sum, const struct mem_rollup *r)
{
	sum->rss_kib += r->rss_kib > 0 ? r->rss_kib : 0;
	sum->pss_kib += r->pss_kib > 0 ? r->pss_kib : 0;
	sum->uss_kib += r->uss_kib > 0 ? r->uss_kib : 0;
	sum->swap_kib += r->swap_kib > 0 ? r->swap_kib : 0;
}

/* mem --tree: each process's smaps_rollup, read once, and the sums. One
 * gone since the tree was listed, or one without memory (a zombie), is
 * left out; one we may not read gets its line and is left out. Returns
 * the exit code. */
static int
mem_tree(const struct procfs *fs, int root, size_t cap, bool json)
{
	struct mem_tree t = {.root = root};
	int *pids, gone = 0;
	size_t n;
	bool warned = false;
	int err = cli_tree_pids(fs, &root, 1, cap, &pids, &n, &warned, &t.capped, &gone);

	if (err != 0)
		return cli_target_error(root, err);
	t.rows = xcalloc(n, sizeof(*t.rows));
	for (size_t i = 0; i < n; i++) {
		struct mem_report m = {0};

		err = mem_no_memory(fs, pids[i], mem_read_usage(fs, pids[i], &m));
		if (err != 0) {
			if (i == 0 || !procfs_is_gone(err))
				cli_target_error(pids[i], err);
			if (i == 0) {
				free(pids);
				free(t.rows);
				return EXIT_TARGET;
			}
			continue;
		}
		t.rows[t.nrows].pid = pids[i];
		memcpy(t.rows[t.nrows].comm, m.comm, sizeof(m.comm));
		t.rows[t.nrows].rollup = m.rollup;
		mem_rollup_add(&t.sum, &m.rollup);
		t.nrows++;
	}
	free(pids);
	clock_gettime(CLOCK_REALTIME, &t.taken_at);
	if (json)
		mem_json_tree_write(stdout, &t);
	else
		mem_text_tree_write(stdout, &t);
	free(t.rows);
	return 0;
}

/* Whether path ends with suffix. */
static bool
mem_ends_with(const char *path, const char *suffix)
{
	size_t n = strlen(path), k = strlen(suffix);

	return n >= k && strcmp(path + n - k, suffix) == 0;
}

/* Draws r into path (.dot: Graphviz, else SVG). Returns 0 or -errno. */
static int
mem_refs_picture(const char *path, const struct python_refs *r)
{
	struct outfile *f;
	int err = outfile_open(path, &f);

	if (err != 0)
		return err;
	if (mem_ends_with(path, ".dot"))
		refs_picture_dot(outfile_stream(f), r);
	else
		refs_picture_svg(outfile_stream(f), r);
	return outfile_commit(f);
}

/* mem --python-refs TYPE: one census that also copies the references,
 * then the chains. Returns the exit code. */
static int
mem_refs(const struct procfs *fs, int pid, const struct cli_args *args,
         const struct python_types_limits *limits)
{
	const char *path = cli_args_string(args, "output", NULL);
	struct python_refs *r;
	int err = python_referrers_take(
	    fs, pid, cli_args_string(args, "python-refs", ""),
	    (size_t)cli_args_int(args, "max-chains", PYTHON_REFERRERS_CHAINS_DEFAULT), limits, &r);

	if (err != 0)
		return cli_target_error(pid, mem_no_memory(fs, pid, err));
	if (path != NULL && (err = mem_refs_picture(path, r)) != 0) {
		fprintf(stderr, "stacktop mem: cannot write %s: %s\n", path, strerror(-err));
		python_refs_free(r);
		return EXIT_TARGET;
	}
	if (cli_args_has(args, "json"))
		refs_json_write(stdout, r);
	else
		refs_text_write(stdout, r);
	python_refs_free(r);
	return 0;
}

static int
cmd_mem_exec(const struct cli_args *args)
{
	struct python_types_limits limits = {
	    .max_objects = PYTHON_TYPES_MAX_OBJECTS,
	    .max_stop_s = cli_args_seconds(args, "max-stop", PYTHON_TYPES_MAX_STOP_S),
	    .max_copy_bytes = PYTHON_TYPES_MAX_COPY_BYTES,
	};
	struct mem_report report = {0};
	struct procfs *fs = NULL;
	int pid = (int)cli_args_int(args, "pid", 0);
	int err;

	if (cli_args_has(args, "tree") &&
	    (cli_args_has(args, "python-types") || cli_args_has(args, "delay")))
		return cli_usage_error(&cmd_mem_entry, "--tree reads each process's memory once: "
		                                       "not with -d or --python-types");
	if (cli_args_has(args, "python-refs") &&
	    (cli_args_has(args, "tree") || cli_args_has(args, "python-types") ||
	     cli_args_has(args, "delay") || cli_args_has(args, "top")))
		return cli_usage_error(&cmd_mem_entry,
		                       "--python-refs takes one look: "
		                       "not with -d, --python-types, --top or --tree");
	if (cli_args_has(args, "output") && !cli_args_has(args, "python-refs"))
		return cli_usage_error(&cmd_mem_entry, "-o goes with --python-refs");
	if (cli_args_has(args, "output") &&
	    !mem_ends_with(cli_args_string(args, "output", ""), ".svg") &&
	    !mem_ends_with(cli_args_string(args, "output", ""), ".dot"))
		return cli_usage_error(&cmd_mem_entry, "-o FILE: FILE.svg or FILE.dot");
	if (cli_args_has(args, "max-chains") && !cli_args_has(args, "python-refs"))
		return cli_usage_error(&cmd_mem_entry, "--max-chains goes with --python-refs");
	if (cli_args_has(args, "python-refs") &&
	    cli_args_string(args, "python-refs", "")[0] == '\0')
		return cli_usage_error(&cmd_mem_entry, "--python-refs needs a type name");
	if (!cli_args_has(args, "tree") && cli_args_has(args, "max-processes"))
		return cli_usage_error(&cmd_mem_entry, "--max-processes goes with --tree");
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	if (cli_args_has(args, "python-refs")) {
		int rc = mem_refs(fs, pid, args, &limits);

		procfs_free(fs);
		return rc;
	}
	if (cli_args_has(args, "tree")) {
		int rc = mem_tree(fs, pid,
		                  (size_t)cli_args_int(args, "max-processes", PROCTREE_MAX_DEFAULT),
		                  cli_args_has(args, "json"));

		procfs_free(fs);
		return rc;
	}
	/* Read the breakdown first: it fails fast on a missing PID or on no
	 * permission, before the user waits for the growth window; so does the
	 * Python histogram on a process that is not Python. */
	err = mem_read_usage(fs, pid, &report);
	report.python_top = (size_t)cli_args_int(args, "top", MEM_TOP_DEFAULT);
	if (err == 0 && cli_args_has(args, "python-types"))
		err = python_types_take(fs, pid, &limits, &report.python_before);
	if (err == 0)
		err = mem_watch(fs, pid, cli_args_seconds(args, "delay", 10), &report);
	/* A census at each end of the window: what grew in between. */
	if (err == 0 && report.python_before != NULL)
		err = python_types_take(fs, pid, &limits, &report.python);
	/* Then again, so that the totals describe the end of the window. */
	if (err == 0)
		err = mem_read_usage(fs, pid, &report);
	err = mem_no_memory(fs, pid, err);
	clock_gettime(CLOCK_REALTIME, &report.taken_at);
	procfs_free(fs);
	if (err != 0) {
		python_types_free(report.python_before);
		python_types_free(report.python);
		return cli_target_error(pid, err);
	}
	if (cli_args_has(args, "json"))
		mem_json_write(stdout, &report);
	else
		mem_text_write(stdout, &report);
	python_types_free(report.python_before);
	python_types_free(report.python);
	return 0;
}

const struct cmd_entry cmd_mem_entry = {
    .name = "mem",
    .usage =
        "-p PID [-d SECONDS] [--python-types [--top N] [--max-stop SECONDS]] [--json] | "
        "-p PID --python-refs TYPE [--max-chains N] [-o FILE.svg|FILE.dot] [--max-stop SECONDS] "
        "[--json] | "
        "-p PID --tree [--max-processes N] [--json]",
    .summary = "RSS, PSS, USS, swap, memory by kind, and whether it keeps growing",
    .options = mem_options,
    .exec = cmd_mem_exec,
};
