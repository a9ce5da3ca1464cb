/* stacktop report's renderers, text and JSON, compared with
 * tests/golden/report.txt and report.json: the machine's line, a Python
 * process with report --stacks (the fixture's threads, golden_fixture.h),
 * a process with a hostile
 * command line and unknown values, and a kernel thread.
 * STACKTOP_GOLDEN_UPDATE=1 rewrites the files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "syscall_names.h"
#include "ui/report_json.h"
#include "ui/report_text.h"
#include "xmalloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The syscalls the fixture's threads wait in, by name: their numbers are the
 * architecture's. The golden files hold x86-64's (report.json's
 * "syscall_nr"); the test writes x86-64's number where the renderer wrote
 * this machine's, so that one golden file serves every architecture. */
static const struct {
	const char *name;
	int x86_64;
} syscalls[] = {
    {"futex", 202},
    {"read", 0},
    {"clock_nanosleep", 230},
};

static int
nr(const char *name)
{
	int n = syscall_number(name);

	CHECK(n >= 0);
	return n;
}

static struct thread_row
row(int tid, const char *name, char state, double cpu, const char *wchan, int syscall)
{
	struct thread_row t = {
	    .tid = tid,
	    .state = state,
	    .cpu_pct = cpu,
	    .user_pct = cpu * 0.75,
	    .sys_pct = cpu * 0.25,
	    .wchan = wchan != NULL ? xstrdup(wchan) : NULL,
	    .syscall = syscall,
	    .ctxsw_voluntary_per_s = 12.5,
	    .ctxsw_involuntary_per_s = 3,
	    .run_delay_pct = 1.25,
	};

	snprintf(t.name, sizeof(t.name), "%s", name);
	return t;
}

/* report --stacks: the thread's stack is fixture thread i. */
static struct thread_row
row_with_stack(size_t i, double cpu, const char *wchan, int syscall)
{
	struct thread_stack *s = xcalloc(1, sizeof(*s));
	struct thread_row t;

	golden_fixture_thread(i, s);
	t = row(s->tid, s->name, s->state, cpu, wchan, syscall);
	t.stack = s;
	return t;
}

static void
python_process(struct process_row *p)
{
	const char cmdline[] = "python3 /srv/app/main.py --workers 4";

	*p = (struct process_row){
	    .pid = GOLDEN_FIXTURE_PID,
	    .uid = 1000,
	    .cpu_pct = 187.5,
	    .user_pct = 150.25,
	    .sys_pct = 37.25,
	    .thread_count = 7,
	    .stopped_ms = 2.5,
	    .mem = {.rss_kib = 1536000,
	            .anon_kib = 1400000,
	            .file_kib = 120000,
	            .shmem_kib = 16000,
	            .swap_kib = 0},
	    .nthreads = 4,
	};
	snprintf(p->user, sizeof(p->user), "app");
	snprintf(p->comm, sizeof(p->comm), "python3");
	p->cmdline = xstrdup(cmdline);
	p->cmdline_len = strlen(cmdline);
	p->python = xmalloc(sizeof(*p->python));
	*p->python = golden_fixture_python();
	p->threads = xcalloc(p->nthreads, sizeof(*p->threads));
	p->threads[0] = row_with_stack(0, 99.5, "", SYSCALL_RUNNING);
	p->threads[1] = row_with_stack(1, 60.25, "futex_wait_queue", nr("futex"));
	p->threads[2] = row_with_stack(3, 0, "io_schedule", SYSCALL_NONE);
	p->threads[3] = row(4247, "idle", 'S', 0, NULL, nr("clock_nanosleep"));
	/* Python threads by their threading names, one a target's worst. */
	p->threads[0].python_name = xstrdup("MainThread");
	p->threads[1].python_name = xstrdup("pool \"w1\"\\n\n" GOLDEN_HOSTILE_BYTES);
}

/* A process whose names are the target's worst, and whose counters are
 * unknown (NAN, -1): it started during the interval, its user has no name. */
static void
hostile_process(struct process_row *p)
{
	/* NULs of /proc/PID/cmdline were made spaces; one is left raw. */
	const char cmdline[] =
	    "./srv --title \x1b]2;owned\x07 \"a\\b\" " GOLDEN_HOSTILE_BYTES " \0tail";

	*p = (struct process_row){
	    .pid = 31337,
	    .uid = 4294967294,
	    .cpu_pct = NAN,
	    .user_pct = NAN,
	    .sys_pct = NAN,
	    .thread_count = 1,
	    .mem =
	        {.rss_kib = 812, .anon_kib = -1, .file_kib = -1, .shmem_kib = -1, .swap_kib = -1},
	    .nthreads = 1,
	};
	snprintf(p->comm, sizeof(p->comm), "%s", GOLDEN_HOSTILE_NAME);
	p->cmdline = xmalloc(sizeof(cmdline));
	memcpy(p->cmdline, cmdline, sizeof(cmdline));
	p->cmdline_len = sizeof(cmdline) - 1;
	p->threads = xcalloc(1, sizeof(*p->threads));
	p->threads[0] =
	    row(31337, GOLDEN_HOSTILE_NAME, '\x1b', NAN, "pipe_\x1b[1mread", nr("read"));
	p->threads[0].ctxsw_voluntary_per_s = NAN;
	p->threads[0].ctxsw_involuntary_per_s = NAN;
	p->threads[0].run_delay_pct = NAN;
}

