/* A file written whole or not at all: the output goes to a temporary file
 * beside it, renamed over it at the end. A run killed midway leaves the
 * file as it was (or no file), never a truncated one. */
#ifndef STACKTOP_OUTFILE_H
#define STACKTOP_OUTFILE_H

#include <stdio.h>

struct outfile;

/* Opens a temporary file in path's directory for writing, with the mode a
 * new file gets (0666 less the umask) or the existing file's. A path that
 * names something other than a regular file (/dev/null, a FIFO, a
 * terminal) is written in place: it cannot be replaced, nor is it ever
 * truncated. Returns 0 and *out (owned: end it with outfile_commit or
 * outfile_abort), or -errno. */
int outfile_open(const char *path, struct outfile **out);

/* The stream to write to (owned by f). */
FILE *outfile_stream(struct outfile *f);

/* Flushes, syncs and renames the temporary file over path; frees f.
 * Returns 0, or -errno (the temporary file is then removed and path left
 * as it was). */
int outfile_commit(struct outfile *f);

/* Removes the temporary file, leaving path as it was; frees f. NULL is a
 * no-op. */
void outfile_abort(struct outfile *f);

#endif
