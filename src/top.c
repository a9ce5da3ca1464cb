#include "top.h"

#include "cli.h"
#include "clock.h"
#include "probes/collector.h"
#include "probes/locks.h"
#include "probes/stacks.h"
#include "top_act.h"
#include "top_functions.h"
#include "top_mem_page.h"
#include "top_proctree.h"
#include "top_pynames.h"
#include "top_setup.h"
#include "top_tasks_page.h"
#include "ui/dump_text.h"
#include "ui/locks_text.h"
#include "ui/pager.h"
#include "ui/terminal.h"
#include "ui/top_screen.h"
#include "ui/top_table.h"
#include "xmalloc.h"

#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first screen comes after this short interval, so that it shows what
 * runs now within a tenth of a second of start; later ones every interval. */
#define TOP_FIRST_INTERVAL_S 0.01
/* A new selection's stack is taken once the keys pause this long, so that
 * scrolling through rows does not stop every thread passed on the way. */
#define TOP_STACK_SETTLE_S 0.15

enum top_mode {
	MODE_TABLE,
	MODE_HELP,
	MODE_STACK,
	MODE_MEM,
	MODE_LOCKS,
	MODE_FUNCS,
	MODE_SETUP,
	MODE_TASKS,
	MODE_COUNT
};
enum top_prompt {
	PROMPT_NONE,
	PROMPT_FILTER,
	PROMPT_DELAY,
	PROMPT_SEARCH,
	PROMPT_USER,
	PROMPT_REFS /* the memory page's r: a type, to show what holds its objects */
};
/* Acting on a task and choosing the order: the menu open over the table
 * (k or F9: a signal, F6: the sort column), then for a signal a y/n
 * question in the status line. */
enum top_act { ACT_NONE, ACT_SIGNAL_MENU, ACT_SIGNAL_CONFIRM, ACT_SORT_MENU };

struct top {
	struct procfs *fs;
	struct collector *collector;
	struct top_pynames *pynames; /* Python thread names of the rows drawn */
	struct top_proctree *tree;   /* --tree, or NULL */
	struct top_table table;
	/* The latest sample's threads [1] and processes [0] (owned), both
	 * taken before the baseline moves on: H switches between them. */
	struct task_brief *briefs[2];
	size_t nbriefs[2];
	struct system_row sys;
	double interval_s;
	double sampled_s;         /* when the last refresh began (monotonic) */
	double kept_s, refresh_s; /* struct top_screen's */
	bool paused;
	bool quit;
	/* The first screen comes after TOP_FIRST_INTERVAL_S, whose CPU says
	 * little: its selection is bound to its task only by a key; else the
	 * first full interval's first row is selected, and stays. */
	bool preview;
	double next_sample; /* monotonic seconds */
	char message[160];  /* the latest sample's note */
	char note[200];     /* what the last key did not do, and why; until the next key */

	/* The full rows of the tasks drawn since the latest sample. */
	struct thread_row *details;
	size_t ndetails, details_cap;

	/* The selected thread's stack: taken once per sample and when the
	 * selection moves (once the keys settle). */
	struct dump_report *stack;
	struct target *watch; /* the selected thread's process */
	int stack_tid;
	char stack_note[256];
	double stack_due; /* when to take it; 0: not due */

	enum top_mode mode;
	struct pager pager;
	int page_pid; /* the process the memory or locks page is about */
	struct top_mem_page mem;
	struct top_tasks_page tasks; /* the asyncio page's */
	struct top_functions *funcs; /* while the functions page is open */

	enum top_prompt prompt;
	char input[64];
	char refs_question[96]; /* PROMPT_REFS's, with the stop it will take */
	char filter_before[64];

	enum top_act act;
	struct top_menu menu;
	struct top_act_target act_target; /* the row the signal menu opened on */
	int act_signal;
	char act_question[256];
	enum top_sort sort_choices[TOP_SORT_COUNT]; /* F6's list: the columns shown */
	const char *sort_labels[TOP_SORT_COUNT];
	bool per_cpu; /* 1: a meter a CPU */
	/* What the last signal or nice did: kept on the status line until the
	 * next key (a refresh clears message). */
	char act_message[256];
	char search[64]; /* F3's text, kept for the next F3 */

	/* The table's columns: c (process names in COMMAND) and what F2 hid,
	 * kept in the settings file (top_setup.h). */
	bool names;
	struct top_setup setup;
};

/* In parts: ISO C bounds a string literal's length (4095), and the whole
 * help is longer. */
