/* The live view's renderers, on what curses holds after a draw, compared
 * with tests/golden/: top_screen.txt, the thread table at 200 columns with
 * the header, the status line (a refresh slower than asked), hostile and
 * wide names, unknown details, and the stack pane with merged Python frames
 * (golden_fixture.h); top_screen_narrow.txt, the process table at 64
 * columns (columns dropped) with a stack that could not be taken; and
 * top_functions_off.txt, the functions page when perf events are off.
 *
 * No terminal is needed: curses draws into its own copy of the screen,
 * read back here cell by cell (characters, not attributes), and sends the
 * changes to /dev/null. The screen size and terminal type are fixed here,
 * and the locale is C.UTF-8 (top_screen_fit measures with wcwidth). The
 * functions page with a ranking needs a perf session on the live machine:
 * its ranking is top_functions_rank, unit-tested in test_top_functions.c.
 * STACKTOP_GOLDEN_UPDATE=1 rewrites the files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "syscall_names.h"
#include "top_functions.h"
#include "ui/top_screen.h"
#include "ui/top_table.h"

#include <curses.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* The threads' full rows, for the detail callback. */
struct details {
	const struct thread_row *rows;
	size_t n;
};

static const struct thread_row *
detail(void *arg, const struct task_brief *b)
{
	const struct details *d = arg;

	for (size_t i = 0; i < d->n; i++)
		if (d->rows[i].tid == b->tid)
			return &d->rows[i];
	return NULL; /* not read yet: the columns say "-" */
}

/* The owners' names: 0 is root, 1000 alice; 4242 has no name. */
static const char *
user(void *arg, int64_t uid)
{
	(void)arg;
	return uid == 0 ? "root" : uid == 1000 ? "alice" : "";
}

/* The command lines: init, sshd, a Python server, and a hostile one. */
static const char *
command(void *arg, const struct task_brief *b)
{
	(void)arg;
	if (b->pid == GOLDEN_FIXTURE_PID)
		return "/usr/bin/python3 /srv/app.py --workers 4";
	if (b->pid == 1)
		return "/sbin/init";
	if (b->pid == 400)
		return "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups";
	return b->pid == 31337 ? "./srv " GOLDEN_HOSTILE_NAME : "";
}

static struct task_brief
brief(int pid, int tid, const char *name, const char *comm, double cpu, uint64_t time_us)
{
	struct task_brief b = {
	    .pid = pid,
	    .tid = tid,
	    .state = 'S',
	    .cpu_pct = cpu,
	    .user_pct = isnan(cpu) ? NAN : cpu * 0.75,
	    .sys_pct = isnan(cpu) ? NAN : cpu * 0.25,
	    .cpu_time_us = time_us,
	    .rss_kib = 1536000,
	    .nthreads = 7,
	    .uid = pid == GOLDEN_FIXTURE_PID ? 1000
	           : pid == 31337            ? 4242
	                                     : 0,
	};

	snprintf(b.name, sizeof(b.name), "%s", name);
	snprintf(b.comm, sizeof(b.comm), "%s", comm);
	return b;
}

/* Writes what curses holds of the screen to out, a line a row, trailing
 * blanks cut. The header's clock is the one thing drawn that is not the
 * fixture's: draw_header reads time() and the local time zone itself. Its
 * 8 columns after "stacktop " are written hh:mm:ss here, the narrowest
 * way to fix them: no seam in the renderer for a test, no wrapped time(). */
static void
screen_text(FILE *out)
{
	wchar_t row[512];

	for (int y = 0; y < LINES; y++) {
		int n = mvinnwstr(y, 0, row, COLS < 511 ? COLS : 511);
		char mb[MB_LEN_MAX];
		mbstate_t st = {0};

		if (n < 0)
			n = 0;
		row[n] = L'\0';
		while (n > 0 && row[n - 1] == L' ')
			row[--n] = L'\0';
		if (y == 0 && CHECK(wcsncmp(row, L"stacktop ", 9) == 0 && n >= 17 &&
		                    row[11] == L':' && row[14] == L':'))
			wmemcpy(row + 9, L"hh:mm:ss", 8);
		for (int i = 0; i < n; i++) {
			size_t len = wcrtomb(mb, row[i], &st);

			if (len == (size_t)-1) /* not a character: shows as a mismatch */
				fputc('?', out);
			else
				fwrite(mb, 1, len, out);
		}
		fputc('\n', out);
	}
}

