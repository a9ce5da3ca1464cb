#include "report_text.h"

#include "../plural.h"
#include "../sanitize.h"
#include "../syscall_names.h"
#include "dump_json.h"
#include "dump_text.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The widest command line we print; JSON carries all of it. */
#define REPORT_CMDLINE_COLUMNS 160
/* The thread name column: an OS name (15 bytes), wider for the Python
 * names of a Python process's threads, up to this. */
#define REPORT_NAME_COLUMNS_MAX 40

static void
report_text_header(FILE *out, const struct report *r, size_t width)
{
	const struct system_row *s = &r->system;
	char when[64], up[32], a[16], b[16], c[16], d[16], e[16], cpu[160], load[64];
	struct tm tm;

	gmtime_r(&r->taken_at.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(out, "stacktop report %s, over %.2f s, up %s\n", when, r->interval_s,
	        text_uptime(up, sizeof(up), s->uptime_s));
	snprintf(cpu, sizeof(cpu),
	         "cpu: %s%% user, %s%% sys, %s%% nice, %s%% iowait, %s%% steal (%d %s)",
	         text_pct(a, sizeof(a), s->user_pct), text_pct(b, sizeof(b), s->sys_pct),
	         text_pct(c, sizeof(c), s->nice_pct), text_pct(d, sizeof(d), s->iowait_pct),
	         text_pct(e, sizeof(e), s->steal_pct), s->ncpus,
	         plural((uint64_t)s->ncpus, "CPU", "CPUs"));
	if (isnan(s->load[0]))
		snprintf(load, sizeof(load), "load -");
	else
		snprintf(load, sizeof(load), "load %.2f %.2f %.2f", s->load[0], s->load[1],
		         s->load[2]);
	/* On a narrow terminal the load gets a line of its own. */
	if (width == 0 || strlen(cpu) + 3 + strlen(load) <= width)
		fprintf(out, "%s   %s\n", cpu, load);
	else
		fprintf(out, "%s\n%s\n", cpu, load);
	fprintf(out, "mem: %s used of %s, %s available; swap %s used of %s\n",
	        text_kib(a, sizeof(a), s->mem_used_kib), text_kib(b, sizeof(b), s->mem_total_kib),
	        text_kib(c, sizeof(c), s->mem_available_kib),
	        text_kib(d, sizeof(d), s->swap_used_kib),
	        text_kib(e, sizeof(e), s->swap_total_kib));
	fprintf(out, "tasks: %zu %s, %zu %s", s->processes,
	        plural(s->processes, "process", "processes"), s->threads,
	        plural(s->threads, "thread", "threads"));
	if (s->running >= 0)
		fprintf(out, "; %lld runnable on the machine", (long long)s->running);
	fputc('\n', out);
}

/* The columns of the process and thread tables, as `top -H`: each has a
 * width and, for when a line does not fit the terminal, a rank in the order
 * they go in (1 goes first; 0 stays). The last column (COMMAND, SYSCALL)
 * takes what the line has left, and is cut first, down to its least. */
struct report_column {
	const char *header;
	int width; /* negative: left-aligned */
	int drop;
};

enum { P_PID, P_USER, P_CPU, P_USR, P_SYS, P_THR, P_RSS, P_ANON, P_FILE, P_SHMEM, P_SWAP, P_N };
enum { T_TID, T_NAME, T_STATE, T_CPU, T_USR, T_SYS, T_DELAY, T_VCSW, T_ICSW, T_N };

static const struct report_column process_columns[P_N] = {
    [P_PID] = {"PID", 7, 0},     [P_USER] = {"USER", -10, 8}, [P_CPU] = {"%CPU", 5, 0},
    [P_USR] = {"%USR", 5, 5},    [P_SYS] = {"%SYS", 5, 6},    [P_THR] = {"THR", 5, 7},
    [P_RSS] = {"RSS", 7, 0},     [P_ANON] = {"ANON", 7, 4},   [P_FILE] = {"FILE", 7, 2},
    [P_SHMEM] = {"SHMEM", 7, 1}, [P_SWAP] = {"SWAP", 7, 3},
};
static const struct report_column thread_columns[T_N] = {
    [T_TID] = {"TID", 7, 0},      [T_NAME] = {"NAME", -16, 0}, [T_STATE] = {"S", -1, 0},
    [T_CPU] = {"%CPU", 5, 0},     [T_USR] = {"%USR", 5, 4},    [T_SYS] = {"%SYS", 5, 5},
    [T_DELAY] = {"DELAY%", 6, 3}, [T_VCSW] = {"VCSW/s", 7, 2}, [T_ICSW] = {"ICSW/s", 7, 1},
};

/* The least the last column keeps before other columns go. */
#define REPORT_COMMAND_MIN  15
#define REPORT_ACTIVITY_MIN 16

/* Which columns of a table a line of width columns shows (0: any width):
 * indent, the columns each after a space but the first, and a space and
 * last_min columns of the last. Returns the columns those take. */
static size_t
report_layout(const struct report_column *cols, size_t n, size_t indent, size_t last_min,
              size_t width, bool *show)
{
	size_t used = indent + last_min; /* and a space a column, below */

	for (size_t i = 0; i < n; i++) {
		show[i] = true;
		used += (size_t)abs(cols[i].width) + 1;
	}
	for (int rank = 1; width > 0 && used > width; rank++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			if (cols[i].drop == rank) {
				show[i] = false;
				used -= (size_t)abs(cols[i].width) + 1;
			}
			any = any || cols[i].drop > rank;
		}
		if (!any)
			break;
	}
	return used;
}

