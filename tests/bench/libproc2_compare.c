/* libproc2 (procps-ng 4) against stacktop's own /proc readers, on the
 * reads the live view makes every refresh: the machine's memory, CPU
 * totals, load and uptime, and every task of the machine with what the
 * table lists of it. scripts/bench collector runs it (with its 5,000-thread
 * target running) and prints the ratios; DESIGN.md says what we chose.
 *
 * Each round times every reader once, in turn, so that machine noise hits
 * them alike; a reader's figure is its median call over the rounds.
 *
 * Output, one line per reader: NAME MEDIAN_US (and "tasks N" lines: what
 * each task reader saw, so a reader that skipped work would show). */
#include "clock.h"
#include "probes/collector.h"
#include "probes/procfs.h"
#include "probes/procfs_parse.h"
#include "probes/sysinfo.h"

#include <libproc2/meminfo.h>
#include <libproc2/misc.h>
#include <libproc2/pids.h>
#include <libproc2/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS_DEFAULT 30

struct bench_state {
	struct procfs *fs;
	struct collector *collector;
	struct collector *collector_stat; /* the /proc path: STACKTOP_TASKSTATS=0 */
	struct meminfo_info *meminfo;
	struct stat_info *stat;
	struct pids_info *pids;
	struct pids_info *pids_user;
	size_t tasks; /* what the latest task reader saw */
};

/* The machine-wide row as the collector fills it: memory, uptime and CPU
 * count (sysinfo), load, and the CPU totals of /proc/stat. */
static void
system_stacktop(struct bench_state *s)
{
	struct system_row sys;
	struct procfs_cpu_times cpu;
	struct procfs_loadavg load;
	char buf[8192];
	ssize_t n;

	sysinfo_read(s->fs, &sys);
	if ((n = procfs_read_machine(s->fs, PROCFS_LOADAVG, buf, sizeof(buf))) >= 0)
		procfs_parse_loadavg(buf, (size_t)n, &load);
	if ((n = procfs_read_machine(s->fs, PROCFS_STAT, buf, sizeof(buf))) >= 0)
		procfs_parse_cpu_times(buf, (size_t)n, &cpu);
}

static void
system_libproc2(struct bench_state *s)
{
	static enum meminfo_item mem_items[] = {MEMINFO_MEM_TOTAL, MEMINFO_MEM_AVAILABLE,
	                                        MEMINFO_MEM_USED, MEMINFO_SWAP_TOTAL,
	                                        MEMINFO_SWAP_USED};
	static enum stat_item cpu_items[] = {STAT_TIC_USER,    STAT_TIC_NICE,   STAT_TIC_SYSTEM,
	                                     STAT_TIC_IDLE,    STAT_TIC_IOWAIT, STAT_TIC_IRQ,
	                                     STAT_TIC_SOFTIRQ, STAT_TIC_STOLEN};
	double a, b, c;

	/* select, not get: get answers from what it read within the last
	 * second, and a refresh needs the counters of now. */
	procps_meminfo_select(s->meminfo, mem_items, sizeof(mem_items) / sizeof(mem_items[0]));
	procps_stat_select(s->stat, cpu_items, sizeof(cpu_items) / sizeof(cpu_items[0]));
	procps_loadavg(&a, &b, &c);
	procps_uptime(&a, &b);
	(void)procps_cpu_count();
}

/* Every task of the machine: the collector's sample (what a refresh of the
 * live view or a report interval costs). */
static void
tasks_collect(struct bench_state *s, struct collector *c)
{
	collector_sample(c);
	collector_set_baseline(c);
	s->tasks = collector_task_count(c);
}

static void
tasks_stacktop(struct bench_state *s)
{
	tasks_collect(s, s->collector);
}

/* The path of a user without CAP_NET_ADMIN: a stat file per thread. */
static void
tasks_stacktop_stat(struct bench_state *s)
{
	tasks_collect(s, s->collector_stat);
}

static void
tasks_reap(struct bench_state *s, struct pids_info *info)
{
	struct pids_fetch *f = procps_pids_reap(info, PIDS_FETCH_THREADS_TOO);

	s->tasks = f != NULL ? (size_t)f->counts->total : 0;
}