static const char *const top_help[] = {
    "stacktop: the hottest threads, and what the selected one is executing.\n"
    "\n"
    "The table lists every thread (or process) of the machine, or of the -p\n"
    "processes, hottest first. The pane under it shows the selected thread's\n"
    "stack (native and Python merged), taken every interval by stopping\n"
    "that thread alone for a fraction of a millisecond. The selection stays on\n"
    "its thread across refreshes (on the same row when the thread ends).\n"
    "\n"
    "  Up/Down, j         move the selection (it stays on its thread)\n"
    "  PgUp/PgDn          a page up or down\n"
    "  Home/End, g/G      the first or last row\n"
    "  P  M  T            sort by %CPU, by memory (RSS), by CPU time\n"
    "  F6  <  >           choose the sort column: from a list, the previous or\n"
    "                     next column shown (its title is highlighted)\n"
    "  I                  invert the sort order\n"
    "  F5  t              tree view: each process under its parent (in thread\n"
    "                     rows, its threads under it), siblings in sort order\n"
    "  k  F9              send a signal (a list, SIGTERM first; Enter, then y\n"
    "                     to confirm): in thread rows to the thread's TID, as\n"
    "                     htop does (a fatal signal still ends its process), in\n"
    "                     process rows to the process\n"
    "  F7  F8             nice -1 (more CPU; needs root or CAP_SYS_NICE) or +1:\n"
    "                     the thread, or every thread of the process\n"
    "  1                  a meter a CPU in the header (again: the total)\n"
    "  H                  threads or processes\n"
    "  p                  only the selected process (again: all)\n"
    "  u                  only one user's processes (empty: every user)\n"
    "  /  F4              filter: rows whose thread or process name or command\n"
    "                     line holds the text, or whose PID or TID it is\n"
    "  F3                 search: the next row that holds the text (F3 again:\n"
    "                     the one after), without filtering\n"
    "  Esc                clear the filter, the process and the user limits\n"
    "  c                  COMMAND: the command line or the process name\n"
    "  F2                 setup: the columns shown (kept in stacktoprc)\n"
    "  space              pause or resume\n"
    "  d                  change the interval (seconds)\n"
    "  Enter              the selected thread's full stack\n"
    "  m                  the selected process's memory, and whether it grows;\n"
    "                     a Python process's objects by type too (the first\n"
    "                     time, once t is pressed: the page says how long the\n"
    "                     census stops the process; t: again, and what grew\n"
    "                     since the census before); there r: what holds a\n"
    "                     type's objects, as mem --python-refs (the type that\n"
    "                     grew most offered; Enter: its chains, stopping the\n"
    "                     process once; q or Esc: back to the memory page)\n"
    "  l                  the selected process's locks: what each blocked\n"
    "                     thread waits for, who holds it, and deadlocks\n"
    "  a                  the selected process's asyncio tasks, as stacktop\n"
    "                     tasks shows them: the selected thread's event loop\n"
    "                     first, then the other loops, then the deadlocks;\n"
    "                     taken once, not on every refresh (the first time,\n"
    "                     once t is pressed: the page says how long finding\n"
    "                     them stops the process; t: again)\n"
    "  f                  functions on CPU, self and total, of the selected\n"
    "                     process (there a: every process, t: the selected\n"
    "                     thread, p: its process), sampled while it is open\n",
    "  Ctrl-L             paint the screen again\n"
    "  h  ?  F1           this help\n"
    "  q  F10             quit (from a page: back to the table)\n"
    "\n"
    "Columns: USER the process's owner; %CPU %USR %SYS of one CPU over the\n"
    "interval; DLY% the time spent waiting for a CPU; CSW/s context switches;\n"
    "RSS the process's resident memory; WAIT the syscall and kernel wait\n"
    "channel; S the state (R running, S sleeping, D uninterruptible, T stopped,\n"
    "Z zombie, I idle); NI the nice; COMMAND the command line (a kernel\n"
    "thread's name in brackets). Columns that do not fit are left out, never\n"
    "the sorted one: widen the terminal to see them, or hide others with F2.\n"
    "\n"
    "Settings: $XDG_CONFIG_HOME/stacktop/stacktoprc (~/.config without it).\n",
};

/* A task's command line for the table and the filter: read once per
 * process by the collector, the first time a row or a filter needs it. */
static const char *
top_command(void *arg, const struct task_brief *b)
{
	struct top *top = arg;

	return collector_cmdline(top->collector, b->pid);
}

/* A thread's Python threading name, for the THREAD column and the filter. */
static const char *
top_python_name(void *arg, const struct task_brief *b)
{
	struct top *top = arg;

	return b->kernel ? NULL : top_pynames_get(top->pynames, b->pid, b->tid);
}

static const char *
top_user(void *arg, int64_t uid)
{
	struct top *top = arg;

	return collector_user_name(top->collector, uid);
}

/* How many table rows the screen has now (the per-CPU meters take some). */
static size_t
top_rows(const struct top *top)
{
	return top_screen_table_rows(top_screen_meters(&top->sys, top->per_cpu, top->tree != NULL));
}

/* The full row of a listed task, read once per sample (the screen calls this
 * for the rows it draws). A process row shows its main thread's. */
static const struct thread_row *
top_detail(void *arg, const struct task_brief *b)
{
	struct top *top = arg;
	int tid = top->table.threads ? b->tid : b->pid; /* a process's main thread */
	struct thread_row *row;

	for (size_t i = 0; i < top->ndetails; i++)
		if (top->details[i].tid == tid)
			return &top->details[i];
	if (top->ndetails == top->details_cap) {
		top->details_cap = top->details_cap ? top->details_cap * 2 : 64;
		top->details = xreallocarray(top->details, top->details_cap, sizeof(*top->details));
	}
	row = &top->details[top->ndetails];
	if (collector_thread(top->collector, tid, row) != 0)
		return NULL;
	top->ndetails++;
	return row;
}

static void
top_clear_details(struct top *top)
{
	for (size_t i = 0; i < top->ndetails; i++)
		thread_row_clear(&top->details[i]);
	top->ndetails = 0;
}

/* The thread whose stack the pane shows: the selected one, or in the
 * processes view the selected process's hottest thread. */
static int
top_stack_tid(const struct top *top, const struct task_brief *b)
{
	const struct task_brief *threads = top->briefs[1];
	int tid = b->pid;
	double best = -1;

	if (top->table.threads)
		return b->tid;
	for (size_t i = 0; i < top->nbriefs[1]; i++)
		if (threads[i].pid == b->pid && threads[i].cpu_pct > best) {
			best = threads[i].cpu_pct;
			tid = threads[i].tid;
		}
	return tid;
}

