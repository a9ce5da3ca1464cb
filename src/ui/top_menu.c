#include "top_menu.h"

#include "terminal.h"
#include "top_screen.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

/* The panel's columns: the widest item or title, and a space each side. */
#define MENU_MIN_WIDTH 16

void
top_menu_open(struct top_menu *m, const char *title, const char *const *items, size_t n,
              size_t selected)
{
	*m = (struct top_menu){title, items, n, selected < n ? selected : 0};
}

bool
top_menu_is_open(const struct top_menu *m)
{
	return m->items != NULL;
}

void
top_menu_close(struct top_menu *m)
{
	*m = (struct top_menu){0};
}

enum top_menu_result
top_menu_key(struct top_menu *m, int key)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		if (m->selected > 0)
			m->selected--;
		return TOP_MENU_OPEN;
	case KEY_DOWN:
	case 'j':
		if (m->selected + 1 < m->nitems)
			m->selected++;
		return TOP_MENU_OPEN;
	case KEY_HOME:
	case 'g':
		m->selected = 0;
		return TOP_MENU_OPEN;
	case KEY_END:
	case 'G':
		m->selected = m->nitems > 0 ? m->nitems - 1 : 0;
		return TOP_MENU_OPEN;
	case '\r':
	case '\n':
	case KEY_ENTER:
		return m->nitems > 0 ? TOP_MENU_CHOSEN : TOP_MENU_CANCELLED;
	case 27: /* Esc */
	case 'q':
		return TOP_MENU_CANCELLED;
	default:
		return TOP_MENU_OPEN;
	}
}

void
top_menu_draw(const struct top_menu *m, int y, int height)
{
	int width = MENU_MIN_WIDTH, title = terminal_attr(STYLE_TITLE);
	char line[128];
	size_t shown, first;

	if (!top_menu_is_open(m) || height < 2)
		return;
	if ((int)strlen(m->title) + 2 > width)
		width = (int)strlen(m->title) + 2;
	for (size_t i = 0; i < m->nitems; i++)
		if ((int)strlen(m->items[i]) + 3 > width)
			width = (int)strlen(m->items[i]) + 3;
	if (width > COLS)
		width = COLS;
	shown = (size_t)height - 1;
	/* The selection stays in view, at the bottom when it is far down. */
	first = m->selected >= shown ? m->selected - shown + 1 : 0;
	mvhline(y, 0, ' ' | (chtype)title, width);
	snprintf(line, sizeof(line), " %s", m->title);
	top_screen_put(y, 0, width, line, title);
	for (size_t r = 0; r < shown; r++) {
		size_t i = first + r;
		int attr = i == m->selected ? terminal_attr(STYLE_SELECTED) : (int)A_NORMAL;

		mvhline(y + 1 + (int)r, 0, ' ' | (chtype)attr, width);
		if (i < m->nitems) {
			snprintf(line, sizeof(line), " %s", m->items[i]);
			top_screen_put(y + 1 + (int)r, 0, width, line, attr);
		}
		/* The panel's edge: a column of the title's colour (line
		 * characters show as letters on some terminals). */
		mvaddch(y + 1 + (int)r, width < COLS ? width : COLS - 1, ' ' | (chtype)title);
	}
}
