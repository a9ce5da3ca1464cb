/* A full-screen page of text in the live view (help, a thread's whole stack,
 * a process's memory, its locks): the text a plain-text renderer wrote,
 * scrolled with the usual keys. */
#ifndef STACKTOP_PAGER_H
#define STACKTOP_PAGER_H

#include <stdbool.h>
#include <stddef.h>

struct pager {
	char *text;   /* owned, its lines split in place */
	char **lines; /* owned array of pointers into text */
	size_t nlines;
	size_t first; /* the first line on screen */
};

/* Takes over text (owned; sanitized by its renderer) as the page's content.
 * The scroll position is kept, so a page refreshed in place does not jump. */
void pager_set_text(struct pager *p, char *text);

/* Frees the content (not p). */
void pager_clear(struct pager *p);

/* Draws the page under a title line (sanitized), and a hint line, or note
 * (sanitized; NULL: the hint) in its place. */
void pager_draw(struct pager *p, const char *title, const char *note);

/* Handles a scrolling key (arrows, j/k, PgUp/PgDn, Home/End, g/G). Returns
 * whether it was one. */
bool pager_key(struct pager *p, int key);

#endif
