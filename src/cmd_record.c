/* stacktop record: a sampled profile of one process's native stacks, written
 * as folded stacks, speedscope JSON, an SVG flame graph, pprof, a Gecko
 * profile (Firefox Profiler) or a trace (Trace Event Format). */
#include "cli.h"
#include "clock.h"
#include "outfile.h"
#include "plural.h"
#include "probes/proctree.h"
#include "probes/python_merge.h"
#include "probes/python_tasks.h"
#include "probes/sampler.h"
#include "probes/syswide.h"
#include "sanitize.h"
#include "ui/profile_chrometrace.h"
#include "ui/profile_fold.h"
#include "ui/profile_gecko.h"
#include "ui/profile_pprof.h"
#include "ui/profile_speedscope.h"
#include "ui/profile_svg.h"
#include "ui/record_json.h"
#include "xmalloc.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

/* ptrace stops cost the target a few microseconds per thread; beyond 1 kHz
 * the stops themselves would be the profile. (perf events keep the same
 * bound: each sample copies 16 KiB of stack in the target's time.) */
#define RECORD_MAX_HZ 1000
/* Python frames alone cost the target nothing but cache misses. */
#define RECORD_MAX_PYTHON_HZ 10000 /* also in --python's help */
/* -a drains every CPU's ring this often (seconds) whatever the rate: the
 * rings hold a second (syswide.c), and each round reads the maps
 * of every process sampled in it, so fewer rounds cost less. */
#define RECORD_ALL_ROUND_S 0.05

enum record_format {
	RECORD_FOLDED,
	RECORD_SPEEDSCOPE,
	RECORD_SVG,
	RECORD_PPROF,
	RECORD_GECKO,
	RECORD_CHROMETRACE,
};

static const char *const record_format_names[] = {
    [RECORD_FOLDED] = "folded",
    [RECORD_SPEEDSCOPE] = "speedscope",
    [RECORD_SVG] = "svg",
    [RECORD_PPROF] = "pprof",
    [RECORD_GECKO] = "gecko",
    [RECORD_CHROMETRACE] = "chrometrace",
    NULL,
};

/* The format an output file's name asks for, by its ending: the first that
 * matches (the JSON formats' own endings before plain .json). */
static const struct record_extension {
	const char *ending;
	enum record_format format;
} record_extensions[] = {
    {".gecko.json", RECORD_GECKO},
    {".trace.json", RECORD_CHROMETRACE},
    {".chrometrace.json", RECORD_CHROMETRACE},
    {".svg", RECORD_SVG},
    {".json", RECORD_SPEEDSCOPE},
    {".pb.gz", RECORD_PPROF},
    {".pprof", RECORD_PPROF},
    {".pb", RECORD_PPROF},
    {".folded", RECORD_FOLDED},
    {".collapsed", RECORD_FOLDED},
    {".stacks", RECORD_FOLDED},
    {".txt", RECORD_FOLDED},
};

static const char *const record_mode_names[] = {
    [SAMPLER_CPU] = "cpu",
    [SAMPLER_WALL] = "wall",
    [SAMPLER_GIL] = "gil",
    NULL,
};

