/* The terminal the live view draws on: curses set up, and the terminal put
 * back as it was on every way out — a key, SIGINT, SIGTERM, SIGHUP, and the
 * crash signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT), after which the
 * signal is raised again so that the crash still reports as one. */
#ifndef STACKTOP_TERMINAL_H
#define STACKTOP_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>

/* Esc, as getch returns it: curses has no KEY_ name for it. */
#define KEY_ESCAPE 27

/* Attributes of the kinds of text the view draws: colour when the terminal
 * has it and NO_COLOR is not set, else plain video attributes. */
enum terminal_style {
	STYLE_NORMAL,
	STYLE_TITLE,    /* column titles and pane titles */
	STYLE_SELECTED, /* the selected row */
	STYLE_HOT,      /* a thread burning most of a CPU */
	STYLE_PYTHON,   /* a Python frame */
	STYLE_DIM,      /* secondary text: modules, unknown values */
	STYLE_ALERT,    /* errors and prompts */
};

/* Whether curses can draw a screen on stdout's terminal (TERM known, with
 * cursor addressing). Returns 0, or -ENOTTY with why in why ("TERM=dumb
 * cannot move the cursor"). Touches neither the terminal nor curses'
 * state. */
int terminal_check(char *why, size_t size);

/* Starts curses on the terminal (stdin and stdout). Returns 0, or -ENOTTY
 * when the terminal cannot be driven (unknown TERM). */
int terminal_open(void);

/* Ends curses and restores the terminal; safe to call twice. */
void terminal_close(void);

/* Whether SIGINT, SIGTERM or SIGHUP asked us to stop. */
bool terminal_quit_requested(void);

/* The curses attribute of a style. */
int terminal_attr(enum terminal_style style);

#endif