/* One cell: text aligned to the column's width, after a space but for the
 * first column. */
static void
report_cell(FILE *out, const struct report_column *cols, const bool *show, size_t i,
            const char *text)
{
	if (show[i])
		fprintf(out, "%s%*s", i == 0 ? "" : " ", cols[i].width, text);
}

static void
report_text_process(FILE *out, const struct process_row *p, const bool *show)
{
	char cells[P_N][32];

	fputc('\n', out);
	for (size_t i = 0; i < P_N; i++)
		report_cell(out, process_columns, show, i, process_columns[i].header);
	fprintf(out, " %s\n", "COMMAND");
	snprintf(cells[P_PID], sizeof(cells[0]), "%d", p->pid);
	text_pct(cells[P_CPU], sizeof(cells[0]), p->cpu_pct);
	text_pct(cells[P_USR], sizeof(cells[0]), p->user_pct);
	text_pct(cells[P_SYS], sizeof(cells[0]), p->sys_pct);
	snprintf(cells[P_THR], sizeof(cells[0]), "%lld", (long long)p->thread_count);
	text_kib(cells[P_RSS], sizeof(cells[0]), p->mem.rss_kib);
	text_kib(cells[P_ANON], sizeof(cells[0]), p->mem.anon_kib);
	text_kib(cells[P_FILE], sizeof(cells[0]), p->mem.file_kib);
	text_kib(cells[P_SHMEM], sizeof(cells[0]), p->mem.shmem_kib);
	text_kib(cells[P_SWAP], sizeof(cells[0]), p->mem.swap_kib);
	for (size_t i = 0; i < P_N; i++) {
		if (i != P_USER) {
			report_cell(out, process_columns, show, i, cells[i]);
		} else if (show[i] && p->user[0]) {
			fputc(' ', out);
			text_field(out, p->user, strlen(p->user), 10, 1);
		} else if (show[i]) {
			fprintf(out, " %-10lld", (long long)p->uid);
		}
	}
	fputc(' ', out);
	if (p->cmdline != NULL && p->cmdline_len > 0) {
		text_field(out, p->cmdline, p->cmdline_len, REPORT_CMDLINE_COLUMNS, 0);
	} else {
		/* Kernel threads have no command line; ps shows [comm]. */
		fputc('[', out);
		text_field(out, p->comm, strlen(p->comm), sizeof(p->comm), 0);
		fputc(']', out);
	}
	fputc('\n', out);
}

/* The thread columns for p's threads on a line of width columns (0: any)
 * and which show: the name column as wide as their labels (a Python
 * thread's "worker-3 (python3)"), within bounds, with the room the line
 * has left once the columns are laid out for an OS name (a label is cut
 * rather than a column dropped). */
static void
report_text_thread_columns(const struct process_row *p, size_t width, struct report_column *cols,
                           bool *show)
{
	size_t base = (size_t)abs(thread_columns[T_NAME].width), want = base, used, w;
	char label[256];

	for (size_t t = 0; t < p->nthreads; t++) {
		const struct thread_row *row = &p->threads[t];

		if (row->python_name == NULL)
			continue;
		w = text_width(
		    text_thread_label(row->name, row->python_name, label, sizeof(label)));
		want = w > want ? w : want;
	}
	want = want < REPORT_NAME_COLUMNS_MAX ? want : REPORT_NAME_COLUMNS_MAX;
	memcpy(cols, thread_columns, sizeof(thread_columns));
	used = report_layout(cols, T_N, 2, REPORT_ACTIVITY_MIN, width, show);
	if (width > 0 && used >= width)
		want = base;
	else if (width > 0 && want - base > width - used)
		want = base + (width - used);
	cols[T_NAME].width = -(int)want;
}

