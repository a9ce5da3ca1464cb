#include "top_setup.h"

#include "ui/terminal.h"
#include "ui/top_screen.h"

#include <curses.h>
#include <errno.h>
#include <string.h>

/* The most columns a settings file may name (top_rc's bits). */
#define TOP_SETUP_MAX_COLUMNS 32

/* The table's column titles into titles, as the settings file names them. */
static struct top_rc_columns
setup_columns(const char *titles[TOP_SETUP_MAX_COLUMNS])
{
	struct top_rc_columns cols = {titles, top_screen_ncolumns()};

	for (size_t i = 0; i < cols.n && i < TOP_SETUP_MAX_COLUMNS; i++)
		titles[i] = top_screen_column_title(i);
	return cols;
}

void
top_setup_load(struct top_setup *s, char *note, size_t size)
{
	const char *titles[TOP_SETUP_MAX_COLUMNS];
	struct top_rc_columns cols = setup_columns(titles);
	char err[168]; /* the view's note (200 bytes) less room for the prefix, as before */

	if (top_rc_path(s->rc_path, sizeof(s->rc_path)) != 0)
		s->rc_path[0] = '\0';
	else if (top_rc_load(s->rc_path, &cols, &s->rc, err, sizeof(err)) != 0)
		snprintf(note, size, "settings ignored: %s", err);
}

void
top_setup_open(struct top_setup *s)
{
	s->row = 0;
}

void
top_setup_write(FILE *out, const struct top_setup *s)
{
	fprintf(out,
	        "The table's columns (Up/Down: move, space: show or hide; q, Esc or F2:\n"
	        "keep the choice and go back). Kept in %s.\n"
	        "A column a view does not have (TID, THR, DLY%%, CSW/s) and the column\n"
	        "the table is sorted by are shown regardless.\n\n",
	        s->rc_path[0] ? s->rc_path : "(no settings file: HOME is not set)");
	for (size_t i = 0; i < top_screen_ncolumns(); i++)
		fprintf(out, "%s [%c] %s\n", i == s->row ? ">" : " ",
		        s->rc.hidden & top_screen_column_bit(i) ? ' ' : 'x',
		        top_screen_column_title(i));
}

enum top_setup_key
top_setup_key(struct top_setup *s, int key, char *note, size_t size)
{
	const char *titles[TOP_SETUP_MAX_COLUMNS];
	struct top_rc_columns cols;
	int err;

	if (key == KEY_UP || key == KEY_DOWN) {
		bool up = key == KEY_UP;

		if (up && s->row > 0)
			s->row--;
		else if (!up && s->row + 1 < top_screen_ncolumns())
			s->row++;
		return TOP_SETUP_CHANGED;
	}
	if (key == ' ') {
		s->rc.hidden ^= top_screen_column_bit(s->row);
		return TOP_SETUP_CHANGED;
	}
	if (key != 'q' && key != KEY_ESCAPE && key != KEY_F(2) && key != KEY_F(10) && key != '\r' &&
	    key != '\n' && key != KEY_ENTER)
		return TOP_SETUP_NOT_A_KEY;
	cols = setup_columns(titles);
	err = s->rc_path[0] ? top_rc_save(s->rc_path, &cols, &s->rc) : -ENOENT;
	if (err != 0)
		snprintf(note, size, "columns not kept: %.120s: %s",
		         s->rc_path[0] ? s->rc_path : "no HOME", strerror(-err));
	return TOP_SETUP_LEAVE;
}
