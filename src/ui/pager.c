#include "pager.h"

#include "../xmalloc.h"
#include "terminal.h"
#include "top_screen.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

void
pager_clear(struct pager *p)
{
	free(p->text);
	free(p->lines);
	p->text = NULL;
	p->lines = NULL;
	p->nlines = 0;
}

void
pager_set_text(struct pager *p, char *text)
{
	size_t cap = 16;

	pager_clear(p); /* keeps first: a page refreshed in place stays where it was */
	/* Tabs would move the cursor past what we cut. Before the lines are
	 * split: strchr stops at the first line's end after. */
	for (char *c = text; (c = strchr(c, '\t')) != NULL;)
		*c = ' ';
	p->text = text;
	p->lines = xmalloc(cap * sizeof(*p->lines));
	for (char *line = text; *line != '\0';) {
		char *nl = strchr(line, '\n');

		if (p->nlines == cap) {
			cap *= 2;
			p->lines = xreallocarray(p->lines, cap, sizeof(*p->lines));
		}
		p->lines[p->nlines++] = line;
		if (nl == NULL)
			break;
		*nl = '\0';
		line = nl + 1;
	}
}

/* Lines of text on screen: all but the title and the hint. */
static size_t
pager_height(void)
{
	return LINES > 2 ? (size_t)LINES - 2 : 1;
}

/* The screen rows line takes: a line wider than the screen goes on over
 * the next rows (at most h: no more are drawn). */
static size_t
pager_rows(const char *line, size_t h)
{
	size_t rows = 0;

	do {
		size_t n = top_screen_fit(line, COLS, NULL);

		rows++;
		line += n > 0 ? n : strlen(line);
	} while (*line != '\0' && rows < h);
	return rows;
}

/* The last lines fill the screen at most, wrapped lines counted as the
 * rows they take: End shows the text's end, not what lines wrapped past
 * the bottom. */
static void
pager_clamp(struct pager *p)
{
	size_t h = pager_height(), rows = 0, last = p->nlines;

	while (last > 0 && rows + pager_rows(p->lines[last - 1], h) <= h)
		rows += pager_rows(p->lines[--last], h);
	if (last == p->nlines && last > 0) /* a last line taller than the screen */
		last--;
	if (p->first > last)
		p->first = last;
}

void
pager_draw(struct pager *p, const char *title, const char *note)
{
	int title_attr = terminal_attr(STYLE_TITLE);
	size_t h = pager_height();

	pager_clamp(p);
	erase();
	mvhline(0, 0, ' ' | (chtype)title_attr, COLS);
	top_screen_put(0, 0, COLS, title, title_attr);
	/* A line wider than the screen goes on over the next rows. */
	for (size_t i = p->first, y = 0; y < h && i < p->nlines; i++) {
		const char *rest = p->lines[i];

		do {
			size_t n = top_screen_fit(rest, COLS, NULL);

			top_screen_put(1 + (int)y++, 0, COLS, rest, A_NORMAL);
			rest += n > 0 ? n : strlen(rest);
		} while (*rest != '\0' && y < h);
	}
	if (note != NULL)
		top_screen_put(LINES - 1, 0, COLS, note, terminal_attr(STYLE_ALERT));
	else
		top_screen_put(LINES - 1, 0, COLS, "arrows/PgUp/PgDn scroll   q or Esc: back",
		               terminal_attr(STYLE_DIM));
	refresh();
}

bool
pager_key(struct pager *p, int key)
{
	size_t h = pager_height();

	switch (key) {
	case KEY_UP:
	case 'k':
		p->first = p->first > 0 ? p->first - 1 : 0;
		break;
	case KEY_DOWN:
	case 'j':
		p->first++;
		break;
	case KEY_PPAGE:
		p->first = p->first > h ? p->first - h : 0;
		break;
	case KEY_NPAGE:
	case ' ':
		p->first += h;
		break;
	case KEY_HOME:
	case 'g':
		p->first = 0;
		break;
	case KEY_END:
	case 'G':
		p->first = p->nlines;
		break;
	default:
		return false;
	}
	pager_clamp(p);
	return true;
}
