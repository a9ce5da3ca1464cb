/* A list to choose from, drawn over the live view's table as htop's side
 * panels are: the signal to send (k, F9) and the column to sort by (F6).
 *
 * The keys are curses' (arrows, j/k, Home/End, Enter, Esc); the state is
 * plain, so that a controller can keep one in its session. */
#ifndef STACKTOP_TOP_MENU_H
#define STACKTOP_TOP_MENU_H

#include <stdbool.h>
#include <stddef.h>

struct top_menu {
	const char *title;        /* borrowed, sanitized */
	const char *const *items; /* borrowed, sanitized; NULL: closed */
	size_t nitems;
	size_t selected;
};

enum top_menu_result {
	TOP_MENU_OPEN,      /* the key moved the selection, or did nothing */
	TOP_MENU_CHOSEN,    /* Enter: items[selected] */
	TOP_MENU_CANCELLED, /* Esc or q: the menu closed */
};

/* Opens m on items[0..n) (borrowed while it is open), selected first. */
void top_menu_open(struct top_menu *m, const char *title, const char *const *items, size_t n,
                   size_t selected);

/* Whether m is open. */
bool top_menu_is_open(const struct top_menu *m);

/* Closes m. */
void top_menu_close(struct top_menu *m);

/* Applies a key; on TOP_MENU_CHOSEN and TOP_MENU_CANCELLED m stays as it
 * was (selected tells which) until the caller closes it. */
enum top_menu_result top_menu_key(struct top_menu *m, int key);

/* Draws m at the left of rows [y, y + height) of the screen. */
void top_menu_draw(const struct top_menu *m, int y, int height);

#endif