static void
top_take_stack(struct top *top)
{
	const struct task_brief *b = top_table_selected(&top->table);
	int err;

	dump_report_free(top->stack);
	top->stack = NULL;
	top->stack_note[0] = '\0';
	top->stack_due = 0;
	if (b == NULL)
		return;
	top->stack_tid = top_stack_tid(top, b);
	if (b->kernel) {
		snprintf(top->stack_note, sizeof(top->stack_note),
		         "a kernel thread has no user stack");
		return;
	}
	if (b->pid == getpid()) {
		snprintf(top->stack_note, sizeof(top->stack_note),
		         "stacktop does not trace itself");
		return;
	}
	/* Keep the process's unwinder and symbols from one take to the next:
	 * opening them is most of a take's cost. */
	if (top->watch != NULL && target_pid(top->watch) != b->pid) {
		target_close(top->watch);
		top->watch = NULL;
	}
	err = top->watch != NULL ? 0 : target_open(top->fs, b->pid, TARGET_AUTO, true, &top->watch);
	if (err == 0)
		err = stacks_snapshot(top->watch, &top->stack_tid, 1, NULL, &top->stack);
	if (err != 0) {
		cli_target_message(b->pid, err, top->stack_note, sizeof(top->stack_note));
		target_close(top->watch);
		top->watch = NULL;
	}
}

/* The selection moved: its stack is due once the keys settle. */
static void
top_selection_moved(struct top *top, int old_tid)
{
	if (top->table.selected_tid == old_tid)
		return;
	dump_report_free(top->stack);
	top->stack = NULL;
	top->stack_note[0] = '\0';
	top->stack_due = clock_monotonic_s() + TOP_STACK_SETTLE_S;
}

/* Lists the kind of rows the table shows, from the latest sample. */
static void
top_list(struct top *top)
{
	int kind = top->table.threads;

	top_table_update(&top->table, top->briefs[kind], top->nbriefs[kind]);
	top_table_scroll(&top->table, top_rows(top));
}

static void
top_free_briefs(struct top *top)
{
	for (int kind = 0; kind < 2; kind++) {
		free(top->briefs[kind]);
		top->briefs[kind] = NULL;
		top->nbriefs[kind] = 0;
	}
}

/* Tracks run delay and context switches, for the next interval, of the rows
 * whose full rows were read for the screen (the collector reads them for
 * every thread anyway under taskstats). */
static void
top_watch_details(struct top *top)
{
	int *tids = xcalloc(top->ndetails ? top->ndetails : 1, sizeof(*tids));

	for (size_t i = 0; i < top->ndetails; i++)
		tids[i] = top->details[i].tid;
	collector_watch_tids(top->collector, tids, top->ndetails);
	free(tids);
}

/* The memory page's text (top_mem_page). */
static void
top_write_mem(FILE *out, struct top *top)
{
	top_mem_page_write(out, &top->mem, top->fs);
}

/* The full-screen stack view's text: the selected thread as stacktop dump
 * prints it. */
static void
top_write_stack(FILE *out, struct top *top)
{
	if (top->stack != NULL)
		dump_text_write(out, top->stack);
	else
		fprintf(out, "(no stack: %s)\n",
		        top->stack_note[0] ? top->stack_note : "not taken yet");
}

/* The locks page's text: the process's blocked threads, what each waits
 * for and who holds it, and its deadlocks, as stacktop locks prints them;
 * taken again every interval (only blocked threads are stopped, briefly). */
static void
top_write_locks(FILE *out, struct top *top)
{
	struct locks_report *r = NULL;
	char msg[256];
	int err = top->page_pid == getpid() ? -EPERM : locks_take(top->fs, top->page_pid, &r);

	if (err == 0)
		locks_text_write(out, r);
	else
		fprintf(out, "%s\n", cli_target_message(top->page_pid, err, msg, sizeof(msg)));
	locks_report_free(r);
}

static void
top_write_funcs(FILE *out, struct top *top)
{
	top_functions_write(out, top->funcs, top_rows(top) + 20);
}

/* The asyncio page's text (top_tasks_page): the tasks taken last. */
static void
top_write_tasks(FILE *out, struct top *top)
{
	top_tasks_page_write(out, &top->tasks);
}

/* The setup page's text (top_setup). */
static void
top_write_setup(FILE *out, struct top *top)
{
	top_setup_write(out, &top->setup);
}

static void
top_write_help(FILE *out, struct top *top)
{
	(void)top;
	for (size_t i = 0; i < sizeof(top_help) / sizeof(top_help[0]); i++)
		fputs(top_help[i], out);
}

/* Writes the page of the current mode again, with the renderer it shows. */
static void
top_refresh_page(struct top *top)
{
	static void (*const writers[MODE_COUNT])(FILE *, struct top *) = {
	    [MODE_HELP] = top_write_help,   [MODE_STACK] = top_write_stack,
	    [MODE_MEM] = top_write_mem,     [MODE_LOCKS] = top_write_locks,
	    [MODE_FUNCS] = top_write_funcs, [MODE_SETUP] = top_write_setup,
	    [MODE_TASKS] = top_write_tasks,
	};
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (writers[top->mode] == NULL || (out = open_memstream(&text, &len)) == NULL)
		return;
	writers[top->mode](out, top);
	fclose(out);
	pager_set_text(&top->pager, text);
}

