/* The live view's settings file: any text, however malformed, parses to
 * settings or to a one-line reason; what is written reads back the same;
 * saving replaces the file whole. */
#include "check.h"
#include "top_rc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const titles[] = {"PID", "USER", "TIME+", "COMMAND"};
static const struct top_rc_columns cols = {titles, 4};

static int
parse(const char *text, struct top_rc *rc, char *err, size_t size)
{
	err[0] = '\0';
	return top_rc_parse(text, strlen(text), &cols, rc, err, size);
}

static void
test_parse(void)
{
	struct top_rc rc = {0};
	char err[128];

	CHECK(parse("# a comment\n\n  hidden_columns = user, time+ \r\n", &rc, err, sizeof(err)) ==
	      0);
	CHECK(rc.hidden == ((1u << 1) | (1u << 2)));
	CHECK(parse("hidden_columns=", &rc, err, sizeof(err)) == 0 && rc.hidden == 0);
	CHECK(parse("", &rc, err, sizeof(err)) == 0 && rc.hidden == 0);

	rc.hidden = 1;
	CHECK(parse("hidden_columns=PID\nhidden_columns=FOO\n", &rc, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "line 2: unknown column 'FOO'");
	CHECK(rc.hidden == 1); /* the lines before the bad one count */
	CHECK(parse("colour=red", &rc, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "line 1: unknown setting 'colour'");
	CHECK(parse("just words", &rc, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "line 1: not key=value");
	CHECK(top_rc_parse("hidden_columns=P\0D", 18, &cols, &rc, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, "line 1: not a line of text");
	/* A tiny buffer for the reason: cut, never overrun. */
	CHECK(parse("hidden_columns=,,,NOPE", &rc, err, 8) == -EINVAL && strlen(err) == 7);
}

static void
test_write_and_save(void)
{
	struct top_rc rc = {.hidden = (1u << 0) | (1u << 3)}, back = {0};
	char dir[] = "/tmp/stacktop-rc-XXXXXX", path[128], err[256], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	top_rc_write(out, &rc, &cols);
	fclose(out);
	CHECK(strstr(text, "hidden_columns=PID,COMMAND\n") != NULL);
	CHECK(top_rc_parse(text, len, &cols, &back, err, sizeof(err)) == 0 &&
	      back.hidden == rc.hidden);
	free(text);

	/* Saved into a directory that does not exist yet, then read back. */
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	snprintf(path, sizeof(path), "%s/stacktop/stacktoprc", dir);
	back.hidden = 0;
	CHECK(top_rc_load(path, &cols, &back, err, sizeof(err)) == 0 && back.hidden == 0);
	CHECK(top_rc_save(path, &cols, &rc) == 0);
	CHECK(top_rc_load(path, &cols, &back, err, sizeof(err)) == 0 && back.hidden == rc.hidden);
	out = fopen(path, "w");
	fputs("hidden_columns=PID\ngarbage\n", out);
	fclose(out);
	CHECK(top_rc_load(path, &cols, &back, err, sizeof(err)) == -EINVAL);
	CHECK(strstr(err, "stacktoprc: line 2: not key=value") != NULL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/stacktop", dir);
	rmdir(path);
	rmdir(dir);
}

static void
test_path(void)
{
	char path[256];

	setenv("XDG_CONFIG_HOME", "/x/config", 1);
	CHECK(top_rc_path(path, sizeof(path)) == 0);
	CHECK_STR(path, "/x/config/stacktop/stacktoprc");
	setenv("XDG_CONFIG_HOME", "relative", 1); /* invalid by the spec: ignored */
	setenv("HOME", "/home/u", 1);
	CHECK(top_rc_path(path, sizeof(path)) == 0);
	CHECK_STR(path, "/home/u/.config/stacktop/stacktoprc");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	CHECK(top_rc_path(path, sizeof(path)) == -ENOENT);
}

int
main(void)
{
	test_parse();
	test_write_and_save();
	test_path();
	return check_done("top_rc");
}