static void
test_threads(const char *dir)
{
	struct task_brief b[] = {
	    brief(GOLDEN_FIXTURE_PID, 4242, "python3", "python3", 99.5, 754000000),
	    brief(GOLDEN_FIXTURE_PID, 4243, GOLDEN_HOSTILE_NAME, "python3", 60.25, 5000000),
	    brief(GOLDEN_FIXTURE_PID, 4244, "io" GOLDEN_HOSTILE_BYTES, "python3", 0, 120000),
	    brief(GOLDEN_FIXTURE_PID, 4245, "\xe5\xb7\xa5\xe4\xbd\x9c\xe7\xba\xbf\xe7\xa8\x8b-1",
	          "python3", 1.5, 90061000000),
	    brief(31337, 31337, "srv", GOLDEN_HOSTILE_NAME, NAN, 0),
	};
	struct thread_row rows[] = {
	    {.tid = 4242, .state = 'R', .syscall = SYSCALL_RUNNING, .run_delay_pct = 2.5},
	    {.tid = 4243,
	     .state = 'S',
	     .syscall = syscall_number("futex"),
	     .wchan = "futex_wait_queue",
	     .ctxsw_voluntary_per_s = 120,
	     .ctxsw_involuntary_per_s = 3},
	    {.tid = 4244, .state = 'D', .syscall = SYSCALL_NONE, .wchan = "io_\x1b[1mschedule"},
	};
	struct details d = {rows, sizeof(rows) / sizeof(rows[0])};
	struct top_table t = {.threads = true, .command = command};
	struct thread_stack st;
	struct python_info py = golden_fixture_python();
	struct system_row sys = golden_fixture_system();
	struct top_screen s = {
	    .sys = &sys,
	    .table = &t,
	    .interval_s = 1,
	    .kept_s = 2.5,
	    .refresh_s = 0.75,
	    .message = "cannot read 2 threads: Permission denied",
	    .detail = detail,
	    .detail_arg = &d,
	    .user = user,
	    .stack = &st,
	    .stopped_ms = 0.9,
	    .python = &py,
	};
	struct golden g;

	golden_fixture_thread(0, &st);
	top_table_update(&t, b, sizeof(b) / sizeof(b[0]));
	resize_term(24, 200);
	top_screen_draw(&s);
	screen_text(golden_open(&g, dir, "top_screen.txt"));
	CHECK(golden_check(&g));
	thread_stack_clear(&st);
	top_table_clear(&t);
}

static void
test_processes_narrow(const char *dir)
{
	struct task_brief b[] = {
	    brief(GOLDEN_FIXTURE_PID, GOLDEN_FIXTURE_PID, "python3", "python3", 161.25, 754000000),
	    brief(31337, 31337, GOLDEN_HOSTILE_NAME, GOLDEN_HOSTILE_NAME, 12.5, 5000000),
	    brief(17, 17, "kworker/0:1", "kworker/0:1", 0.5, 10000),
	};
	struct details d = {NULL, 0};
	struct top_table t = {
	    .threads = false, .filter = "o", .sort = TOP_SORT_TIME, .command = command};
	struct thread_stack st;
	struct system_row sys = golden_fixture_system();
	struct top_screen s = {
	    .sys = &sys,
	    .table = &t,
	    .interval_s = 2,
	    .paused = true,
	    .detail = detail,
	    .detail_arg = &d,
	    .user = user,
	    .stack = &st,
	};
	struct golden g;

	b[2].kernel = true;
	golden_fixture_thread(3, &st); /* did not stop in time */
	top_table_update(&t, b, sizeof(b) / sizeof(b[0]));
	resize_term(16, 64);
	top_screen_draw(&s);
	screen_text(golden_open(&g, dir, "top_screen_narrow.txt"));
	CHECK(golden_check(&g));
	thread_stack_clear(&st);
	top_table_clear(&t);
}