static void
kernel_thread(struct process_row *p)
{
	*p = (struct process_row){
	    .pid = 17,
	    .uid = 0,
	    .cpu_pct = 0.5,
	    .user_pct = 0,
	    .sys_pct = 0.5,
	    .thread_count = 1,
	    .mem = {0, 0, 0, 0, 0},
	    .nthreads = 1,
	};
	snprintf(p->user, sizeof(p->user), "root");
	snprintf(p->comm, sizeof(p->comm), "kworker/0:1-events");
	p->threads = xcalloc(1, sizeof(*p->threads));
	p->threads[0] = row(17, "kworker/0:1-events", 'I', 0.5, "worker_thread", SYSCALL_NONE);
}

/* A process whose command line is longer than any terminal (a Java class
 * path): the width tests' fourth. */
static void
long_process(struct process_row *p)
{
	char cmdline[1024] = "java -Xmx8g -cp ";

	for (int i = 0; i < 20; i++)
		snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline),
		         "/opt/app/lib/module-%02d.jar:", i);
	strcat(cmdline, " com.example.Main --port 8080");
	*p = (struct process_row){
	    .pid = 777,
	    .uid = 1001,
	    .cpu_pct = 12.5,
	    .user_pct = 10,
	    .sys_pct = 2.5,
	    .thread_count = 2, /* "1 more thread" */
	    .mem = {.rss_kib = 4096000,
	            .anon_kib = 4000000,
	            .file_kib = 96000,
	            .shmem_kib = 0,
	            .swap_kib = 2048},
	    .nthreads = 1,
	};
	snprintf(p->user, sizeof(p->user), "javauser");
	snprintf(p->comm, sizeof(p->comm), "java");
	p->cmdline = xstrdup(cmdline);
	p->cmdline_len = strlen(cmdline);
	p->threads = xcalloc(1, sizeof(*p->threads));
	p->threads[0] = row(777, "C2 CompilerThre", 'S', 12.5,
	                    "futex_wait_queue_me_with_a_long_wait_channel", nr("futex"));
}

/* The widths of terminal the text report is checked at. */
static const size_t widths[] = {80, 200, 40};

/* The longest line of buf, in columns (a UTF-8 code point a column). */
static size_t
longest_line(const char *buf, size_t len)
{
	size_t longest = 0, w = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			w = 0;
		else if (((unsigned char)buf[i] & 0xc0) != 0x80)
			w++;
		longest = w > longest ? w : longest;
	}
	return longest;
}

static struct report *
fixture_report(void)
{
	struct report *r = xcalloc(1, sizeof(*r));

	/* A fixed time: 2023-11-14 22:13:20 UTC (the renderers print UTC). */
	r->taken_at = GOLDEN_FIXTURE_TAKEN_AT;
	r->interval_s = 2.0;
	r->system = golden_fixture_system();
	r->nprocs = 3;
	r->procs = xcalloc(r->nprocs, sizeof(*r->procs));
	python_process(&r->procs[0]);
	hostile_process(&r->procs[1]);
	kernel_thread(&r->procs[2]);
	return r;
}

int
main(int argc, char **argv)
{
	struct report *r = fixture_report();
	struct golden g;

	if (!CHECK(argc == 2)) /* the golden directory */
		return 1;
	report_text_write(golden_open(&g, argv[1], "report.txt"), r, 0);
	CHECK(golden_check(&g));
	report_json_write(golden_open(&g, argv[1], "report.json"), r);
	golden_replace_version(&g);
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++) {
		char here[64], x86_64[64];

		snprintf(here, sizeof(here), "\"syscall_nr\":%d,", nr(syscalls[i].name));
		snprintf(x86_64, sizeof(x86_64), "\"syscall_nr\":%d,", syscalls[i].x86_64);
		golden_replace(&g, here, x86_64);
	}
	CHECK(golden_check(&g));
	/* A terminal of 80 and of 200 columns (and 40): no line is longer. */
	r->procs = xreallocarray(r->procs, r->nprocs + 1, sizeof(*r->procs));
	long_process(&r->procs[r->nprocs++]);
	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		char name[32];
		FILE *out;

		snprintf(name, sizeof(name), "report_%zu.txt", widths[i]);
		out = golden_open(&g, argv[1], name);
		report_text_write(out, r, widths[i]);
		fflush(out);
		if (!CHECK(longest_line(g.buf, g.len) <= widths[i]))
			fprintf(stderr, "  %s: a line of %zu columns\n", name,
			        longest_line(g.buf, g.len));
		CHECK(golden_check(&g));
	}
	report_free(r);
	return check_done("test_golden_report");
}