/* One refresh: sample, list, take the selected thread's stack, and start
 * the next interval. Returns 0 or -errno when /proc cannot be read. */
static int
top_sample(struct top *top)
{
	double began = clock_monotonic_s();
	int err, gone;

	err = top->tree != NULL ? top_proctree_sample(top->tree, top->fs, top->collector)
	                        : collector_sample(top->collector);
	gone = collector_gone_pid(top->collector);

	top->message[0] = '\0';
	if (err == -ESRCH && gone > 0) {
		snprintf(top->message, sizeof(top->message), "PID %d has exited", gone);
		err = 0;
	}
	if (err != 0)
		return err;
	top_clear_details(top);
	top_free_briefs(top);
	for (int kind = 0; kind < 2; kind++)
		top->nbriefs[kind] = collector_briefs(top->collector, kind, &top->briefs[kind]);
	if (top->tree != NULL)
		top_proctree_sum(top->tree, top->fs, top->briefs[0], top->nbriefs[0], began);
	if (top->preview && top->sampled_s > 0) {
		top->table.selected_tid = 0; /* the preview's choice: the first row now */
		top->preview = false;
	}
	top_list(top);
	collector_system(top->collector, &top->sys);
	/* The stack is taken right after this sample is drawn: the table shows
	 * without waiting for it, and the pane keeps the previous stack until
	 * the new one replaces it. */
	top->stack_due = clock_monotonic_s();
	/* Pages that sample something of their own; the stack page follows the
	 * take below. */
	if (top->mode == MODE_MEM || top->mode == MODE_LOCKS || top->mode == MODE_FUNCS)
		top_refresh_page(top);
	/* Read the rows on screen now, before the baseline moves past them. */
	for (size_t i = top->table.first;
	     i < top->table.nrows && i < top->table.first + top_rows(top); i++)
		top_detail(top, top->table.rows[i]);
	collector_set_baseline(top->collector);
	top_watch_details(top);
	top->kept_s = top->sampled_s > 0 && !top->paused ? began - top->sampled_s : 0;
	top->sampled_s = began;
	top->refresh_s = clock_monotonic_s() - began;
	top->next_sample += top->interval_s;
	if (top->next_sample < clock_monotonic_s())
		top->next_sample = clock_monotonic_s() + top->interval_s;
	return 0;
}

static void
top_draw(struct top *top)
{
	static const char *const titles[MODE_COUNT] = {
	    [MODE_HELP] = " stacktop help",
	    [MODE_STACK] = " full stack of the selected thread",
	    [MODE_MEM] = " memory of the selected process",
	    [MODE_LOCKS] = " locks of the selected process: what its blocked threads wait for",
	    [MODE_FUNCS] = " functions on CPU, most samples first (f: back)",
	    [MODE_SETUP] = " setup: the columns shown",
	    [MODE_TASKS] = " asyncio tasks of the selected process",
	};
	char prompt[192];
	struct top_screen s = {
	    .sys = &top->sys,
	    .table = &top->table,
	    .interval_s = top->interval_s,
	    .kept_s = top->kept_s,
	    .refresh_s = top->refresh_s,
	    .paused = top->paused,
	    .message = top->message[0]       ? top->message
	               : top->act_message[0] ? top->act_message
	                                     : NULL,
	    .note = top->note[0] ? top->note : NULL,
	    .detail = top_detail,
	    .detail_arg = top,
	    .user = top_user,
	    .names = top->names,
	    .hidden = top->setup.rc.hidden,
	    .stack =
	        top->stack != NULL && top->stack->nthreads > 0 ? &top->stack->threads[0] : NULL,
	    .stack_note = top->stack_note[0] ? top->stack_note : NULL,
	    .stopped_ms = top->stack != NULL ? top->stack->stopped_ms : 0,
	    .python = top->stack != NULL ? &top->stack->python : NULL,
	    .per_cpu = top->per_cpu,
	    .tree = top->tree != NULL ? top_proctree_sums(top->tree) : NULL,
	    .menu = top_menu_is_open(&top->menu) ? &top->menu : NULL,
	};

	if (top->mode != MODE_TABLE && top->prompt == PROMPT_REFS) {
		/* input holds printable ASCII only, the question numbers */
		snprintf(prompt, sizeof(prompt), "%s: %s_", top->refs_question, top->input);
		pager_draw(&top->pager, titles[top->mode], prompt);
		return;
	}
	if (top->mode != MODE_TABLE) {
		pager_draw(&top->pager, titles[top->mode], top->note[0] ? top->note : NULL);
		return;
	}
	if (top->prompt != PROMPT_NONE) {
		static const char *const asks[] = {
		    [PROMPT_FILTER] = "Filter (name, command line, PID or TID)",
		    [PROMPT_DELAY] = "Interval in seconds",
		    [PROMPT_SEARCH] = "Search (F3: next)",
		    [PROMPT_USER] = "Only the user (empty: all)",
		};

		snprintf(prompt, sizeof(prompt), "%s: %s_", asks[top->prompt], top->input);
		s.prompt = prompt; /* input holds printable ASCII only */
	}
	if (top->act == ACT_SIGNAL_CONFIRM)
		s.prompt = top->act_question; /* sanitized by top_act_target */
	top_table_scroll(&top->table, top_rows(top));
	top_screen_draw(&s);
}

