/* Drawing the live view's main screen with curses: the machine's header, the
 * thread (or process) table, and the pane with the selected thread's stack.
 *
 * Each draw paints the whole screen into curses' buffer and curses sends the
 * terminal only the cells that changed. Every string from a target is
 * sanitized here before it reaches the terminal. */
#ifndef STACKTOP_TOP_SCREEN_H
#define STACKTOP_TOP_SCREEN_H

#include "../model.h"
#include "top_menu.h"
#include "top_table.h"

#include <stdint.h>

/* What one draw shows (all borrowed for the draw). */
struct top_screen {
	const struct system_row *sys;
	const struct top_table *table;
	double interval_s;
	/* The interval kept (between the last two refreshes) and what the
	 * last refresh took, in seconds (0: not known yet): when the interval
	 * asked cannot be kept, the status line says so and why. */
	double kept_s, refresh_s;
	bool paused;
	const char *message; /* a note for the status line, or NULL */
	const char *note;    /* what a key did not do and why: the whole status line */
	const char *prompt;  /* while a value is typed: "Filter: abc", else NULL */
	bool per_cpu;        /* 1: a meter a CPU under the header */
	/* --tree: the tree's sums, drawn on a line under the header (above
	 * the meters), or NULL. */
	const struct report_tree *tree;
	const struct top_menu *menu; /* a menu open over the table, or NULL */
	/* The full row of a listed task (wchan, syscall, rates), or NULL when
	 * unknown. Called for the visible rows only. */
	const struct thread_row *(*detail)(void *arg, const struct task_brief *b);
	void *detail_arg;
	/* A user's name ("" unknown; borrowed for the draw), or NULL. */
	const char *(*user)(void *arg, int64_t uid);
	bool names;      /* c: the process name in the COMMAND column */
	uint32_t hidden; /* columns the user hid: top_screen_column_bit */
	/* The stack pane: the selected thread's stack, or why there is none. */
	const struct thread_stack *stack;
	const char *stack_note;
	double stopped_ms;
	const struct python_info *python; /* of the stack's process, or NULL */
};

/* How many table rows fit on the screen now, under meters lines more than
 * the header's (top_screen_meters). */
size_t top_screen_table_rows(size_t meters);

/* How many lines the header has beyond the machine's: the tree's line
 * when tree (--tree), then the per-CPU meters: none unless per_cpu, else
 * one a CPU of sys, as many as leave the table a few rows. */
size_t top_screen_meters(const struct system_row *sys, bool per_cpu, bool tree);

/* The sort keys of the columns shown now (hidden: the columns the user
 * hid, as struct top_screen's), in screen order (< and >): up to max into
 * out; returns how many. */
size_t top_screen_sort_columns(const struct top_table *t, uint32_t hidden, enum top_sort *out,
                               size_t max);

/* The title of the column a sort key sorts (F6's list). */
const char *top_screen_sort_title(enum top_sort sort);

/* The table's columns, in the order they are drawn: their number, the
 * title of column i (NULL past the last; static), and its bit in
 * struct top_screen's hidden. */
size_t top_screen_ncolumns(void);
const char *top_screen_column_title(size_t i);
static inline uint32_t
top_screen_column_bit(size_t i)
{
	return (uint32_t)1 << i;
}

/* Paints s and updates the terminal. */
void top_screen_draw(const struct top_screen *s);

/* How many bytes of s (sanitized) fit in width columns; their columns in
 * *columns when it is not NULL. */
size_t top_screen_fit(const char *s, int width, int *columns);

/* Writes s[0..) on row y from column x, cut to width columns, in attr.
 * s must be sanitized. Returns the columns used. */
int top_screen_put(int y, int x, int width, const char *s, int attr);

/* Whether the locale's characters are UTF-8: trees' lines are drawn with
 * box characters there, in ASCII elsewhere (a terminal in the C locale
 * shows UTF-8 bytes as ~T~@ sequences). */
bool top_screen_utf8(void);

#endif
