#include "top_rc.h"

#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longer lines are not ours: every setting fits well within this. */
#define RC_LINE_MAX 1024

/* s[0..n) without blanks at both ends. */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\r')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

/* The column titled name[0..n), or cols->n. */
static size_t
column_index(const struct top_rc_columns *cols, const char *name, size_t n)
{
	for (size_t i = 0; i < cols->n && i < 32; i++)
		if (strlen(cols->titles[i]) == n && strncasecmp(cols->titles[i], name, n) == 0)
			return i;
	return cols->n;
}

/* hidden_columns=A,B: the columns listed; "" none. */
static int
parse_hidden(const char *v, size_t n, const struct top_rc_columns *cols, uint32_t *hidden,
             char *err, size_t errsize)
{
	uint32_t bits = 0;

	while (n > 0) {
		const char *comma = memchr(v, ',', n);
		size_t len = comma != NULL ? (size_t)(comma - v) : n;
		const char *name = v;
		size_t name_len = len, i;

		trim(&name, &name_len);
		if (name_len > 0) {
			i = column_index(cols, name, name_len);
			if (i >= cols->n) {
				snprintf(err, errsize, "unknown column '%.*s'",
				         (int)(name_len > 32 ? 32 : name_len), name);
				return -EINVAL;
			}
			bits |= (uint32_t)1 << i;
		}
		v += len;
		n -= len;
		if (comma != NULL) {
			v++;
			n--;
		}
	}
	*hidden = bits;
	return 0;
}

int
top_rc_parse(const char *text, size_t len, const struct top_rc_columns *cols, struct top_rc *rc,
             char *err, size_t errsize)
{
	const char *end = text + len;
	char why[128];
	int line = 0;

	for (const char *at = text; at < end; line++) {
		const char *nl = memchr(at, '\n', (size_t)(end - at));
		size_t n = nl != NULL ? (size_t)(nl - at) : (size_t)(end - at);
		const char *key = at, *eq;
		size_t key_len;

		at += n + (nl != NULL);
		trim(&key, &n);
		if (n == 0 || key[0] == '#')
			continue;
		if (n > RC_LINE_MAX || memchr(key, '\0', n) != NULL) {
			snprintf(why, sizeof(why), "not a line of text");
		} else if ((eq = memchr(key, '=', n)) == NULL) {
			snprintf(why, sizeof(why), "not key=value");
		} else {
			const char *value = eq + 1;
			size_t value_len = n - (size_t)(value - key);

			key_len = (size_t)(eq - key);
			trim(&key, &key_len);
			trim(&value, &value_len);
			if (key_len == strlen("hidden_columns") &&
			    strncmp(key, "hidden_columns", key_len) == 0) {
				if (parse_hidden(value, value_len, cols, &rc->hidden, why,
				                 sizeof(why)) == 0)
					continue;
			} else {
				snprintf(why, sizeof(why), "unknown setting '%.*s'",
				         (int)(key_len > 32 ? 32 : key_len), key);
			}
		}
		snprintf(err, errsize, "line %d: %s", line + 1, why);
		return -EINVAL;
	}
	return 0;
}

void
top_rc_write(FILE *out, const struct top_rc *rc, const struct top_rc_columns *cols)
{
	bool first = true;

	fprintf(out, "# stacktop live view settings (F2 in the view writes this file)\n");
	fprintf(out, "hidden_columns=");
	for (size_t i = 0; i < cols->n && i < 32; i++)
		if (rc->hidden & ((uint32_t)1 << i)) {
			fprintf(out, "%s%s", first ? "" : ",", cols->titles[i]);
			first = false;
		}
	fputc('\n', out);
}

int
top_rc_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	/* The XDG base directory spec: a relative value is invalid, ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, size, "%s/stacktop/stacktoprc", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, size, "%s/.config/stacktop/stacktoprc", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int
top_rc_load(const char *path, const struct top_rc_columns *cols, struct top_rc *rc, char *err,
            size_t errsize)
{
	char why[160], text[8192];
	FILE *f = fopen(path, "r");
	size_t n;
	int e;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		snprintf(err, errsize, "%s: %s", path, strerror(e));
		return -e;
	}
	n = fread(text, 1, sizeof(text), f);
	e = ferror(f) ? errno : 0;
	fclose(f);
	if (e != 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(e));
		return -e;
	}
	if (n == sizeof(text)) {
		snprintf(err, errsize, "%s: longer than %zu bytes: not a stacktoprc", path,
		         sizeof(text) - 1);
		return -EINVAL;
	}
	if (top_rc_parse(text, n, cols, rc, why, sizeof(why)) != 0) {
		snprintf(err, errsize, "%s: %s", path, why);
		return -EINVAL;
	}
	return 0;
}

/* Creates the directory of path (and its parents) when missing. */
static int
make_parents(const char *path)
{
	char *dir = xstrdup(path);
	int err = 0;

	for (char *slash = strchr(dir + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			err = -errno;
			break;
		}
		*slash = '/';
	}
	free(dir);
	return err;
}

int
top_rc_save(const char *path, const struct top_rc_columns *cols, const struct top_rc *rc)
{
	size_t size = strlen(path) + 16;
	char *tmp = xmalloc(size);
	FILE *f;
	int fd, err = make_parents(path);

	snprintf(tmp, size, "%s.XXXXXX", path);
	if (err == 0 && (fd = mkstemp(tmp)) < 0)
		err = -errno;
	if (err == 0 && (f = fdopen(fd, "w")) == NULL) {
		err = -errno;
		close(fd);
		unlink(tmp);
	} else if (err == 0) {
		top_rc_write(f, rc, cols);
		if (fflush(f) != 0 || fsync(fileno(f)) != 0)
			err = -errno;
		if (fclose(f) != 0 && err == 0)
			err = -errno;
		if (err == 0 && rename(tmp, path) != 0)
			err = -errno;
		if (err != 0)
			unlink(tmp);
	}
	free(tmp);
	return err;
}