static void
report_text_thread(FILE *out, const struct thread_row *t, const struct report_column *cols,
                   const bool *show)
{
	char cells[T_N][32], label[256];

	snprintf(cells[T_TID], sizeof(cells[0]), "%d", t->tid);
	snprintf(cells[T_STATE], sizeof(cells[0]), "%c", text_state(t->state));
	text_pct(cells[T_CPU], sizeof(cells[0]), t->cpu_pct);
	text_pct(cells[T_USR], sizeof(cells[0]), t->user_pct);
	text_pct(cells[T_SYS], sizeof(cells[0]), t->sys_pct);
	text_pct(cells[T_DELAY], sizeof(cells[0]), t->run_delay_pct);
	snprintf(cells[T_VCSW], sizeof(cells[0]), isnan(t->ctxsw_voluntary_per_s) ? "-" : "%.0f",
	         t->ctxsw_voluntary_per_s);
	snprintf(cells[T_ICSW], sizeof(cells[0]), isnan(t->ctxsw_involuntary_per_s) ? "-" : "%.0f",
	         t->ctxsw_involuntary_per_s);
	fputs("  ", out);
	for (size_t i = 0; i < T_N; i++) {
		if (i != T_NAME) {
			report_cell(out, cols, show, i, cells[i]);
		} else {
			fputc(' ', out);
			text_thread_label(t->name, t->python_name, label, sizeof(label));
			text_field(out, label, strlen(label), (size_t)abs(cols[i].width), 1);
		}
	}
	fputc(' ', out);
	text_activity(out, t);
	fputc('\n', out);
}

/* report --stacks: the thread's frames under its row. */
static void
report_text_stack(FILE *out, const struct thread_stack *s)
{
	const char *why;

	if (s == NULL)
		return;
	if ((why = dump_json_thread_error(s->err)) != NULL) {
		fprintf(out, "%11s(no stack: %s)\n", "", why);
		return;
	}
	for (size_t f = 0; f < s->nframes; f++) {
		fprintf(out, "%11s", "");
		dump_text_frame(out, f, &s->frames[f]);
	}
	dump_text_cut(out, 11, s);
}

/* The report at full width: each line as long as it is. */
/* A size of the tree's line: KiB as a number for a report, as the Mem
 * line shows it for the live view. */
static char *
report_text_tree_kib(char *buf, size_t size, int64_t kib, bool human)
{
	if (human || kib < 0)
		return text_kib(buf, size, kib);
	snprintf(buf, size, "%lld KiB", (long long)kib);
	return buf;
}

char *
report_text_tree_line(const struct report_tree *t, bool human, char *buf, size_t size)
{
	char cap[64] = "", rss[32], pss[32], comm[COMM_MAX * 4];

	if (t->capped)
		snprintf(cap, sizeof(cap), " (capped by --max-processes %zu)", t->cap);
	sanitize_text(t->hottest_comm, strnlen(t->hottest_comm, sizeof(t->hottest_comm)), comm,
	              sizeof(comm));
	snprintf(buf, size, "TREE %d: %zu %s%s, CPU %.1f%%, RSS %s, PSS %s", t->root,
	         t->process_count, plural(t->process_count, "process", "processes"), cap,
	         t->cpu_pct, report_text_tree_kib(rss, sizeof(rss), t->rss_kib, human),
	         report_text_tree_kib(pss, sizeof(pss), t->pss_kib, human));
	if (t->hottest_pid > 0)
		snprintf(buf + strlen(buf), size - strlen(buf), ", hottest %d (%s) %.1f%%",
		         t->hottest_pid, comm, t->hottest_cpu_pct);
	return buf;
}

static void
report_text_lines(FILE *out, const struct report *r, size_t width)
{
	bool pshow[P_N], tshow[T_N];

	report_layout(process_columns, P_N, 0, REPORT_COMMAND_MIN, width, pshow);
	report_text_header(out, r, width);
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct process_row *p = &r->procs[i];
		struct report_column tcols[T_N];

		report_text_thread_columns(p, width, tcols, tshow);
		report_text_process(out, p, pshow);
		if (p->python != NULL && p->python->unreadable[0])
			fprintf(out, "  (%s)\n", p->python->unreadable);
		fputs("  ", out);
		for (size_t c = 0; c < T_N; c++)
			report_cell(out, tcols, tshow, c, tcols[c].header);
		fprintf(out, " %s\n", "SYSCALL (WCHAN)");
		for (size_t t = 0; t < p->nthreads; t++) {
			report_text_thread(out, &p->threads[t], tcols, tshow);
			report_text_stack(out, p->threads[t].stack);
		}
		if ((int64_t)p->nthreads < p->thread_count)
			fprintf(out, "  (%lld more %s; -n to list more)\n",
			        (long long)(p->thread_count - (int64_t)p->nthreads),
			        plural((uint64_t)(p->thread_count - (int64_t)p->nthreads), "thread",
			               "threads"));
	}
	if (r->tree.root > 0) {
		char line[512];

		fprintf(out, "%s\n", report_text_tree_line(&r->tree, false, line, sizeof(line)));
	}
}

void
report_text_write(FILE *out, const struct report *r, size_t width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	if (width == 0) {
		report_text_lines(out, r, 0);
		return;
	}
	/* Columns go first; then what is left too long (a stack's frame, a
	 * long command line in the last column) is cut at the width. */
	if ((mem = open_memstream(&buf, &len)) == NULL)
		abort();
	report_text_lines(mem, r, width);
	fclose(mem);
	text_cut_lines(out, buf, len, width);
	free(buf);
}