static const struct cli_option record_options[] = {
    {.letter = 'p',
     .name = "pid",
     .arg = CLI_ARG_PID,
     .value = "PID",
     .help = "the process (this or -a)",
     .bad = "-p takes one PID"},
    {.letter = 'a',
     .name = "all",
     .help = "every process on the machine (perf record -a -g):\n"
             "on-CPU native stacks from one perf event per CPU,\n"
             "each under its process and thread; needs root,\n"
             "CAP_PERFMON or kernel.perf_event_paranoid <= 0"},
    {.letter = 'd',
     .name = "duration",
     .arg = CLI_ARG_SECONDS,
     .value = "SECONDS",
     .help = "how long to sample (default 10; Ctrl-C ends early\n"
             "and still writes the profile)",
     .noun = "the duration"},
    {.letter = 'r',
     .name = "rate",
     .arg = CLI_ARG_INT,
     .value = "HZ",
     .help = "samples per second (default 100, at most 1000)",
     .noun = "the rate in Hz",
     .min = 1,
     .max = RECORD_MAX_PYTHON_HZ},
    {.letter = 'o',
     .name = "output",
     .arg = CLI_ARG_STRING,
     .value = "FILE",
     .help = "where to write (default standard output)"},
    {.letter = 'f',
     .name = "format",
     .arg = CLI_ARG_STRING,
     .value = "FORMAT",
     .help = "folded (flamegraph.pl, inferno), speedscope (JSON),\n"
             "svg (a flame graph), pprof (go tool pprof,\n"
             "Pyroscope, Parca), gecko (Firefox Profiler) or\n"
             "chrometrace (a timeline: Perfetto UI,\n"
             "chrome://tracing); default from FILE's extension\n"
             "(.folded .txt, .json, .svg, .pb.gz .pprof,\n"
             ".gecko.json, .trace.json .chrometrace.json),\n"
             "else folded",
     .bad = "unknown format '%s'",
     .choices = record_format_names},
    {.letter = 'm',
     .name = "mode",
     .arg = CLI_ARG_STRING,
     .value = "MODE",
     .help = "which threads count: cpu (those on a CPU, the\n"
             "default), wall (every thread, those that did not\n"
             "run with their last stack: a wall-clock profile),\n"
             "gil (the thread holding the GIL: where a Python\n"
             "process's interpreter time goes)",
     .bad = "the mode is cpu, wall or gil, not '%s'",
     .choices = record_mode_names},
    {.name = "idle", .help = "the same as --mode wall"},
    {.name = "per-thread",
     .help = "svg: a tower per thread (by default threads that\n"
             "run the same code share one)"},
    {.name = "python",
     .help = "Python frames only, read without ever stopping the\n"
             "process (then up to 10000 Hz)"},
    {.name = "native",
     .help = "native frames only, even in a Python process (where\n"
             "the default merges both)"},
    {.name = "async",
     .help = "asyncio: a sample in a task gets \"task NAME\" under\n"
             "its thread (CPython 3.6-3.15 with a GIL; finding the\n"
             "tasks stops the process, at the start and when new\n"
             "tasks are met)"},
    {.name = "json-summary",
     .arg = CLI_ARG_STRING,
     .value = "FILE",
     .help = "also write the summary as JSON (schema\n"
             "stacktop.record/1) to FILE; - for standard output\n"
             "(then the profile needs -o FILE)"},
    CLI_OPTION_TREE,
    CLI_OPTION_MAX_PROCESSES,
    {0},
};

struct record_opts {
	int pid;
	bool all; /* -a */
	double duration;
	double rate;
	const char *output; /* NULL: stdout */
	int format;         /* -1: from the output's name */
	enum sampler_mode what;
	enum target_frames mode;
	bool per_thread;     /* svg: a tower per thread */
	const char *summary; /* --json-summary: a file, "-" for stdout; NULL: none */
	bool tree;           /* -p's process and its descendants */
	size_t cap;          /* --max-processes */
	bool async;          /* --async: samples under the asyncio task they ran */
};

static volatile sig_atomic_t record_interrupted;

