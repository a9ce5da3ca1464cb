#include "terminal.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

/* Signal handlers can only use what they find in globals: the quit flag, and
 * what a crash needs to put the terminal back without calling curses (which
 * is not async-signal-safe): the termios saved before curses changed it, and
 * the terminal's own strings to leave the alternate screen, show the cursor
 * and reset attributes, copied from terminfo at start. */
static volatile sig_atomic_t quit_requested;
static volatile sig_atomic_t curses_active;
static struct termios saved_termios;
static bool have_termios;
static char restore_sequence[256];
static size_t restore_len;
static bool use_color;

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void
on_quit_signal(int sig)
{
	(void)sig;
	quit_requested = 1;
}

static void
on_crash_signal(int sig)
{
	if (curses_active) {
		ssize_t unused = write(STDOUT_FILENO, restore_sequence, restore_len);

		(void)unused;
		if (have_termios)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Appends a terminfo capability (when the terminal has it) to the sequence
 * a crash writes. */
static void
restore_add(const char *capname)
{
	char *s = tigetstr(capname);
	size_t n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (restore_len + n < sizeof(restore_sequence)) {
		memcpy(restore_sequence + restore_len, s, n);
		restore_len += n;
	}
}

static void
install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a quit signal must wake the wait for a key. */
	sa.sa_handler = on_quit_signal;
	for (size_t i = 0; i < sizeof(quit_signals) / sizeof(quit_signals[0]); i++)
		sigaction(quit_signals[i], &sa, NULL);
	sa.sa_handler = on_crash_signal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &sa, NULL);
}

static void
init_styles(void)
{
	const char *no_color = getenv("NO_COLOR");

	/* https://no-color.org: set and not empty means no colour. */
	use_color = has_colors() && (no_color == NULL || no_color[0] == '\0');
	if (!use_color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);  /* title */
	init_pair(2, COLOR_BLACK, COLOR_WHITE); /* selected */
	init_pair(3, COLOR_RED, -1);            /* hot */
	init_pair(4, COLOR_GREEN, -1);          /* python */
	init_pair(5, COLOR_BLUE, -1);           /* dim */
	init_pair(6, COLOR_YELLOW, -1);         /* alert */
}

int
terminal_check(char *why, size_t size)
{
	const char *term = getenv("TERM");
	char *cup;
	int err = 0;

	if (term == NULL || term[0] == '\0') {
		snprintf(why, size, "TERM is not set");
		return -ENOTTY;
	}
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		snprintf(why, size, "TERM=%.64s is not a terminal this system has a description of",
		         term);
		return -ENOTTY;
	}
	/* A screen is drawn by moving the cursor: without cup (dumb, an
	 * emacs shell buffer) every refresh would scroll by. */
	cup = tigetstr("cup");
	del_curterm(cur_term);
	cur_term = NULL;
	if (cup == NULL || cup == (char *)-1) {
		snprintf(why, size, "TERM=%.64s cannot move the cursor", term);
		return -ENOTTY;
	}
	return 0;
}

int
terminal_open(void)
{
	have_termios = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
	if (newterm(NULL, stdout, stdin) == NULL)
		return -ENOTTY;
	curses_active = 1;
	restore_add("rmcup");
	restore_add("cnorm");
	restore_add("sgr0");
	install_handlers();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Esc alone clears a filter: do not wait a second for an escape
	 * sequence to follow it. */
	set_escdelay(25);
	init_styles();
	return 0;
}

void
terminal_close(void)
{
	if (!curses_active)
		return;
	endwin();
	curses_active = 0;
}

bool
terminal_quit_requested(void)
{
	return quit_requested != 0;
}

int
terminal_attr(enum terminal_style style)
{
	static const int mono[] = {
	    [STYLE_NORMAL] = A_NORMAL, [STYLE_TITLE] = A_REVERSE, [STYLE_SELECTED] = A_REVERSE,
	    [STYLE_HOT] = A_BOLD,      [STYLE_PYTHON] = A_BOLD,   [STYLE_DIM] = A_DIM,
	    [STYLE_ALERT] = A_BOLD,
	};
	static const short pairs[] = {
	    [STYLE_NORMAL] = 0, [STYLE_TITLE] = 1, [STYLE_SELECTED] = 2, [STYLE_HOT] = 3,
	    [STYLE_PYTHON] = 4, [STYLE_DIM] = 5,   [STYLE_ALERT] = 6,
	};

	if (!use_color)
		return mono[style];
	if (style == STYLE_HOT || style == STYLE_ALERT)
		return COLOR_PAIR(pairs[style]) | A_BOLD;
	return COLOR_PAIR(pairs[style]);
}