/* A change of what the table lists: apply it, and follow the selection. */
static void
top_relist(struct top *top, bool new_kind)
{
	int old = top->table.selected_tid;

	if (new_kind) {
		top_clear_details(top);
		top_list(top);
	} else {
		top_table_apply(&top->table);
	}
	/* From the top of the new order down to the selection: the hottest rows
	 * in sight, and the selected one. */
	top->table.first = 0;
	top_table_scroll(&top->table, top_rows(top));
	top_selection_moved(top, old);
}

/* d's answer: a new interval, or why text is not one. */
static void
top_set_interval(struct top *top, const char *text)
{
	double seconds;
	char *end;

	errno = 0;
	seconds = strtod(text, &end);
	if (cli_parse_seconds(text, &seconds) == 0) {
		top->interval_s = seconds;
		top->sampled_s = 0; /* a new interval to keep */
		top->next_sample = clock_monotonic_s() + seconds;
	} else if (end == text || *end != '\0' || errno != 0 || isnan(seconds)) {
		snprintf(top->note, sizeof(top->note),
		         "d: '%s' is not a number of seconds: give seconds > 0, e.g. 2 or 0.5",
		         text);
	} else if (seconds <= 0) {
		snprintf(top->note, sizeof(top->note),
		         "d: %s is not an interval: give seconds > 0, e.g. 2 or 0.5", text);
	} else {
		snprintf(top->note, sizeof(top->note),
		         "d: %s is longer than a day: give at most 86400 seconds", text);
	}
}

/* u's answer: only the processes of the user named (or numbered) text;
 * "" every user. */
static void
top_set_user(struct top *top, const char *text)
{
	struct passwd pw, *res = NULL;
	char buf[1024], *end;
	long uid;

	if (text[0] == '\0') {
		top->table.only_user = false;
		top_relist(top, false);
		return;
	}
	errno = 0;
	uid = strtol(text, &end, 10);
	if (getpwnam_r(text, &pw, buf, sizeof(buf), &res) == 0 && res != NULL) {
		uid = (long)res->pw_uid;
	} else if (*end != '\0' || end == text || errno != 0 || uid < 0 || uid > UINT32_MAX) {
		snprintf(top->note, sizeof(top->note), "u: no user '%s' on this machine", text);
		return;
	}
	top->table.only_user = true;
	top->table.uid = uid;
	top_relist(top, false);
}

/* F3 and what is typed after it: the selection moves to the next row that
 * holds the text, the rows listed stay as they are. */
static void
top_search(struct top *top, bool after)
{
	int old = top->table.selected_tid;

	if (top->input[0] == '\0')
		return;
	if (!top_table_find(&top->table, top->input, after))
		snprintf(top->note, sizeof(top->note), "no row holds \"%s\"", top->input);
	top_table_scroll(&top->table, top_rows(top));
	top_selection_moved(top, old);
}

/* r's answer on the memory page: the chains of the type typed, shown from
 * their first line. */
static void
top_mem_refs(struct top *top)
{
	top_mem_page_refs_take(&top->mem, top->fs, top->input);
	top->pager.first = 0;
	top_refresh_page(top);
}

static void
top_prompt_key(struct top *top, int key)
{
	size_t len = strlen(top->input);

	if (key == KEY_ESCAPE) {
		if (top->prompt == PROMPT_FILTER) {
			snprintf(top->table.filter, sizeof(top->table.filter), "%s",
			         top->filter_before);
			top_relist(top, false);
		}
		top->prompt = PROMPT_NONE;
		return;
	} else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
		enum top_prompt was = top->prompt;

		top->prompt = PROMPT_NONE;
		if (was == PROMPT_DELAY)
			top_set_interval(top, top->input);
		else if (was == PROMPT_USER)
			top_set_user(top, top->input);
		else if (was == PROMPT_SEARCH)
			snprintf(top->search, sizeof(top->search), "%s", top->input);
		else if (was == PROMPT_REFS && top->input[0] != '\0')
			top_mem_refs(top);
		return;
	} else if (key == KEY_F(3) && top->prompt == PROMPT_SEARCH) {
		top_search(top, true);
		return;
	} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (len > 0)
			top->input[len - 1] = '\0';
	} else if (key >= 32 && key < 127 && len + 1 < sizeof(top->input)) {
		top->input[len] = (char)key;
		top->input[len + 1] = '\0';
	} else {
		return;
	}
	if (top->prompt == PROMPT_FILTER) {
		snprintf(top->table.filter, sizeof(top->table.filter), "%s", top->input);
		top_relist(top, false);
	} else if (top->prompt == PROMPT_SEARCH) {
		top_search(top, false);
	}
}

static void
top_open_page(struct top *top, enum top_mode mode)
{
	const struct task_brief *b = top_table_selected(&top->table);

	if (mode == MODE_MEM || mode == MODE_LOCKS || mode == MODE_TASKS) {
		if (b == NULL)
			return;
		top->page_pid = b->pid;
	}
	if (mode == MODE_MEM)
		top_mem_page_open(&top->mem, top->fs, top->page_pid);
	if (mode == MODE_TASKS)
		top_tasks_page_open(&top->tasks, top->fs, top->page_pid, top_stack_tid(top, b));
	if (mode == MODE_FUNCS)
		top_functions_new(top->fs, b, &top->funcs); /* a refusal is its page */
	pager_clear(&top->pager);
	top->pager.first = 0;
	top->mode = mode;
	top_refresh_page(top);
}

/* k, F9: the signal menu, about the selected row (kept if the selection
 * moves before the answer). */
