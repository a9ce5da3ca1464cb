/* The live view: `stacktop` on a terminal, an ncurses `top -H` whose pane
 * shows what the selected thread is executing. */
#ifndef STACKTOP_TOP_H
#define STACKTOP_TOP_H

#include <stdbool.h>
#include <stddef.h>

struct top_opts {
	const int *pids; /* borrowed; NULL: the whole machine */
	size_t npids;
	double interval_s;
	bool tree;  /* pids and all their descendants, followed as they come and go */
	size_t cap; /* with tree: at most this many processes (--max-processes) */
};

/* Runs the view until the user quits or a quit signal arrives. Returns the
 * exit code (0, or EXIT_TARGET with one line on stderr when a requested
 * process does not exist or /proc cannot be read). */
int top_run(const struct top_opts *o);

#endif
