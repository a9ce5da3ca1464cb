/* The live view's setup page (F2): every column of the table, shown or
 * hidden, the selected one marked; Up/Down move, space shows or hides, and
 * leaving keeps the choice in the settings file (top_rc), which the view
 * reads when it starts. */
#ifndef STACKTOP_TOP_SETUP_H
#define STACKTOP_TOP_SETUP_H

#include "top_rc.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

struct top_setup {
	struct top_rc rc;       /* the columns hidden (the table reads rc.hidden) */
	char rc_path[PATH_MAX]; /* "" when there is no home to keep it in */
	size_t row;             /* the page's selected column */
};

/* What a key did on the page. */
enum top_setup_key {
	TOP_SETUP_NOT_A_KEY, /* not one of the page's */
	TOP_SETUP_CHANGED,   /* the selection or a column moved: write the page again */
	TOP_SETUP_LEAVE,     /* the choice kept (or why not, in the note): back to the table */
};

/* The settings the page kept before, read at start. A file that cannot be
 * read or parsed is a one-line note (note, size bytes; untouched
 * otherwise); the view starts with what it has. */
void top_setup_load(struct top_setup *s, char *note, size_t size);

/* Opens the page on its first column. */
void top_setup_open(struct top_setup *s);

/* The page's text. */
void top_setup_write(FILE *out, const struct top_setup *s);

/* The page's keys: on leaving (q, Esc, F2, F10, Enter) the choice is saved,
 * and a save that fails says why in note (size bytes). */
enum top_setup_key top_setup_key(struct top_setup *s, int key, char *note, size_t size);

#endif