static void
top_open_signal_menu(struct top *top)
{
	const struct task_brief *b = top_table_selected(&top->table);

	if (b == NULL)
		return;
	top_act_target(b, top->table.threads, &top->act_target);
	if (top->act_target.pid == getpid()) {
		snprintf(top->act_message, sizeof(top->act_message),
		         "stacktop does not signal itself (q quits)");
		return;
	}
	top_menu_open(&top->menu, "Send signal:", top_act_signal_labels(), top_act_signal_count(),
	              0);
	top->act = ACT_SIGNAL_MENU;
}

/* F6: the columns shown that sort, the current one selected. */
static void
top_open_sort_menu(struct top *top)
{
	size_t n = top_screen_sort_columns(&top->table, top->setup.rc.hidden, top->sort_choices,
	                                   TOP_SORT_COUNT),
	       at = 0;

	for (size_t i = 0; i < n; i++) {
		top->sort_labels[i] = top_screen_sort_title(top->sort_choices[i]);
		if (top->sort_choices[i] == top->table.sort)
			at = i;
	}
	top_menu_open(&top->menu, "Sort by:", top->sort_labels, n, at);
	top->act = ACT_SORT_MENU;
}

/* <, >: the sort moves to the previous or next column shown. */
static void
top_sort_step(struct top *top, int step)
{
	enum top_sort shown[TOP_SORT_COUNT];
	size_t n =
	    top_screen_sort_columns(&top->table, top->setup.rc.hidden, shown, TOP_SORT_COUNT);

	top->table.sort = top_table_sort_step(top->table.sort, shown, n, step);
}

/* F7, F8: the selected task's nice by delta. */
static void
top_renice(struct top *top, int delta)
{
	const struct task_brief *b = top_table_selected(&top->table);
	struct top_act_target t;

	if (b == NULL)
		return;
	top_act_target(b, top->table.threads, &t);
	(void)top_act_renice(&t, delta, top->briefs[1], top->nbriefs[1], top->act_message,
	                     sizeof(top->act_message));
}

/* A key while a menu or the signal's question is up: every key is theirs. */
static void
top_act_key(struct top *top, int key)
{
	enum top_menu_result r;

	if (top->act == ACT_SIGNAL_CONFIRM) {
		if (key == 'y' || key == 'Y')
			(void)top_act_signal(&top->act_target, top->act_signal, top->act_message,
			                     sizeof(top->act_message));
		else if (key == 'n' || key == 'N' || key == KEY_ESCAPE || key == 'q')
			snprintf(top->act_message, sizeof(top->act_message), "no signal sent");
		else
			return; /* the question waits for y or n */
		top->act = ACT_NONE;
		return;
	}
	r = top_menu_key(&top->menu, key);
	if (r == TOP_MENU_OPEN)
		return;
	if (r == TOP_MENU_CHOSEN && top->act == ACT_SIGNAL_MENU) {
		top->act_signal = top_act_signal_number(top->menu.selected);
		snprintf(top->act_question, sizeof(top->act_question), "Send %s to %s? y/n",
		         top_act_signal_name(top->menu.selected), top->act_target.name);
		top->act = ACT_SIGNAL_CONFIRM;
	} else {
		if (r == TOP_MENU_CHOSEN) {
			top->table.sort = top->sort_choices[top->menu.selected];
			top_relist(top, false);
		}
		top->act = ACT_NONE;
	}
	top_menu_close(&top->menu);
}

/* Starts a prompt's input with text, its printable ASCII only (what the
 * prompt line may draw unsanitized). */
static void
top_prompt_fill(struct top *top, const char *text)
{
	size_t n = 0;

	for (; *text != '\0' && n + 1 < sizeof(top->input); text++)
		if (*text >= 32 && *text < 127)
			top->input[n++] = *text;
	top->input[n] = '\0';
}

/* A key that does nothing here says so, never silently. */
static void
top_no_such_key(struct top *top, int key, const char *where)
{
	char name[32];
	const char *curses_name;

	if (key >= KEY_F(1) && key <= KEY_F(63))
		snprintf(name, sizeof(name), "F%d", key - KEY_F(0));
	else if (key > 32 && key < 127)
		snprintf(name, sizeof(name), "%c", key);
	else if (key >= 0 && key < 32)
		snprintf(name, sizeof(name), "Ctrl-%c", key + '@');
	else if ((curses_name = keyname(key)) != NULL)
		snprintf(name, sizeof(name), "%s", curses_name); /* curses' own names: ASCII */
	else
		snprintf(name, sizeof(name), "key %d", key);
	snprintf(top->note, sizeof(top->note), "%s: no such key %s", name, where);
}