static void
record_on_signal(int sig)
{
	(void)sig;
	record_interrupted = 1;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The format of output (NULL: standard output) when --format is not given:
 * by its ending; folded for a name with no extension; -1 for an ending we do
 * not know (never a folded file under a name that promises something else). */
static int
record_format_of(const char *output)
{
	const char *base = output != NULL ? strrchr(output, '/') : NULL;

	if (output == NULL)
		return RECORD_FOLDED;
	for (size_t i = 0; i < sizeof(record_extensions) / sizeof(record_extensions[0]); i++)
		if (ends_with(output, record_extensions[i].ending))
			return (int)record_extensions[i].format;
	base = base != NULL ? base + 1 : output;
	return strchr(base, '.') == NULL ? RECORD_FOLDED : -1;
}

/* The options, and the usage errors of their combinations. Returns 0 or
 * EXIT_USAGE (printed). */
static int
record_opts_get(const struct cli_args *args, struct record_opts *o)
{
	const struct cmd_entry *cmd = &cmd_record_entry;
	/* --idle and --mode: the later one counts. */
	long mode = cli_args_int(args, "mode", SAMPLER_CPU);
	bool idle = cli_args_position(args, "idle") > cli_args_position(args, "mode");

	*o = (struct record_opts){
	    .pid = (int)cli_args_int(args, "pid", 0),
	    .all = cli_args_has(args, "all"),
	    .duration = cli_args_seconds(args, "duration", 10),
	    .rate = (double)cli_args_int(args, "rate", 100),
	    .output = cli_args_string(args, "output", NULL),
	    .format = (int)cli_args_int(args, "format", -1),
	    .what = idle ? SAMPLER_WALL : (enum sampler_mode)mode,
	    .mode = cli_args_has(args, "python")   ? TARGET_PYTHON
	            : cli_args_has(args, "native") ? TARGET_NATIVE
	                                           : TARGET_AUTO,
	    .per_thread = cli_args_has(args, "per-thread"),
	    .summary = cli_args_string(args, "json-summary", NULL),
	    .tree = cli_args_has(args, "tree"),
	    .cap = (size_t)cli_args_int(args, "max-processes", PROCTREE_MAX_DEFAULT),
	    .async = cli_args_has(args, "async"),
	};
	if (o->format < 0 && (o->format = record_format_of(o->output)) < 0)
		return cli_usage_error(cmd,
		                       "cannot tell a format from the name '%s': give --format "
		                       "folded, speedscope, svg, pprof, gecko or chrometrace (or "
		                       "end it in .folded, .json, .svg, .pb.gz, .gecko.json or "
		                       ".trace.json)",
		                       o->output);
	if (o->format == RECORD_PPROF && o->output == NULL && isatty(STDOUT_FILENO))
		return cli_usage_error(cmd, "pprof is binary (gzipped protobuf): give -o FILE");
	if (cli_args_count(args, "python") + cli_args_count(args, "native") > 1)
		return cli_usage_error(cmd, "--python and --native exclude each other");
	if (o->all && o->pid > 0)
		return cli_usage_error(cmd, "-a (every process) and -p PID exclude each other");
	if (!o->all && o->pid <= 0)
		return cli_usage_error(cmd, "-p PID is required");
	if (o->tree && o->all)
		return cli_usage_error(cmd, "--tree follows -p PID's descendants: not with -a");
	if (!o->tree && cli_args_has(args, "max-processes"))
		return cli_usage_error(cmd, "--max-processes goes with --tree");
	if (o->all && (o->what != SAMPLER_CPU || o->mode == TARGET_PYTHON))
		return cli_usage_error(cmd, "-a samples on-CPU stacks from perf events: not "
		                            "with --mode wall or gil, nor --python");
	if (o->async && (o->all || o->tree))
		return cli_usage_error(cmd, "--async follows the tasks of one process: not with "
		                            "-a or --tree");
	if (o->async && o->mode == TARGET_NATIVE)
		return cli_usage_error(cmd,
		                       "--async finds tasks in Python frames: not with --native");
	if (o->what == SAMPLER_GIL && o->mode == TARGET_NATIVE)
		return cli_usage_error(cmd, "--mode gil reads Python frames: not with --native");
	if (o->summary != NULL && strcmp(o->summary, "-") == 0 && o->output == NULL)
		return cli_usage_error(cmd, "--json-summary - writes to standard output: the "
		                            "profile then needs -o FILE");
	if (o->rate > RECORD_MAX_HZ && o->mode != TARGET_PYTHON)
		return cli_usage_error(cmd, "above %d Hz only with --python (no stops)",
		                       RECORD_MAX_HZ);
	return 0;
}

/* Sleeps until the monotonic time at (seconds); a signal ends the sleep. */
static void
record_sleep_until(double at)
{
	struct timespec ts = clock_timespec(at);

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* record --tree lists the tree again this often (seconds): a worker
 * started since is sampled from the next look. */
#define RECORD_TREE_RELIST_S 1.0

/* record --tree: a sampler per process of the tree, the root's first (it
 * is kept for the summary), counting into one profile whose stacks each
 * name their process (the profile's pid is 0, as a system-wide one's). */
struct record_tree {
	const struct procfs *fs;
	const struct record_opts *o;
	struct sampler **s; /* owned; s[0] the root's */
	int *pids;
	size_t n;
	double listed_s; /* when the tree was last listed */
	bool warned;     /* the cap was said */
};

/* Starts sampling the processes of the tree not yet sampled. One that
 * cannot be (gone since listed, not Python under --mode gil, not ours to
 * trace) is passed over: the others make the profile. */
static void
record_tree_list(struct record_tree *t)
{
	int *pids, gone = 0;
	size_t n;

	t->listed_s = clock_monotonic_s();
	if (cli_tree_pids(t->fs, &t->o->pid, 1, t->o->cap, &pids, &n, &t->warned, NULL, &gone) != 0)
		return;
	for (size_t i = 0; i < n && t->n < t->o->cap; i++) {
		struct sampler *s;

		if (cli_pids_have(t->pids, t->n, pids[i]) ||
		    sampler_new(t->fs, pids[i], t->o->what, t->o->mode, (unsigned)t->o->rate, &s) !=
		        0)
			continue;
		t->s = xreallocarray(t->s, t->n + 1, sizeof(*t->s));
		t->pids = xreallocarray(t->pids, t->n + 1, sizeof(*t->pids));
		t->s[t->n] = s;
		t->pids[t->n++] = pids[i];
	}
	free(pids);
}

/* One round of every process of the tree. Returns 0, or -ESRCH when the
 * root is gone (the profile holds what came before). A worker that is gone
 * or refuses is dropped. */
static int
record_tree_round(struct record_tree *t, struct profile *p)
{
	size_t kept = 1;
	uint64_t ticks = p->ticks;
	int err;

	if (clock_monotonic_s() - t->listed_s >= RECORD_TREE_RELIST_S)
		record_tree_list(t);
	if ((err = sampler_round(t->s[0], p)) != 0 && !(err == -EPERM && p->stops > 0))
		return err;
	for (size_t i = 1; i < t->n; i++) {
		err = sampler_round(t->s[i], p);
		if (err != 0 && !(err == -EPERM && p->stops > 0)) {
			sampler_free(t->s[i]);
			continue;
		}
		t->s[kept] = t->s[i];
		t->pids[kept++] = t->pids[i];
	}
	t->n = kept;
	/* One round of the tree, however many processes it sampled. */
	if (p->ticks > ticks)
		p->ticks = ticks + 1;
	return 0;
}

static void
record_tree_free(struct record_tree *t)
{
	for (size_t i = 1; i < t->n; i++)
		sampler_free(t->s[i]);
	free(t->s);
	free(t->pids);
}

/* What the rounds sample: one process (s), a tree (t, whose root's is s)
 * or every one (w). */
struct record_source {
	struct sampler *s;
	struct syswide *w;
	struct record_tree *t;
};

/* Samples until the duration is over, the user interrupts, or the target is
 * gone. Rounds are due at fixed times; a round that runs late makes the next
 * ones skip rather than bunch up. Returns 0, -ESRCH (gone: the profile holds
 * what came before) or -EPERM. */
static int
record_loop(const struct record_source *src, struct profile *p, const struct record_opts *o)
{
	double period = src->w != NULL ? RECORD_ALL_ROUND_S : 1.0 / o->rate;
	double start = clock_monotonic_s(), next = start;
	int err = 0;

	while (!record_interrupted) {
		double began = clock_monotonic_s(), took;

		err = src->w != NULL   ? syswide_round(src->w, p)
		      : src->t != NULL ? record_tree_round(src->t, p)
		                       : sampler_round(src->s, p);
		p->duration_s = clock_monotonic_s() - start;
		took = clock_monotonic_s() - began;
		p->round_s_sum += took;
		if (took > p->round_s_max)
			p->round_s_max = took;
		p->rounds_over += took > period;
		/* Refused after rounds that were allowed: another tracer (a
		 * debugger, another stacktop) holds the threads for a moment. One
		 * round lost, not the profile. */
		if (err == -EPERM && p->stops > 0) {
			p->errors++;
			err = 0;
		}
		if (err != 0)
			break;
		next += period;
		if (next - start >= o->duration)
			break;
		/* Late: on to the next time due (a positive count, truncated). */
		if (clock_monotonic_s() > next)
			next +=
			    (double)(uint64_t)((clock_monotonic_s() - next) / period + 1) * period;
		record_sleep_until(next);
	}
	return err;
}

/* True when stack s shows its Python and native frames side by side. */
static bool
record_unplaced(const struct profile_stack *s)
{
	for (size_t i = 0; i < s->nframes; i++)
		if (python_merge_is_unplaced(&s->frames[i]))
			return true;
	return false;
}

/* The samples whose stacks show Python and native frames side by side. */
static uint64_t
record_unplaced_samples(const struct profile *p)
{
	uint64_t unplaced = 0;

	for (size_t i = 0; i < p->nstacks; i++)
		unplaced += record_unplaced(&p->stacks[i]) ? p->stacks[i].count : 0;
	return unplaced;
}

/* The summary's notes on Python frames: stacks dropped as they changed
 * while read, and samples whose frames did not line up. */
static void
record_python_notes(const struct profile *p)
{
	uint64_t unplaced = record_unplaced_samples(p);

	if (p->dropped > 0)
		fprintf(stderr, "; %llu Python %s dropped (they changed while read)",
		        (unsigned long long)p->dropped, plural(p->dropped, "stack", "stacks"));
	if (unplaced > 0)
		fprintf(stderr, "; %llu %s with Python frames not placed among the native ones",
		        (unsigned long long)unplaced, plural(unplaced, "sample", "samples"));
}

/* How the stacks were taken, for the summary: perf events, or ptrace stops
 * (then a CPU profile is approximate: a stop finds where a thread is, the
 * kernel's sample where its CPU time went), with why not perf events. */
static const char *
record_path(const struct sampler *s, const struct record_opts *o, char *buf, size_t size)
{
	int why;

	enum sampler_path path = sampler_path(s, &why);
	const char *how = path == SAMPLER_LIVE ? "no stops" : "ptrace stops";

	if (path == SAMPLER_PERF)
		return "perf events";
	if (o->what != SAMPLER_CPU)
		return how;
	/* Python frames alone: whether the kernel said which threads were on
	 * a CPU, or their CPU times did (a thread woken and waiting for a CPU
	 * looks like one that runs). */
	if (why == 0)
		return "no stops, on-CPU threads from perf events";
	if (why == -ECANCELED)
		snprintf(buf, size, "%s, approximate (STACKTOP_PERF=0)", how);
	else
		snprintf(buf, size,
		         "%s, approximate (perf events refused: %s; "
		         "kernel.perf_event_paranoid, CAP_PERFMON)",
		         how, strerror(-why));
	return buf;
}

/* Why the rate achieved fell short of the rate asked (by more than 5%):
 * rounds that took longer than their interval (their work: the threads
 * read), or a box too busy to wake us on time. Never a silent shortfall. */
static void
record_shortfall(const struct profile *p, const struct record_opts *o, const struct sampler *s)
{
	double hz = p->duration_s > 0 ? (double)p->ticks / p->duration_s : 0;
	double interval_ms = 1e3 / o->rate, round_ms;

	if (p->ticks == 0 || hz >= 0.95 * o->rate)
		return;
	round_ms = 1e3 * p->round_s_sum / (double)p->ticks;
	fprintf(stderr,
	        "; short of the rate: %llu of %llu %s longer than the %.3f ms "
	        "interval (%.3f ms on average, %.3f ms at most, following %zu %s)",
	        (unsigned long long)p->rounds_over, (unsigned long long)p->ticks,
	        plural(p->ticks, "round took", "rounds took"), interval_ms, round_ms,
	        1e3 * p->round_s_max, sampler_threads(s),
	        plural(sampler_threads(s), "thread", "threads"));
	/* Rounds that fit leave the rest of the shortfall to late wake-ups. */
	if (round_ms < 0.5 * interval_ms)
		fprintf(stderr, ", and stacktop was woken late (every CPU busy)");
}

/* The summary's note on --async: what following the tasks cost the
 * target (each census a stop of the whole process). */
static void
record_async_notes(const struct sampler *s)
{
	const struct sampler_async_stats *a = sampler_async_stats(s);

	if (a == NULL)
		return;
	fprintf(stderr,
	        "; asyncio: %zu %s at the last census, %llu %s (target stopped %.3f ms on "
	        "average, max %.3f ms)",
	        a->tasks, plural(a->tasks, "task", "tasks"), (unsigned long long)a->censuses,
	        plural(a->censuses, "census", "censuses"),
	        a->censuses ? a->stopped_ms_sum / (double)a->censuses : 0.0, a->stopped_ms_max);
	if (a->failed > 0)
		fprintf(stderr, ", %llu failed", (unsigned long long)a->failed);
}

static void
record_summary(const struct profile *p, const struct record_opts *o, const char *comm,
               const struct sampler *s)
{
	const struct python_info *python = sampler_python(s);
	char why[160];
	double hz = p->duration_s > 0 ? (double)p->ticks / p->duration_s : 0;
	size_t distinct = 0;

	for (size_t i = 0; i < p->nstacks; i++)
		distinct += p->stacks[i].count > 0;
	fprintf(stderr,
	        "stacktop record: PID %d (%s)%s: %llu %s in %llu %s over %.2f s "
	        "(%.1f Hz of %.0f), %llu %s, %zu distinct %s; target stopped %.3f ms "
	        "per round on average (max %.3f ms)",
	        p->tree_root > 0 ? p->tree_root : p->pid, comm,
	        p->tree_root > 0 ? " and its descendants" : "", (unsigned long long)p->samples,
	        plural(p->samples, "sample", "samples"), (unsigned long long)p->ticks,
	        plural(p->ticks, "round", "rounds"), p->duration_s, hz, o->rate,
	        (unsigned long long)p->errors, plural(p->errors, "error", "errors"), distinct,
	        plural(distinct, "stack", "stacks"),
	        p->stops ? p->stopped_ms_sum / (double)p->stops : 0.0, p->stopped_ms_max);
	fprintf(stderr, "; %s", record_path(s, o, why, sizeof(why)));
	if (python->version[0] && !python->unreadable[0])
		fprintf(stderr, "; Python %s%s%s", python->version,
		        python->free_threaded ? " (free-threaded)" : "",
		        o->mode == TARGET_PYTHON ? " frames only" : "");
	if (python->unreadable[0])
		fprintf(stderr, "; %s", python->unreadable);
	if (o->what != SAMPLER_CPU)
		fprintf(stderr, "; %s",
		        o->what == SAMPLER_WALL ? "wall-clock (every thread)"
		                                : "the GIL holder only");
	record_shortfall(p, o, s);
	record_async_notes(s);
	record_python_notes(p);
	fprintf(stderr, "; %s to %s\n", record_format_names[o->format],
	        o->output ? o->output : "standard output");
}

/* The summary of a system-wide profile: what was counted and what was not,
 * and how much of it was stacktop itself. */
static void
record_all_summary(const struct profile *p, const struct record_opts *o, const struct syswide *w)
{
	const struct syswide_counts *c = syswide_counts(w);
	double rate = p->duration_s > 0 ? (double)p->samples / p->duration_s : 0;

	fprintf(stderr,
	        "stacktop record -a: %llu %s of %llu %s on %u %s over %.2f s "
	        "(%.1f a second; %.0f Hz of each busy CPU); perf events, one per CPU; idle CPUs "
	        "not sampled; %llu %s of kernel threads (as [kernel]); stacktop itself "
	        "%.1f%%",
	        (unsigned long long)p->samples, plural(p->samples, "sample", "samples"),
	        (unsigned long long)c->processes, plural(c->processes, "process", "processes"),
	        c->cpus, plural(c->cpus, "CPU", "CPUs"), p->duration_s, rate, o->rate,
	        (unsigned long long)c->kernel_threads,
	        plural(c->kernel_threads, "sample", "samples"),
	        p->samples ? 100.0 * (double)c->own / (double)p->samples : 0.0);
	if (c->lost + c->bad > 0)
		fprintf(stderr, "; %llu %s lost (a ring was full)",
		        (unsigned long long)(c->lost + c->bad),
		        plural(c->lost + c->bad, "sample", "samples"));
	if (c->gone > 0)
		fprintf(stderr,
		        "; %llu %s of processes that ended before they were read "
		        "(counted as [ended before it was read])",
		        (unsigned long long)c->gone, plural(c->gone, "sample", "samples"));
	if (o->mode == TARGET_NATIVE)
		fprintf(stderr, "; native frames only");
	else
		fprintf(stderr, "; Python frames merged in %llu %s", (unsigned long long)c->python,
		        plural(c->python, "process", "processes"));
	record_python_notes(p);
	fprintf(stderr, "; %s to %s\n", record_format_names[o->format],
	        o->output ? o->output : "standard output");
}

/* record --json-summary: what the summary line says, as one document
 * (exited: the process ended before the duration was over). */
static void
record_json_summary(FILE *f, const struct profile *p, const struct record_opts *o,
                    const struct record_source *src, bool exited)
{
	static const char *const frames[] = {
	    [TARGET_AUTO] = "auto",
	    [TARGET_NATIVE] = "native",
	    [TARGET_PYTHON] = "python",
	    [TARGET_MIXED] = "mixed",
	};
	struct record_summary sum = {
	    .profile = p,
	    .comm = src->s != NULL ? sampler_comm(src->s) : NULL,
	    .mode = record_mode_names[o->what],
	    .frames = frames[o->mode],
	    .thread_count = src->s != NULL ? (int64_t)sampler_threads(src->s) : -1,
	    .process_count = 1,
	    .python = src->s != NULL ? sampler_python(src->s) : NULL,
	    .lost = -1,
	    .gone = -1,
	    .kernel_threads = -1,
	    .own = -1,
	    .exited = exited,
	    .interrupted = record_interrupted != 0,
	    .output = o->output,
	    .format = record_format_names[o->format],
	};
	const struct sampler_async_stats *a = src->s != NULL ? sampler_async_stats(src->s) : NULL;
	struct record_asyncio asyncio;
	char why[160];

	clock_gettime(CLOCK_REALTIME, &sum.taken_at);
	sum.unplaced = record_unplaced_samples(p);
	if (a != NULL) {
		asyncio = (struct record_asyncio){
		    .censuses = a->censuses,
		    .failed = a->failed,
		    .stopped_ms = a->censuses ? a->stopped_ms_sum / (double)a->censuses : 0.0,
		    .stopped_ms_max = a->stopped_ms_max,
		    .tasks = a->tasks,
		};
		sum.asyncio = &asyncio;
	}
	if (src->w != NULL) {
		const struct syswide_counts *c = syswide_counts(src->w);

		sum.method = "perf events, one per CPU";
		sum.process_count = (int64_t)c->processes;
		sum.lost = (int64_t)(c->lost + c->bad);
		sum.gone = (int64_t)c->gone;
		sum.kernel_threads = (int64_t)c->kernel_threads;
		sum.own = (int64_t)c->own;
	} else {
		sum.method = record_path(src->s, o, why, sizeof(why));
	}
	record_json_write(f, &sum);
}

/* Opens --json-summary's file ("-": standard output) before sampling, as
 * the profile's: a typo should not cost the recording. Like the profile it
 * is written whole or not at all (*f, see outfile.h; NULL for stdout).
 * Returns its stream, or NULL with one line said. */
static FILE *
record_open_summary(const char *path, struct outfile **f)
{
	int err;

	*f = NULL;
	if (strcmp(path, "-") == 0)
		return stdout;
	if ((err = outfile_open(path, f)) != 0) {
		fprintf(stderr, "stacktop record: cannot write %s: %s\n", path, strerror(-err));
		return NULL;
	}
	return outfile_stream(*f);
}

/* Ends an output file f (NULL: none) of path: renamed over it when rc is 0,
 * else removed. Returns rc, or EXIT_TARGET (said) when it could not be
 * written. */
static int
record_close(struct outfile *f, const char *path, int rc)
{
	int err;

	if (f == NULL)
		return rc;
	if (rc != 0) {
		outfile_abort(f);
		return rc;
	}
	if ((err = outfile_commit(f)) != 0) {
		fprintf(stderr, "stacktop record: cannot write %s: %s\n", path, strerror(-err));
		return EXIT_TARGET;
	}
	return 0;
}

/* --async: the first census of tasks. Returns 0, or -errno with the
 * reason printed in one line. */
static int
record_async_start(struct sampler *s, int pid)
{
	const struct python_info *python = sampler_python(s);
	int err = sampler_async_start(s);

	if (err == -ENOEXEC && python->unreadable[0])
		fprintf(stderr, "stacktop: --async reads asyncio tasks from Python frames: %s\n",
		        python->unreadable);
	else if (err == -ENOEXEC)
		fprintf(stderr,
		        "stacktop: --async follows asyncio tasks: PID %d is not a Python process\n",
		        pid);
	else if (err == -ENOTSUP)
		fprintf(stderr,
		        "stacktop: --async cannot follow the tasks of %d (CPython %s%s): "
		        "" PYTHON_TASKS_SUPPORTED "\n",
		        pid, python->version, python->free_threaded ? ", free-threaded" : "");
	else if (err != 0)
		cli_target_error(pid, err);
	return err;
}

static int
cmd_record_exec(const struct cli_args *args)
{
	struct record_opts o;
	struct procfs *fs = NULL;
	struct sampler *s = NULL;
	struct syswide *w = NULL;
	struct record_tree tree = {0};
	struct profile *p;
	struct sigaction sa = {.sa_handler = record_on_signal};
	char comm[4 * COMM_MAX];
	struct outfile *file = NULL, *summary_file = NULL;
	FILE *out = stdout, *summary = NULL;
	int rc = record_opts_get(args, &o);
	int err;

	if (rc != 0)
		return rc;
	if (cli_open_procfs(&fs) != 0)
		return EXIT_TARGET;
	if (o.all) {
		const char *env = getenv("STACKTOP_PERF");

		err = env != NULL && strcmp(env, "0") == 0
		          ? -ECANCELED
		          : syswide_new(fs, (unsigned)o.rate, o.mode, &w);
		if (err != 0) {
			char msg[256];

			fprintf(stderr, "stacktop record: -a %s\n",
			        cli_system_wide_message(err, msg, sizeof(msg)));
			procfs_free(fs);
			return EXIT_TARGET;
		}
	} else if ((err = sampler_new(fs, o.pid, o.what, o.mode, (unsigned)o.rate, &s)) != 0) {
		procfs_free(fs);
		return cli_target_error(o.pid, err);
	}
	if (s != NULL && o.what == SAMPLER_GIL && sampler_python(s)->free_threaded) {
		fprintf(stderr,
		        "stacktop: PID %d runs a free-threaded CPython: it has no GIL to follow "
		        "(--mode cpu or wall)\n",
		        o.pid);
		sampler_free(s);
		procfs_free(fs);
		return EXIT_TARGET;
	}
	if (s != NULL && o.async && (err = record_async_start(s, o.pid)) != 0) {
		sampler_free(s);
		procfs_free(fs);
		return EXIT_TARGET;
	}
	/* Open the output before sampling: a typo should not cost the profile.
	 * It is renamed over FILE once written: a killed run leaves no half. */
	if (o.output != NULL && (err = outfile_open(o.output, &file)) != 0) {
		fprintf(stderr, "stacktop record: cannot write %s: %s\n", o.output, strerror(-err));
		sampler_free(s);
		syswide_free(w);
		procfs_free(fs);
		return EXIT_USAGE;
	}
	if (file != NULL)
		out = outfile_stream(file);
	if (o.summary != NULL &&
	    (summary = record_open_summary(o.summary, &summary_file)) == NULL) {
		outfile_abort(file);
		sampler_free(s);
		syswide_free(w);
		procfs_free(fs);
		return EXIT_USAGE;
	}
	/* Rounds are due at exact times: the default 50 us timer slack made
	 * late wake-ups skip rounds at kilohertz rates (measured: 2,750 to
	 * 4,940 rounds a second at -r 5000; with 1 ns, 4,670 to 4,920). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* Ctrl-C, a hang-up or kill end the recording, not the profile. The
	 * ptrace stop holds these signals, so they land between rounds. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	p = profile_new(o.all || o.tree ? 0 : o.pid, "");
	p->tree_root = o.tree ? o.pid : 0;
	p->requested_hz = o.rate;
	if (o.tree) {
		tree = (struct record_tree){.fs = fs, .o = &o};
		tree.s = xmalloc(sizeof(*tree.s));
		tree.pids = xmalloc(sizeof(*tree.pids));
		tree.s[0] = s;
		tree.pids[0] = o.pid;
		tree.n = 1;
		record_tree_list(&tree);
	}
	err = record_loop(&(struct record_source){s, w, o.tree ? &tree : NULL}, p, &o);
	if (s != NULL && o.format == RECORD_PPROF)
		sampler_modules(s, p); /* pprof's mappings, with build-ids */
	comm[0] = '\0';
	if (s != NULL) {
		sanitize_text(sampler_comm(s), strlen(sampler_comm(s)), comm, sizeof(comm));
		snprintf(p->comm, sizeof(p->comm), "%s", sampler_comm(s));
	}
	rc = 0;
	if (err == -ESRCH && p->ticks > 0) {
		fprintf(stderr,
		        "stacktop record: PID %d exited after %.2f s; the profile covers its "
		        "life until then\n",
		        o.pid, p->duration_s);
	} else if (err != 0) {
		rc = cli_target_error(o.pid, err);
	}
	if (rc == 0) {
		if (o.format == RECORD_SVG)
			profile_svg_write(out, p, o.per_thread);
		else if (o.format == RECORD_SPEEDSCOPE)
			profile_speedscope_write(out, p);
		else if (o.format == RECORD_PPROF)
			profile_pprof_write(out, p, record_mode_names[o.what]);
		else if (o.format == RECORD_GECKO)
			profile_gecko_write(out, p);
		else if (o.format == RECORD_CHROMETRACE)
			profile_chrometrace_write(out, p);
		else
			profile_fold_write(out, p);
		if (w != NULL)
			record_all_summary(p, &o, w);
		else
			record_summary(p, &o, comm, s);
		if (summary != NULL)
			record_json_summary(summary, p, &o, &(struct record_source){s, w, NULL},
			                    err == -ESRCH);
	}
	rc = record_close(summary_file, o.summary, rc);
	rc = record_close(file, o.output, rc);
	fflush(stdout);
	profile_free(p);
	if (o.tree)
		record_tree_free(&tree);
	sampler_free(s);
	syswide_free(w);
	procfs_free(fs);
	return rc;
}

const struct cmd_entry cmd_record_entry = {
    .name = "record",
    .usage = "-p PID | -a [-d SECONDS] [-r HZ] [-o FILE] [--format "
             "folded|speedscope|svg|pprof|gecko|chrometrace] "
             "[--mode cpu|wall|gil] [--python|--native] [--async] [--per-thread] "
             "[--json-summary FILE|-] [--tree [--max-processes N]]",
    .summary = "a sampled profile: folded stacks, speedscope JSON, an SVG flame graph, "
               "pprof, a Gecko profile (Firefox Profiler) or a trace (chrometrace)",
    .options = record_options,
    .exec = cmd_record_exec,
};