/* top_screen_tree.txt: the process table as a tree (t), sorted by PID, at
 * 120 columns (the NI column shown), with a meter a CPU (1);
 * top_screen_menu.txt: the same at 80 columns with the signal menu (k)
 * open over the table. */
static void
test_tree(const char *dir)
{
	static const char *const signals[] = {"15 SIGTERM", " 9 SIGKILL", " 2 SIGINT"};
	struct task_brief b[] = {
	    brief(1, 1, "init", "init", 0.5, 1000000),
	    brief(GOLDEN_FIXTURE_PID, GOLDEN_FIXTURE_PID, "python3", "python3", 99.5, 754000000),
	    brief(31337, 31337, GOLDEN_HOSTILE_NAME, GOLDEN_HOSTILE_NAME, 12.5, 5000000),
	    brief(400, 400, "sshd", "sshd", 0, 20000),
	};
	struct details d = {NULL, 0};
	struct top_table t = {
	    .threads = false, .sort = TOP_SORT_PID, .tree = true, .command = command};
	struct system_row sys = golden_fixture_system();
	struct top_menu menu;
	struct top_screen s = {
	    .sys = &sys,
	    .table = &t,
	    .interval_s = 1,
	    .detail = detail,
	    .detail_arg = &d,
	    .user = user,
	    .stack_note = "a kernel thread has no user stack",
	    .per_cpu = true,
	};
	struct golden g;

	b[1].ppid = 400; /* python3 under sshd, under init */
	b[1].nice = 5;
	b[2].ppid = 1;
	b[3].ppid = 1;
	sys.ncpu_meters = 2;
	sys.cpu_meters[0] = (struct cpu_meter){75.0, 25.0};
	sys.cpu_meters[1] = (struct cpu_meter){2.5, NAN};
	top_menu_open(&menu, "Send signal:", signals, 3, 1);
	top_table_update(&t, b, sizeof(b) / sizeof(b[0]));
	resize_term(20, 120);
	top_screen_draw(&s);
	screen_text(golden_open(&g, dir, "top_screen_tree.txt"));
	CHECK(golden_check(&g));
	/* The sorted column's title (PID, ending at column 4 of the titles'
	 * line, under the 3 header lines, 2 meters and the status line)
	 * stands out of the title bar: bold, not reversed; THR's is not. */
	CHECK((mvinch(6, 4) & A_CHARTEXT) == 'D' && (mvinch(6, 4) & A_BOLD) != 0);
	CHECK((mvinch(6, 4) & A_REVERSE) == 0);
	CHECK((mvinch(6, 10) & A_CHARTEXT) == 'R' && (mvinch(6, 10) & A_BOLD) == 0);
	CHECK((mvinch(6, 10) & A_REVERSE) != 0);
	s.menu = &menu;
	resize_term(16, 80);
	top_screen_draw(&s);
	screen_text(golden_open(&g, dir, "top_screen_menu.txt"));
	CHECK(golden_check(&g));
	top_table_clear(&t);
}

/* STACKTOP_PERF=0 turns perf events off: the page says so, and how. */
static void
test_functions_off(const char *dir)
{
	struct top_functions *f;
	struct golden g;

	setenv("STACKTOP_PERF", "0", 1);
	CHECK(top_functions_new(NULL, NULL, &f) < 0);
	top_functions_write(golden_open(&g, dir, "top_functions_off.txt"), f, 20);
	CHECK(golden_check(&g));
	top_functions_free(f);
}

int
main(int argc, char **argv)
{
	FILE *in, *out;
	SCREEN *screen;

	if (!CHECK(argc == 2)) /* the golden directory */
		return 1;
	test_functions_off(argv[1]);
	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		printf("SKIP: no C.UTF-8 locale\n");
		return 77;
	}
	in = fopen("/dev/null", "r");
	out = fopen("/dev/null", "w");
	screen = in != NULL && out != NULL ? newterm("vt100", out, in) : NULL;
	if (screen == NULL) {
		printf("SKIP: curses cannot start a vt100 on /dev/null (no terminfo?)\n");
		return 77;
	}
	test_threads(argv[1]);
	test_processes_narrow(argv[1]);
	test_tree(argv[1]);
	endwin();
	delscreen(screen);
	fclose(in);
	fclose(out);
	return check_done("test_golden_top");
}