static void
top_table_key(struct top *top, int key)
{
	size_t page = top_rows(top);
	int old = top->table.selected_tid;
	const struct task_brief *b;

	switch (key) {
	case 'q':
	case KEY_F(10): /* htop's */
		top->quit = true;
		return;
	case KEY_UP:
		top_table_move(&top->table, -1);
		break;
	case KEY_DOWN:
	case 'j':
		top_table_move(&top->table, 1);
		break;
	case KEY_PPAGE:
		top_table_move(&top->table, -(long)page);
		break;
	case KEY_NPAGE:
		top_table_move(&top->table, (long)page);
		break;
	case KEY_HOME:
	case 'g':
		top_table_move(&top->table, -(long)top->table.nrows);
		break;
	case KEY_END:
	case 'G':
		top_table_move(&top->table, (long)top->table.nrows);
		break;
	case 'P':
	case 'M':
	case 'T':
		top->table.sort = key == 'P'   ? TOP_SORT_CPU
		                  : key == 'M' ? TOP_SORT_MEM
		                               : TOP_SORT_TIME;
		top_relist(top, false);
		return;
	case '<':
	case '>':
		top_sort_step(top, key == '<' ? -1 : 1);
		top_relist(top, false);
		return;
	case 'I':
		top->table.invert = !top->table.invert;
		top_relist(top, false);
		return;
	case KEY_F(6):
		top_open_sort_menu(top);
		return;
	case 't':
	case KEY_F(5):
		top->table.tree = !top->table.tree;
		top_relist(top, false);
		return;
	case 'k':
	case KEY_F(9):
		top_open_signal_menu(top);
		return;
	case KEY_F(7):
	case KEY_F(8):
		top_renice(top, key == KEY_F(7) ? -1 : 1);
		return;
	case '1':
		top->per_cpu = !top->per_cpu;
		return;
	case 'H':
		top_table_set_threads(&top->table, !top->table.threads);
		top_relist(top, true);
		return;
	case 'p':
		b = top_table_selected(&top->table);
		top->table.only_pid = top->table.only_pid == 0 && b != NULL ? b->pid : 0;
		top_relist(top, false);
		return;
	case '/':
	case KEY_F(4): /* htop's filter */
		top->prompt = PROMPT_FILTER;
		snprintf(top->filter_before, sizeof(top->filter_before), "%s", top->table.filter);
		snprintf(top->input, sizeof(top->input), "%s", top->table.filter);
		return;
	case 'd':
		top->prompt = PROMPT_DELAY;
		snprintf(top->input, sizeof(top->input), "%g", top->interval_s);
		return;
	case KEY_F(3): /* htop's search */
		top->prompt = PROMPT_SEARCH;
		snprintf(top->input, sizeof(top->input), "%s", top->search);
		top_search(top, true);
		return;
	case 'u':
		top->prompt = PROMPT_USER;
		top->input[0] = '\0';
		if (top->table.only_user)
			top_prompt_fill(top, collector_user_name(top->collector, top->table.uid));
		return;
	case 'c':
		top->names = !top->names;
		snprintf(top->note, sizeof(top->note), "COMMAND: %s (c: %s)",
		         top->names ? "process names" : "command lines",
		         top->names ? "command lines" : "process names");
		return;
	case KEY_F(2):
		top_setup_open(&top->setup);
		top_open_page(top, MODE_SETUP);
		return;
	case KEY_ESCAPE:
		top->table.filter[0] = '\0';
		top->table.only_pid = 0;
		top->table.only_user = false;
		top_relist(top, false);
		return;
	case ' ':
		top->paused = !top->paused;
		top->sampled_s = 0; /* a pause is no refresh kept late */
		if (!top->paused)
			top->next_sample = clock_monotonic_s();
		return;
	case '\r':
	case '\n':
	case KEY_ENTER:
		top_open_page(top, MODE_STACK);
		return;
	case 'm':
		top_open_page(top, MODE_MEM);
		return;
	case 'l':
		top_open_page(top, MODE_LOCKS);
		return;
	case 'f':
		top_open_page(top, MODE_FUNCS);
		return;
	case 'a': /* asyncio (htop's a, CPU affinity, has no place here) */
		top_open_page(top, MODE_TASKS);
		return;
	case 'h':
	case '?':
	case KEY_F(1):
		top_open_page(top, MODE_HELP);
		return;
	case 12: /* Ctrl-L: paint everything again */
		clearok(curscr, TRUE);
		return;
	default:
		top_no_such_key(top, key, "here (h for help)");
		return;
	}
	top_selection_moved(top, old);
}

/* The setup page's keys (top_setup); leaving it goes back to the table.
 * Returns whether key was one. */
static bool
top_setup_page_key(struct top *top, int key)
{
	switch (top_setup_key(&top->setup, key, top->note, sizeof(top->note))) {
	case TOP_SETUP_NOT_A_KEY:
		return false;
	case TOP_SETUP_CHANGED:
		top_refresh_page(top);
		return true;
	case TOP_SETUP_LEAVE:
		top->mode = MODE_TABLE;
		pager_clear(&top->pager);
		return true;
	}
	return false;
}

/* The memory page's keys: t a census, r what holds a type's objects (a
 * prompt, the type to offer filled in), and from the chains q or Esc back
 * to the page. Returns whether key was one. */
static bool
top_mem_key(struct top *top, int key)
{
	char offer[sizeof(top->input)];
	bool chains = top->mem.refs_shown;

	if (key == 't') {
		top_mem_page_refs_close(&top->mem);
		top_mem_page_census_key(&top->mem, top->fs);
	} else if (key == 'r') {
		if (!top_mem_page_refs_offer(&top->mem, offer, sizeof(offer), top->refs_question,
		                             sizeof(top->refs_question))) {
			snprintf(top->note, sizeof(top->note), "%s", top->refs_question);
			return true;
		}
		top->prompt = PROMPT_REFS;
		top_prompt_fill(top, offer); /* target text: its printable ASCII */
		return true;
	} else if ((key == 'q' || key == KEY_ESCAPE) && top->mem.refs_shown) {
		top_mem_page_refs_close(&top->mem);
	} else {
		return false;
	}
	if (chains) /* another text: from its first line */
		top->pager.first = 0;
	top_refresh_page(top);
	return true;
}

