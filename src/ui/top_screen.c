#include "top_screen.h"

#include "../profile.h"
#include "../sanitize.h"
#include "dump_json.h"
#include "report_text.h"
#include "terminal.h"
#include "text.h"

#include <curses.h>
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

/* Three lines about the machine, then the status line. */
#define HEADER_LINES 4
/* Below this height the stack pane gives its lines to the table. */
#define STACK_PANE_MIN_LINES 12
/* The per-CPU meters leave the table at least these rows. */
#define METERS_TABLE_MIN 4
/* The wait column's width: a syscall and the start of a wait channel; and
 * what it gets more where the line has room to spare. */
#define WAIT_WIDTH 16
#define WAIT_MORE  10
/* And the thread's name, where Python names are shown beside the OS one
 * ("worker-3 (python3.12)"). */
#define NAME_MORE 14
/* The command line takes what is left of the line; narrower it says little. */
#define COMMAND_MIN_WIDTH 20
/* A thread using this much of a CPU is drawn as hot. */
#define HOT_CPU_PCT 50.0

size_t
top_screen_fit(const char *s, int width, int *columns)
{
	size_t len = strlen(s), at = 0;
	int used = 0;

	/* Sanitized text is valid UTF-8: cut it where the next character would
	 * not fit, counting wide characters as two columns. */
	while (at < len) {
		uint32_t cp;
		size_t n = sanitize_utf8_decode((const unsigned char *)s + at, len - at, &cp);
		int w = n > 0 ? wcwidth((wchar_t)cp) : 1;

		if (n == 0)
			n = 1;
		if (w < 0)
			w = 1;
		if (used + w > width)
			break;
		used += w;
		at += n;
	}
	if (columns != NULL)
		*columns = used;
	return at;
}

int
top_screen_put(int y, int x, int width, const char *s, int attr)
{
	int used;
	size_t bytes = top_screen_fit(s, width, &used);

	attrset(attr);
	mvaddnstr(y, x, s, (int)bytes);
	attrset(A_NORMAL);
	return used;
}

/* Sanitizes raw into buf for the screen. */
static const char *
clean(const char *raw, char *buf, size_t size)
{
	return sanitize_text(raw, strlen(raw), buf, size);
}

/* The table and stack pane heights for the current terminal size, under
 * meters lines more than the header's (the tree's, per-CPU meters). */
static void
layout(size_t meters, int *table_rows, int *stack_lines)
{
	int avail = LINES - HEADER_LINES - (int)meters - 1;

	if (avail < 1)
		avail = 1;
	*stack_lines = LINES >= STACK_PANE_MIN_LINES ? avail / 2 : 0;
	*table_rows = avail - *stack_lines;
}

size_t
top_screen_table_rows(size_t meters)
{
	int rows, stack;

	layout(meters, &rows, &stack);
	return (size_t)rows;
}

size_t
top_screen_meters(const struct system_row *sys, bool per_cpu, bool tree)
{
	int room = LINES - HEADER_LINES - 1 - METERS_TABLE_MIN - (tree ? 1 : 0);

	if (!per_cpu || room <= 0)
		return tree ? 1 : 0;
	return (tree ? 1 : 0) + (sys->ncpu_meters < (size_t)room ? sys->ncpu_meters : (size_t)room);
}

/* Line y: CPU i's user and system time, as numbers and as a bar of the rest
 * of the width ('|' user, then '#' system: the characters say it where
 * colours do not). */
static void
draw_cpu_meter(int y, size_t i, const struct cpu_meter *m)
{
	char line[64], u[16], k[16];
	int used, bar, nuser, nsys;
	double user = isnan(m->user_pct) ? 0 : m->user_pct,
	       sys = isnan(m->sys_pct) ? 0 : m->sys_pct;

	snprintf(line, sizeof(line), "CPU%-3zu usr %5s%s sys %5s%s ", i,
	         text_pct(u, sizeof(u), m->user_pct), isnan(m->user_pct) ? " " : "%",
	         text_pct(k, sizeof(k), m->sys_pct), isnan(m->sys_pct) ? " " : "%");
	used = top_screen_put(y, 0, COLS, line, A_NORMAL);
	bar = COLS - used - 2;
	if (bar < 4)
		return;
	nuser = (int)(user / 100 * bar + 0.5);
	nsys = (int)(sys / 100 * bar + 0.5);
	if (nuser > bar)
		nuser = bar;
	if (nsys > bar - nuser)
		nsys = bar - nuser;
	mvaddch(y, used, '[');
	mvhline(y, used + 1, '|' | (chtype)terminal_attr(STYLE_PYTHON), nuser);
	mvhline(y, used + 1 + nuser, '#' | (chtype)terminal_attr(STYLE_HOT), nsys);
	mvaddch(y, used + 1 + bar, ']');
}

