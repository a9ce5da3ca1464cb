#include "outfile.h"

#include "xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct outfile {
	FILE *stream;
	char *path; /* the file to replace (links resolved) */
	char *temp; /* the temporary file; NULL when written in place */
};

/* Frees f, closing its stream and removing its temporary file. */
static void
outfile_free(struct outfile *f)
{
	if (f->stream != NULL)
		fclose(f->stream);
	if (f->temp != NULL)
		unlink(f->temp);
	free(f->temp);
	free(f->path);
	free(f);
}

/* The temporary file beside f->path, created with mode (its permission
 * bits). Returns 0 or -errno. */
static int
outfile_temp(struct outfile *f, mode_t mode)
{
	const char *slash = strrchr(f->path, '/');
	int fd;

	/* Hidden, so that a listing or a glob does not pick up a half file. */
	if (slash != NULL)
		f->temp = xasprintf("%.*s/.%s.XXXXXX", (int)(slash - f->path), f->path, slash + 1);
	else
		f->temp = xasprintf(".%s.XXXXXX", f->path);
	if ((fd = mkstemp(f->temp)) < 0) {
		free(f->temp);
		f->temp = NULL;
		return -errno;
	}
	if (fchmod(fd, mode & 07777) != 0 || (f->stream = fdopen(fd, "w")) == NULL) {
		int err = -errno;

		close(fd);
		return err;
	}
	return 0;
}

int
outfile_open(const char *path, struct outfile **out)
{
	struct outfile *f = xcalloc(1, sizeof(*f));
	char *resolved = realpath(path, NULL);
	struct stat st;
	int err;

	*out = NULL;
	/* An existing file is found through its links, which stay links. */
	f->path = resolved != NULL ? resolved : xstrdup(path);
	if (resolved != NULL && stat(f->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/null, a FIFO: nothing to replace, nothing truncated. */
		err = (f->stream = fopen(f->path, "w")) == NULL ? -errno : 0;
	} else if (resolved != NULL && stat(f->path, &st) == 0) {
		err = outfile_temp(f, st.st_mode);
	} else {
		mode_t mask = umask(0);

		umask(mask);
		err = outfile_temp(f, 0666 & ~mask);
	}
	if (err != 0) {
		outfile_free(f);
		return err;
	}
	*out = f;
	return 0;
}

FILE *
outfile_stream(struct outfile *f)
{
	return f->stream;
}

int
outfile_commit(struct outfile *f)
{
	int err = 0;

	errno = 0;
	if (fflush(f->stream) != 0 || ferror(f->stream) ||
	    (f->temp != NULL && fsync(fileno(f->stream)) != 0))
		err = errno != 0 ? -errno : -EIO;
	if (fclose(f->stream) != 0 && err == 0)
		err = -errno;
	f->stream = NULL;
	if (err == 0 && f->temp != NULL && rename(f->temp, f->path) != 0)
		err = -errno;
	if (err == 0) {
		free(f->temp);
		f->temp = NULL;
	}
	outfile_free(f);
	return err;
}

void
outfile_abort(struct outfile *f)
{
	if (f != NULL)
		outfile_free(f);
}