static void
top_key(struct top *top, int key)
{
	if (key == KEY_RESIZE)
		return; /* curses has the new size: the next draw uses it */
	top->note[0] = '\0';
	top->preview = false; /* what the user saw selected stays selected */
	if (top->prompt != PROMPT_NONE) {
		top_prompt_key(top, key);
		return;
	}
	top->act_message[0] = '\0';
	if (top->act != ACT_NONE) {
		top_act_key(top, key);
		return;
	}
	if (top->mode == MODE_TABLE) {
		top_table_key(top, key);
		return;
	}
	if (top->mode == MODE_SETUP && top_setup_page_key(top, key))
		return;
	if (top->mode == MODE_MEM && top_mem_key(top, key))
		return;
	if (top->mode == MODE_TASKS && key == 't') {
		top_tasks_page_take_key(&top->tasks, top->fs);
		top->pager.first = 0; /* another text: from its first line */
		top_refresh_page(top);
		return;
	}
	if (top->mode == MODE_FUNCS &&
	    top_functions_key(top->funcs, key, top_table_selected(&top->table))) {
		top_refresh_page(top);
		return;
	}
	if (pager_key(&top->pager, key))
		return;
	if (key == 'q' || key == KEY_ESCAPE || key == 'h' || key == '?' || key == '\r' ||
	    key == '\n' || key == KEY_ENTER || key == KEY_LEFT || key == KEY_F(1) ||
	    key == KEY_F(10) || (key == 'f' && top->mode == MODE_FUNCS)) {
		top->mode = MODE_TABLE;
		pager_clear(&top->pager);
		top_mem_page_close(&top->mem);
		top_tasks_page_close(&top->tasks);
		top_functions_free(top->funcs); /* stops its sampling */
		top->funcs = NULL;
		return;
	}
	top_no_such_key(top, key, "on this page (q: back)");
}

/* Waits for a key until the next thing is due: a sample, or a stack. */
static int
top_wait_key(const struct top *top)
{
	double now = clock_monotonic_s();
	double due = top->paused ? now + 3600 : top->next_sample;
	double ms;

	if (top->stack_due > 0 && top->stack_due < due)
		due = top->stack_due;
	if (top->funcs != NULL && top_functions_due(top->funcs) < due)
		due = top_functions_due(top->funcs);
	ms = (due - now) * 1000;
	timeout(ms < 0 ? 0 : ms > 1e6 ? 1000000 : (int)ms + 1);
	return getch();
}

static void
top_free(struct top *top)
{
	top_clear_details(top);
	free(top->details);
	top_table_clear(&top->table);
	top_free_briefs(top);
	dump_report_free(top->stack);
	target_close(top->watch);
	pager_clear(&top->pager);
	top_mem_page_clear(&top->mem);
	top_tasks_page_close(&top->tasks);
	top_functions_free(top->funcs);
	top_pynames_free(top->pynames);
	top_proctree_free(top->tree);
	collector_free(top->collector);
	procfs_free(top->fs);
}

int
top_run(const struct top_opts *o)
{
	struct top top = {.interval_s = o->interval_s};
	int err, rc = 0;

	top.table.threads = true;
	top.preview = true;
	top.table.command = top_command;
	top.table.python_name = top_python_name;
	top.table.command_arg = &top;
	top_setup_load(&top.setup, top.note, sizeof(top.note));
	if (cli_open_procfs(&top.fs) != 0)
		return EXIT_TARGET;
	collector_new(top.fs, o->pids, o->npids, &top.collector);
	top.pynames = top_pynames_new(top.fs);
	if (o->tree)
		top.tree = top_proctree_new(o->pids, o->npids, o->cap);
	/* A -p PID that does not exist is an error before the screen opens. */
	err = top.tree != NULL ? top_proctree_sample(top.tree, top.fs, top.collector)
	                       : collector_sample(top.collector);
	if (err != 0) {
		rc = cli_sample_error(top.fs, collector_gone_pid(top.collector), err);
		top_free(&top);
		return rc;
	}
	/* The terminal is set up during the first interval, not before it. */
	collector_set_baseline(top.collector);
	top.next_sample = clock_monotonic_s() + TOP_FIRST_INTERVAL_S;
	if (terminal_open() != 0) {
		fprintf(stderr, "stacktop: cannot drive this terminal (TERM=%s)\n",
		        getenv("TERM") ? getenv("TERM") : "");
		top_free(&top);
		return EXIT_TARGET;
	}
	while (!top.quit && !terminal_quit_requested()) {
		int key = top_wait_key(&top);
		double now = clock_monotonic_s();

		if (key != ERR) {
			top_key(&top, key);
		} else if (!top.paused && now >= top.next_sample) {
			if ((err = top_sample(&top)) != 0)
				break;
		} else if (top.funcs != NULL && now >= top_functions_due(top.funcs)) {
			top_functions_poll(top.funcs);
			continue; /* drawn with the next sample */
		} else if (top.stack_due > 0 && now >= top.stack_due) {
			top_take_stack(&top);
			if (top.mode == MODE_STACK)
				top_refresh_page(&top);
		} else {
			continue; /* woken early, by a signal */
		}
		if (top.sys.ncpus > 0 || top.mode != MODE_TABLE)
			top_draw(&top);
	}
	terminal_close();
	if (err != 0)
		rc = cli_sample_error(top.fs, 0, err); /* a gone -p PID is a message */
	top_free(&top);
	return rc;
}