/* The per-CPU meters under the header, from line y on; the last says how
 * many are left out when the screen is too short. */
static void
draw_cpu_meters(const struct top_screen *s, int y0, size_t meters)
{
	char line[96];

	for (size_t i = 0; i < meters; i++) {
		int y = y0 + (int)i;

		if (i + 1 == meters && meters < s->sys->ncpu_meters) {
			snprintf(line, sizeof(line),
			         "(%zu more CPUs: a taller terminal shows them)",
			         s->sys->ncpu_meters - i);
			top_screen_put(y, 0, COLS, line, terminal_attr(STYLE_DIM));
			return;
		}
		draw_cpu_meter(y, i, &s->sys->cpu_meters[i]);
	}
}

static void
draw_header(const struct top_screen *s)
{
	const struct system_row *sys = s->sys;
	char line[256], up[32], a[16], b[16], c[16], d[16], e[16], f[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(a, sizeof(a), "%H:%M:%S", &tm);
	snprintf(line, sizeof(line), "stacktop %s up %s, load %.2f %.2f %.2f, %zu proc %zu thr", a,
	         text_uptime(up, sizeof(up), sys->uptime_s), sys->load[0], sys->load[1],
	         sys->load[2], sys->processes, sys->threads);
	if (sys->running >= 0)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %lld run",
		         (long long)sys->running);
	top_screen_put(0, 0, COLS, line, A_NORMAL);
	snprintf(line, sizeof(line),
	         "CPU %s usr %s sys %s nice %s iowait %s steal %s idle (%d CPUs)",
	         text_pct(a, sizeof(a), sys->user_pct), text_pct(b, sizeof(b), sys->sys_pct),
	         text_pct(c, sizeof(c), sys->nice_pct), text_pct(d, sizeof(d), sys->iowait_pct),
	         text_pct(e, sizeof(e), sys->steal_pct), text_pct(f, sizeof(f), sys->idle_pct),
	         sys->ncpus);
	top_screen_put(1, 0, COLS, line, A_NORMAL);
	snprintf(line, sizeof(line), "Mem %s used of %s, %s avail   Swap %s used of %s",
	         text_kib(a, sizeof(a), sys->mem_used_kib),
	         text_kib(b, sizeof(b), sys->mem_total_kib),
	         text_kib(c, sizeof(c), sys->mem_available_kib),
	         text_kib(d, sizeof(d), sys->swap_used_kib),
	         text_kib(e, sizeof(e), sys->swap_total_kib));
	top_screen_put(2, 0, COLS, line, A_NORMAL);
}

static void
draw_status(const struct top_screen *s, int y)
{
	const struct top_table *t = s->table;
	char line[256], filter[sizeof(t->filter)], user[64];
	int used;

	if (s->prompt != NULL || s->note != NULL) {
		top_screen_put(y, 0, COLS, s->prompt != NULL ? s->prompt : s->note,
		               terminal_attr(STYLE_ALERT));
		return;
	}
	snprintf(line, sizeof(line), "%zu %s by %s%s%s, every %gs", t->nrows,
	         t->threads ? "threads" : "processes", top_screen_sort_title(t->sort),
	         t->invert ? " reversed" : "", t->tree ? " in a tree" : "", s->interval_s);
	/* Never a silently slower refresh: the interval kept, and why. */
	if (s->kept_s > 1.2 * s->interval_s)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
		         " asked, %.3gs kept (a refresh takes %.3fs)", s->kept_s, s->refresh_s);
	if (t->filter[0])
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ", matching \"%s\"",
		         clean(t->filter, filter, sizeof(filter)));
	if (t->only_user)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ", user %s only",
		         s->user != NULL && s->user(s->detail_arg, t->uid)[0]
		             ? clean(s->user(s->detail_arg, t->uid), user, sizeof(user))
		             : "?");
	if (t->only_pid)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ", PID %d only",
		         t->only_pid);
	if (s->paused)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ", PAUSED");
	used = top_screen_put(y, 0, COLS, line, A_NORMAL);
	if (s->message != NULL && used + 2 < COLS)
		used += 2 + top_screen_put(y, used + 2, COLS - used - 2, s->message,
		                           terminal_attr(STYLE_ALERT));
	if (used + 20 < COLS)
		top_screen_put(y, COLS - 16, 16, "h help   q quit", terminal_attr(STYLE_DIM));
}