static void
tasks_libproc2(struct bench_state *s)
{
	tasks_reap(s, s->pids);
}

static void
tasks_libproc2_user(struct bench_state *s)
{
	tasks_reap(s, s->pids_user);
}

struct reader {
	const char *name;
	void (*read)(struct bench_state *);
	double *us;
	size_t tasks;
};

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
bench_open(struct bench_state *s)
{
	/* What the table lists of a task: ids, name, state, user and system
	 * time, the process's resident memory and thread count (all from the
	 * task's stat file, as the collector's stat path reads them). */
	static enum pids_item items[] = {PIDS_ID_TID, PIDS_ID_TGID,   PIDS_CMD,
	                                 PIDS_STATE,  PIDS_TICS_USER, PIDS_TICS_SYSTEM,
	                                 PIDS_RSS,    PIDS_NLWP,      PIDS_PRIORITY};
	/* The same with the user name (libproc2 reads the status file for it). */
	static enum pids_item user_items[] = {
	    PIDS_ID_TID,      PIDS_ID_TGID, PIDS_CMD,  PIDS_STATE,    PIDS_TICS_USER,
	    PIDS_TICS_SYSTEM, PIDS_RSS,     PIDS_NLWP, PIDS_PRIORITY, PIDS_ID_EUSER};

	if (procfs_new("/proc", &s->fs) != 0 || collector_new(s->fs, NULL, 0, &s->collector) != 0)
		return -1;
	setenv("STACKTOP_TASKSTATS", "0", 1);
	if (collector_new(s->fs, NULL, 0, &s->collector_stat) != 0)
		return -1;
	if (procps_meminfo_new(&s->meminfo) < 0 || procps_stat_new(&s->stat) < 0 ||
	    procps_pids_new(&s->pids, items, sizeof(items) / sizeof(items[0])) < 0 ||
	    procps_pids_new(&s->pids_user, user_items, sizeof(user_items) / sizeof(user_items[0])) <
	        0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_state s = {0};
	struct reader readers[] = {
	    {"system_stacktop", system_stacktop, NULL, 0},
	    {"system_libproc2", system_libproc2, NULL, 0},
	    {"tasks_stacktop", tasks_stacktop, NULL, 0},
	    {"tasks_stacktop_stat", tasks_stacktop_stat, NULL, 0},
	    {"tasks_libproc2", tasks_libproc2, NULL, 0},
	    {"tasks_libproc2_user", tasks_libproc2_user, NULL, 0},
	};
	size_t nreaders = sizeof(readers) / sizeof(readers[0]);
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : ROUNDS_DEFAULT;

	if (rounds < 1 || bench_open(&s) != 0) {
		fprintf(stderr, "libproc2_compare: cannot open /proc or libproc2\n");
		return 1;
	}
	for (size_t r = 0; r < nreaders; r++) {
		readers[r].us = calloc((size_t)rounds, sizeof(double));
		readers[r].read(&s); /* warm: files opened, caches filled */
	}
	for (long i = 0; i < rounds; i++)
		for (size_t r = 0; r < nreaders; r++) {
			double began;

			/* A call after the one before it, the same reader's: the cost
			 * of the reader itself, not of the caches the one before it
			 * (a task reader) left cold. */
			readers[r].read(&s);
			began = clock_monotonic_s();
			readers[r].read(&s);
			readers[r].us[i] = (clock_monotonic_s() - began) * 1e6;
			readers[r].tasks = s.tasks;
			s.tasks = 0;
		}
	for (size_t r = 0; r < nreaders; r++) {
		qsort(readers[r].us, (size_t)rounds, sizeof(double), compare_double);
		printf("%s %.1f\n", readers[r].name, readers[r].us[rounds / 2]);
		if (readers[r].tasks > 0)
			printf("tasks %s %zu\n", readers[r].name, readers[r].tasks);
		free(readers[r].us);
	}
	collector_free(s.collector);
	collector_free(s.collector_stat);
	procfs_free(s.fs);
	procps_meminfo_unref(&s.meminfo);
	procps_stat_unref(&s.stat);
	procps_pids_unref(&s.pids);
	procps_pids_unref(&s.pids_user);
	return 0;
}
