/* Golden files: what a renderer writes, compared byte for byte with a file
 * under tests/golden/.
 *
 * With STACKTOP_GOLDEN_UPDATE=1 in the environment the files are written
 * instead of compared: after a deliberate change of output, run
 *   STACKTOP_GOLDEN_UPDATE=1 meson test -C build --suite unit
 * and review `git diff tests/golden` before committing it. */
#ifndef STACKTOP_GOLDEN_H
#define STACKTOP_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct golden {
	char path[4096]; /* the golden file */
	char *buf;       /* owned: what was written */
	size_t len;
	FILE *out; /* open until golden_check (or golden_replace) */
};

/* Starts capturing into memory the output compared with dir/name. Returns
 * the stream to render to (owned by g). */
FILE *golden_open(struct golden *g, const char *dir, const char *name);

/* Replaces every from in the output with to: for the little a renderer
 * takes from the build or the machine rather than its input (callers say
 * which). Ends the output. */
void golden_replace(struct golden *g, const char *from, const char *to);

/* Replaces the version in "stacktop_version" (a document of stacktop's
 * own) with VERSION, so that a release does not change the golden file.
 * Ends the output. */
void golden_replace_version(struct golden *g);

/* Ends the output and compares it with the golden file (or writes that
 * file in update mode). Returns whether they match (always true when
 * updating); on a mismatch prints the first differing line, with its
 * number, to stderr. Frees what g holds. */
bool golden_check(struct golden *g);

#endif