/* One column of the table. cell writes the value of a row into buf. */
struct column {
	const char *title;
	int width;
	bool left;    /* text: left-aligned */
	int priority; /* on a narrow screen the highest numbers go first */
	int views;    /* VIEW_THREADS, VIEW_PROCESSES or both */
	void (*cell)(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
	             const struct thread_row *d);
};

enum { VIEW_THREADS = 1, VIEW_PROCESSES = 2, VIEW_BOTH = 3 };

static void
cell_pid(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
         const struct thread_row *d)
{
	(void)s, (void)d;
	snprintf(buf, size, "%d", b->pid);
}

static void
cell_tid(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
         const struct thread_row *d)
{
	(void)s, (void)d;
	snprintf(buf, size, "%d", b->tid);
}

static void
cell_nthreads(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
              const struct thread_row *d)
{
	(void)s, (void)d;
	snprintf(buf, size, "%lld", (long long)b->nthreads);
}

/* The owner's name, or its uid when it has none (as ps does). */
static void
cell_owner(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
           const struct thread_row *d)
{
	const char *name = b->uid >= 0 && s->user != NULL ? s->user(s->detail_arg, b->uid) : "";

	(void)d;
	if (name[0] != '\0')
		clean(name, buf, size);
	else if (b->uid >= 0)
		snprintf(buf, size, "%lld", (long long)b->uid);
	else
		snprintf(buf, size, "?");
}

/* A thread's name: its Python threading name when it has one, the OS name
 * beside it when they differ ("worker-3 (python3)"). */
static void
cell_name(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
          const struct thread_row *d)
{
	const struct top_table *t = s->table;
	const char *python =
	    t->python_name != NULL && t->threads ? t->python_name(t->command_arg, b) : NULL;
	char py[256], os[sizeof(b->name) * 4];

	(void)d;
	if (python == NULL || strcmp(python, b->name) == 0) {
		clean(b->name, buf, size);
		return;
	}
	clean(python, py, sizeof(py));
	clean(b->name, os, sizeof(os));
	snprintf(buf, size, "%s (%s)", py, os);
}

/* A process's name; a kernel thread's in brackets, as ps shows those. */
static void
cell_comm(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
          const struct thread_row *d)
{
	char name[sizeof(b->comm) * 4];

	(void)s, (void)d;
	clean(b->comm, name, sizeof(name));
	snprintf(buf, size, b->kernel ? "[%s]" : "%s", name);
}

/* The command line (c: the process name instead); a process without one
 * (a kernel thread, a zombie) shows its name in brackets, as ps does. */
static void
cell_command(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
             const struct thread_row *d)
{
	const struct top_table *t = s->table;
	const char *line =
	    s->names || b->kernel || t->command == NULL ? "" : t->command(t->command_arg, b);
	char name[sizeof(b->comm) * 4];

	(void)d;
	if (line[0] != '\0') {
		clean(line, buf, size);
		return;
	}
	clean(b->comm, name, sizeof(name));
	snprintf(buf, size, s->names && !b->kernel ? "%s" : "[%s]", name);
}

static void
cell_state(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
           const struct thread_row *d)
{
	(void)s;
	snprintf(buf, size, "%c", text_state(d != NULL ? d->state : b->state));
}

static void
cell_cpu(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
         const struct thread_row *d)
{
	(void)s, (void)d;
	text_pct(buf, size, b->cpu_pct);
}

static void
cell_user(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
          const struct thread_row *d)
{
	(void)s, (void)d;
	text_pct(buf, size, b->user_pct);
}

static void
cell_sys(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
         const struct thread_row *d)
{
	(void)s, (void)d;
	text_pct(buf, size, b->sys_pct);
}

static void
cell_delay(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
           const struct thread_row *d)
{
	(void)s, (void)b;
	text_pct(buf, size, d != NULL ? d->run_delay_pct : NAN);
}

