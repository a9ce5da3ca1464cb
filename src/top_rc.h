/* The live view's settings file, $XDG_CONFIG_HOME/stacktop/stacktoprc
 * (~/.config/stacktop/stacktoprc without it), as htop keeps htoprc: what F2
 * chose, read at start, written when the setup page closes.
 *
 * The format is a line a setting, `key=value`, `#` comments and blank lines
 * ignored:
 *
 *     hidden_columns=USER,TIME+
 *
 * The parser is pure (a buffer in, a struct out) so that any file, however
 * malformed, gives a one-line message and never a crash. */
#ifndef STACKTOP_TOP_RC_H
#define STACKTOP_TOP_RC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct top_rc {
	uint32_t hidden; /* bit i: column titles[i] hidden */
};

/* The columns a file may name: titles[0..n) (borrowed), at most 32. */
struct top_rc_columns {
	const char *const *titles;
	size_t n;
};

/* Parses text[0..len) into *rc (which keeps its values for settings the text
 * does not give). Returns 0, or -EINVAL with why in err ("line 3: unknown
 * column 'FOO'"); the lines before the bad one are applied, the rest
 * ignored. */
int top_rc_parse(const char *text, size_t len, const struct top_rc_columns *cols, struct top_rc *rc,
                 char *err, size_t errsize);

/* Writes rc in the format top_rc_parse reads. */
void top_rc_write(FILE *out, const struct top_rc *rc, const struct top_rc_columns *cols);

/* The file's path into buf. Returns 0, or -ENOENT when neither
 * XDG_CONFIG_HOME nor HOME is set (absolute). */
int top_rc_path(char *buf, size_t size);

/* Reads the file at path into *rc. A missing file is no error (0, rc
 * untouched). Returns 0, or -errno / -EINVAL with a one-line message in err
 * that names the file. */
int top_rc_load(const char *path, const struct top_rc_columns *cols, struct top_rc *rc, char *err,
                size_t errsize);

/* Writes rc to path: its directory created when missing, the text written
 * to a temporary file beside it and renamed over it, so that a crash or a
 * full disk never leaves half a file. Returns 0 or -errno. */
int top_rc_save(const char *path, const struct top_rc_columns *cols, const struct top_rc *rc);

#endif