static void
cell_ctxsw(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
           const struct thread_row *d)
{
	double rate = d != NULL ? d->ctxsw_voluntary_per_s + d->ctxsw_involuntary_per_s : NAN;

	(void)s, (void)b;
	snprintf(buf, size, isnan(rate) ? "-" : "%.0f", rate);
}

static void
cell_rss(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
         const struct thread_row *d)
{
	(void)s, (void)d;
	text_kib(buf, size, b->rss_kib);
}

static void
cell_time(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
          const struct thread_row *d)
{
	uint64_t cs = b->cpu_time_us / 10000; /* hundredths, as top's TIME+ */

	(void)s, (void)d;
	snprintf(buf, size, "%llu:%02llu.%02llu", (unsigned long long)(cs / 6000),
	         (unsigned long long)(cs / 100 % 60), (unsigned long long)(cs % 100));
}

static void
cell_nice(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
          const struct thread_row *d)
{
	(void)s, (void)d;
	snprintf(buf, size, "%d", b->nice);
}

static void
cell_wait(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
          const struct thread_row *d)
{
	FILE *out;

	(void)s, (void)b;
	if (d == NULL || (out = fmemopen(buf, size, "w")) == NULL) {
		snprintf(buf, size, "-");
		return;
	}
	text_activity(out, d); /* sanitizes the wait channel */
	fclose(out);
}

/* In the order they are drawn. The command line is last and takes what is
 * left of the line (at least its width). On a narrow screen the highest
 * priorities go first, but never the column the table is sorted by. */
static const struct column columns[] = {
    {"PID", 0, false, 0, VIEW_BOTH, cell_pid}, /* width: of the largest id */
    {"TID", 0, false, 1, VIEW_THREADS, cell_tid},
    {"THR", 5, false, 1, VIEW_PROCESSES, cell_nthreads},
    {"USER", 8, true, 8, VIEW_BOTH, cell_owner},
    {"THREAD", 15, true, 3, VIEW_THREADS, cell_name},
    {"PROCESS", 15, true, 7, VIEW_BOTH, cell_comm},
    {"S", 1, true, 5, VIEW_BOTH, cell_state},
    {"%CPU", 5, false, 2, VIEW_BOTH, cell_cpu},
    {"%USR", 5, false, 11, VIEW_BOTH, cell_user},
    {"%SYS", 5, false, 10, VIEW_BOTH, cell_sys},
    {"DLY%", 5, false, 12, VIEW_THREADS, cell_delay},
    {"CSW/s", 6, false, 13, VIEW_THREADS, cell_ctxsw},
    {"TIME+", 9, false, 14, VIEW_BOTH, cell_time},
    {"RSS", 6, false, 9, VIEW_BOTH, cell_rss},
    {"NI", 3, false, 15, VIEW_BOTH, cell_nice},
    {"WAIT", WAIT_WIDTH, true, 6, VIEW_BOTH, cell_wait},
    {"COMMAND", COMMAND_MIN_WIDTH, true, 4, VIEW_BOTH, cell_command},
};

#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

/* The column each sort key sorts, by its cell, and the title the status
 * line and F6's list name it by (a unit test checks every key has one). */
static const struct {
	void (*cell)(char *buf, size_t size, const struct top_screen *s, const struct task_brief *b,
	             const struct thread_row *d);
	const char *title;
} column_sorts[TOP_SORT_COUNT] = {
    [TOP_SORT_CPU] = {cell_cpu, "%CPU"},     [TOP_SORT_MEM] = {cell_rss, "RSS"},
    [TOP_SORT_TIME] = {cell_time, "TIME"},   [TOP_SORT_PID] = {cell_pid, "PID"},
    [TOP_SORT_TID] = {cell_tid, "TID"},      [TOP_SORT_THREADS] = {cell_nthreads, "THR"},
    [TOP_SORT_NAME] = {cell_name, "THREAD"}, [TOP_SORT_COMM] = {cell_comm, "PROCESS"},
    [TOP_SORT_STATE] = {cell_state, "S"},    [TOP_SORT_USER_CPU] = {cell_user, "%USR"},
    [TOP_SORT_SYS_CPU] = {cell_sys, "%SYS"}, [TOP_SORT_NICE] = {cell_nice, "NI"},
};

const char *
top_screen_sort_title(enum top_sort sort)
{
	return sort < TOP_SORT_COUNT && column_sorts[sort].title ? column_sorts[sort].title : "?";
}

/* Whether column c sorts, and by which key. */
static bool
column_sort(size_t c, enum top_sort *sort)
{
	for (size_t k = 0; k < TOP_SORT_COUNT; k++)
		if (column_sorts[k].cell == columns[c].cell) {
			*sort = (enum top_sort)k;
			return true;
		}
	return false;
}

/* Whether the table is sorted by column c. */
static bool
sorts_by(const struct top_table *t, size_t c)
{
	enum top_sort sort;

	return column_sort(c, &sort) && sort == t->sort;
}

/* Whether the table is drawn as a tree, the lines before column c's text
 * in row i (its name column: the thread's in thread rows, the process's in
 * process rows). */
static bool
tree_column(const struct top_table *t, size_t c)
{
	return t->marks != NULL && columns[c].cell == (t->threads ? cell_name : cell_comm);
}

size_t
top_screen_ncolumns(void)
{
	return NCOLUMNS;
}

const char *
top_screen_column_title(size_t i)
{
	return i < NCOLUMNS ? columns[i].title : NULL;
}

/* The digits of the largest id listed (ids are as wide as pid_max allows,
 * but most machines never reach 7 digits: do not spend columns on it). */
static int
id_width(const struct top_table *t)
{
	int max = 99999, digits = 0;

	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i]->tid > max)
			max = t->rows[i]->tid;
	for (; max > 0; max /= 10)
		digits++;
	return digits;
}

/* Which columns fit in COLS and how wide each is (each takes its width and
 * a space), dropping the least important first (never the sort column);
 * the command line takes what is left. */
static void
choose_columns(const struct top_table *t, uint32_t hidden, bool shown[NCOLUMNS],
               int width[NCOLUMNS])
{
	int view = t->threads ? VIEW_THREADS : VIEW_PROCESSES, total = 0;
	size_t stretch = NCOLUMNS;

	for (size_t i = 0; i < NCOLUMNS; i++) {
		bool sorted = sorts_by(t, i);

		shown[i] = (columns[i].views & view) != 0 &&
		           (sorted || !(hidden & top_screen_column_bit(i)));
		width[i] = columns[i].width > 0 ? columns[i].width : id_width(t);
		if (shown[i])
			stretch = i; /* the last one shown */
		total += shown[i] ? width[i] + 1 : 0;
	}
	while (total > COLS) {
		size_t drop = NCOLUMNS;

		for (size_t i = 0; i < NCOLUMNS; i++)
			if (shown[i] && columns[i].priority > 1 && !sorts_by(t, i) &&
			    (drop == NCOLUMNS || columns[i].priority > columns[drop].priority))
				drop = i;
		if (drop == NCOLUMNS)
			break;
		shown[drop] = false;
		total -= width[drop] + 1;
	}
	/* The last column shown takes the rest of the line: the command line,
	 * or what the user kept in its place. */
	while (stretch < NCOLUMNS && !shown[stretch])
		stretch = stretch == 0 ? NCOLUMNS : stretch - 1;
	/* On a wide screen the wait channel gets room for its whole name
	 * first ("futex (futex_wait_queue)"). */
	for (size_t i = 0; i < NCOLUMNS && COLS - total > WAIT_MORE * 4; i++)
		if (shown[i] && columns[i].cell == cell_wait && i != stretch) {
			width[i] += WAIT_MORE;
			total += WAIT_MORE;
		}
	/* Then a thread's Python name and its OS name, side by side, taken
	 * from the command line while that keeps some room beyond its least. */
	for (size_t i = 0; i < NCOLUMNS && t->python_name != NULL && COLS - total > NAME_MORE + 10;
	     i++)
		if (shown[i] && columns[i].cell == cell_name && i != stretch) {
			width[i] += NAME_MORE;
			total += NAME_MORE;
		}
	if (stretch < NCOLUMNS && total < COLS)
		width[stretch] += COLS - total;
}

size_t
top_screen_sort_columns(const struct top_table *t, uint32_t hidden, enum top_sort *out, size_t max)
{
	bool shown[NCOLUMNS];
	int width[NCOLUMNS];
	size_t n = 0;

	choose_columns(t, hidden, shown, width);
	for (size_t c = 0; c < NCOLUMNS && n < max; c++)
		if (shown[c] && column_sort(c, &out[n]))
			n++;
	return n;
}

/* The column title's attribute: the column the table is sorted by stands
 * out of the title bar (reversed back, and bold). */
static int
title_attr(const struct top_table *t, size_t c)
{
	enum top_sort sort;
	int attr = terminal_attr(STYLE_TITLE);

	if (column_sort(c, &sort) && sort == t->sort)
		return (attr ^ (int)A_REVERSE) | (int)A_BOLD;
	return attr;
}

bool
top_screen_utf8(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/* Writes the name cell of row i with the tree's lines before it. */
static void
tree_cell(const struct top_table *t, size_t i, char *cell, size_t size)
{
	char prefix[TOP_TREE_MAX_DEPTH * 6 + 1];
	size_t len;

	top_tree_prefix(&t->marks[i], top_screen_utf8(), prefix, sizeof(prefix));
	len = strlen(prefix);
	if (len == 0 || len + 1 >= size)
		return;
	memmove(cell + len, cell, strnlen(cell, size - len - 1) + 1);
	cell[size - 1] = '\0';
	memcpy(cell, prefix, len);
}

static void
draw_table(const struct top_screen *s, int y, int rows)
{
	const struct top_table *t = s->table;
	bool shown[NCOLUMNS];
	int width[NCOLUMNS];
	char cell[512], padded[600];
	int x = 0;

	mvhline(y, 0, ' ' | (chtype)terminal_attr(STYLE_TITLE), COLS);
	choose_columns(t, s->hidden, shown, width);
	for (size_t c = 0; c < NCOLUMNS; c++) {
		int w = width[c];

		if (!shown[c])
			continue;
		snprintf(padded, sizeof(padded), columns[c].left ? "%-*s" : "%*s", w,
		         columns[c].title);
		x += top_screen_put(y, x, w, padded, title_attr(t, c)) + 1;
	}
	for (int r = 0; r < rows; r++) {
		size_t i = t->first + (size_t)r;
		const struct task_brief *b;
		const struct thread_row *d;
		int row_attr;

		if (i >= t->nrows)
			break;
		b = t->rows[i];
		d = s->detail(s->detail_arg, b);
		row_attr = i == t->selected ? terminal_attr(STYLE_SELECTED) : (int)A_NORMAL;
		if (i == t->selected)
			mvhline(y + 1 + r, 0, ' ' | (chtype)row_attr, COLS);
		x = 0;
		for (size_t c = 0; c < NCOLUMNS && x < COLS; c++) {
			int w = width[c];
			int attr = row_attr;

			if (!shown[c])
				continue;
			columns[c].cell(cell, sizeof(cell), s, b, d);
			if (tree_column(t, c))
				tree_cell(t, i, cell, sizeof(cell));
			if (columns[c].cell == cell_cpu && b->cpu_pct >= HOT_CPU_PCT &&
			    i != t->selected)
				attr = terminal_attr(STYLE_HOT);
			if (columns[c].left)
				snprintf(padded, sizeof(padded), "%s", cell);
			else
				snprintf(padded, sizeof(padded), "%*s", w, cell);
			top_screen_put(y + 1 + r, x, w, padded, attr);
			x += w + 1;
		}
	}
}

/* One frame of the pane: "#0  function  module" or "#3  run (app.py:42)". */
static void
draw_frame(int y, size_t i, const struct frame_row *f)
{
	char raw[512], label[1024], line[1100];
	int used;

	profile_frame_label(f, raw, sizeof(raw));
	clean(raw, label, sizeof(label));
	snprintf(line, sizeof(line), "#%-2zu %s", i, label);
	used = top_screen_put(y, 0, COLS, line,
	                      terminal_attr(f->python ? STYLE_PYTHON : STYLE_NORMAL));
	if (!f->python && f->function != NULL && f->module != NULL && used + 3 < COLS) {
		clean(text_basename(f->module), label, sizeof(label));
		top_screen_put(y, used + 2, COLS - used - 2, label, terminal_attr(STYLE_DIM));
	}
}

static void
draw_stack(const struct top_screen *s, int y, int lines)
{
	const struct task_brief *b = top_table_selected(s->table);
	const struct thread_stack *st = s->stack;
	char title[512], name[256], pyname[256];
	int avail = lines - 1;

	if (lines <= 0)
		return;
	mvhline(y, 0, ' ' | (chtype)terminal_attr(STYLE_TITLE), COLS);
	if (b == NULL) {
		top_screen_put(y, 0, COLS, " no thread selected", terminal_attr(STYLE_TITLE));
		return;
	}
	/* The stack shown may be the previous selection's until the new one is
	 * taken: name the thread it is of. */
	if (st != NULL)
		snprintf(title, sizeof(title), " stack of thread %d %s", st->tid,
		         clean(st->name, name, sizeof(name)));
	else
		snprintf(title, sizeof(title), " stack of %s %d %s",
		         s->table->threads ? "thread" : "process",
		         s->table->threads ? b->tid : b->pid, clean(b->name, name, sizeof(name)));
	if (st != NULL && !s->table->threads)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		         " (the hottest of %d)", b->pid);
	if (st != NULL && st->python_name != NULL)
		snprintf(title + strlen(title), sizeof(title) - strlen(title), ", Python \"%s\"",
		         clean(st->python_name, pyname, sizeof(pyname)));
	if (st != NULL && st->holds_gil == 1)
		snprintf(title + strlen(title), sizeof(title) - strlen(title), ", holds the GIL");
	if (st != NULL && s->python != NULL && s->python->free_threaded)
		snprintf(title + strlen(title), sizeof(title) - strlen(title), ", free-threaded");
	if (st != NULL && st->err == 0)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		         "; stopped %.2f ms; Enter: full stack", s->stopped_ms);
	top_screen_put(y, 0, COLS, title, terminal_attr(STYLE_TITLE));
	if (s->stack_note != NULL || st == NULL || st->err != 0) {
		if (s->stack_note == NULL && st == NULL)
			snprintf(title, sizeof(title), "(taking its stack...)");
		else
			snprintf(title, sizeof(title), "(no stack: %s)",
			         s->stack_note != NULL ? s->stack_note
			                               : dump_json_thread_error(st->err));
		top_screen_put(y + 1, 0, COLS, title, terminal_attr(STYLE_DIM));
		return;
	}
	/* Never a silently native-only stack: say why Python frames are
	 * missing, on the first line. */
	if (s->python != NULL && s->python->unreadable[0] && avail > 0) {
		snprintf(title, sizeof(title), "(%s)", s->python->unreadable);
		top_screen_put(++y, 0, COLS, title, terminal_attr(STYLE_DIM));
		avail--;
	}
	/* A stack cut short says so on its last line, as dump does. */
	lines = (int)st->nframes + (st->cut[0] != '\0');
	for (size_t f = 0; f < st->nframes && (int)f < avail; f++) {
		if ((int)f == avail - 1 && lines > avail) {
			snprintf(title, sizeof(title), "... %zu more frames%s%s", st->nframes - f,
			         st->cut[0] ? ", stack cut: " : "", st->cut);
			top_screen_put(y + 1 + (int)f, 0, COLS, title, terminal_attr(STYLE_DIM));
			return;
		}
		draw_frame(y + 1 + (int)f, f, &st->frames[f]);
	}
	if (st->cut[0] != '\0' && (int)st->nframes < avail) {
		snprintf(title, sizeof(title), "... stack cut: %s", st->cut);
		top_screen_put(y + 1 + (int)st->nframes, 0, COLS, title, terminal_attr(STYLE_DIM));
	}
}

void
top_screen_draw(const struct top_screen *s)
{
	size_t meters = top_screen_meters(s->sys, s->per_cpu, s->tree != NULL);
	int rows, stack_lines, top = HEADER_LINES + (int)meters;

	layout(meters, &rows, &stack_lines);
	erase();
	draw_header(s);
	if (s->tree != NULL) {
		char line[512];

		/* Sanitized by report_text_tree_line. */
		top_screen_put(HEADER_LINES - 1, 0, COLS,
		               report_text_tree_line(s->tree, true, line, sizeof(line)),
		               s->tree->capped ? terminal_attr(STYLE_ALERT) : (int)A_NORMAL);
	}
	draw_cpu_meters(s, HEADER_LINES - 1 + (s->tree != NULL), meters - (s->tree != NULL));
	draw_status(s, top - 1);
	draw_table(s, top, rows);
	draw_stack(s, top + 1 + rows, stack_lines);
	if (s->menu != NULL)
		top_menu_draw(s->menu, top, rows + 1);
	refresh();
}
