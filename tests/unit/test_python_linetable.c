/* The line-table decoders against what each installed interpreter's own
 * PyCode_Addr2Line said for every offset of every code object in
 * tests/fixtures/python/sample.py (fixtures written by
 * scripts/gen-python-fixtures), then hand-made hostile tables.
 * Usage: test_python_linetable FIXTURE-DIR */
#include "check.h"
#include "probes/python_linetable.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

static const struct {
	const char *name;
	enum python_linetable_format format;
} formats[] = {
    {"lnotab-unsigned", PYTHON_LINETABLE_LNOTAB_UNSIGNED},
    {"lnotab", PYTHON_LINETABLE_LNOTAB},
    {"linetable-310", PYTHON_LINETABLE_310},
    {"locations", PYTHON_LINETABLE_LOCATIONS},
};

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes hex into table (room for cap bytes); returns the length or -1. */
static long
parse_hex(const char *hex, uint8_t *table, size_t cap)
{
	size_t n = 0;

	if (strcmp(hex, "-") == 0)
		return 0;
	for (; hex[0] != '\0' && hex[1] != '\0'; hex += 2) {
		int hi = hex_value(hex[0]), lo = hex_value(hex[1]);

		if (hi < 0 || lo < 0 || n >= cap)
			return -1;
		table[n++] = (uint8_t)(hi << 4 | lo);
	}
	return hex[0] == '\0' ? (long)n : -1;
}

struct fixture_stats {
	int codes;
	int answers;
	int none;
};

/* Checks every "lines" answer of one code object. */
static void
check_lines(const char *file, const char *code, enum python_linetable_format format,
            const uint8_t *table, size_t len, int first, char *lines, struct fixture_stats *st)
{
	char *save = NULL;

	for (char *tok = strtok_r(lines, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		long offset, want;
		int got = 0, err;
		char *end;

		offset = strtol(tok, &end, 10);
		if (*end != ':') {
			CHECK(!"malformed lines token");
			return;
		}
		want = strtol(end + 1, NULL, 10);
		err = python_linetable_line(format, table, len, first, offset, &got);
		st->answers++;
		if (want == -1) {
			st->none++;
			if (!CHECK(err == -ENOENT))
				fprintf(stderr,
				        "  %s %s offset %ld: want no line, got %d (err %d)\n", file,
				        code, offset, got, err);
		} else if (!CHECK(err == 0 && got == want)) {
			fprintf(stderr, "  %s %s offset %ld: want %ld, got %d (err %d)\n", file,
			        code, offset, want, got, err);
		}
	}
}

static void
check_fixture(const char *dir, const char *name, struct fixture_stats *st)
{
	char path[PATH_MAX];
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int have_format = 0, have_code = 0, first = 0;
	enum python_linetable_format format = PYTHON_LINETABLE_LOCATIONS;
	char code[256] = "";
	static uint8_t table[1 << 16];
	long len = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!CHECK(f != NULL))
		return;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "format ", 7) == 0) {
			line[strcspn(line, "\n")] = '\0';
			for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
				if (strcmp(line + 7, formats[i].name) == 0) {
					format = formats[i].format;
					have_format = 1;
				}
			}
		} else if (strncmp(line, "code ", 5) == 0) {
			char hex[1 << 17];

			if (!CHECK(sscanf(line, "code %255s %d %131071s", code, &first, hex) == 3))
				break;
			len = parse_hex(hex, table, sizeof(table));
			have_code = CHECK(len >= 0);
			st->codes++;
		} else if (strncmp(line, "lines ", 6) == 0) {
			if (!CHECK(have_format && have_code))
				break;
			check_lines(name, code, format, table, (size_t)len, first, line + 6, st);
		}
	}
	CHECK(have_format);
	free(line);
	fclose(f);
}

/* Every fixture in dir: one per installed interpreter. */
static void
check_fixtures(const char *dir)
{
	struct fixture_stats st = {0};
	struct dirent *e;
	DIR *d = opendir(dir);
	int files = 0;

	if (!CHECK(d != NULL))
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, "linetable-", 10) != 0 || n < 4 ||
		    strcmp(e->d_name + n - 4, ".txt") != 0)
			continue;
		check_fixture(dir, e->d_name, &st);
		files++;
	}
	closedir(d);
	/* 2.7 and 3.6–3.15 when the fixtures were made. */
	CHECK(files >= 11);
	CHECK(st.codes > 200);
	/* Real tables have instructions without a line (3.10+): make sure the
	 * fixtures still exercise that path. */
	CHECK(st.none > 100);
	printf("fixtures: %d files, %d code objects, %d answers (%d without a line)\n", files,
	       st.codes, st.answers, st.none);
}

static void
check_lnotab(void)
{
	/* Line 10; +6 bytes → line 11; +4 bytes → line 10 (signed -1). */
	static const uint8_t t[] = {6, 1, 4, 0xff};
	int line = 0;

	CHECK(python_linetable_lnotab(t, sizeof(t), 10, -1, 1, &line) == 0 && line == 10);
	CHECK(python_linetable_lnotab(t, sizeof(t), 10, 0, 1, &line) == 0 && line == 10);
	CHECK(python_linetable_lnotab(t, sizeof(t), 10, 5, 1, &line) == 0 && line == 10);
	CHECK(python_linetable_lnotab(t, sizeof(t), 10, 6, 1, &line) == 0 && line == 11);
	CHECK(python_linetable_lnotab(t, sizeof(t), 10, 10, 1, &line) == 0 && line == 10);
	/* Past the end: the last line, as CPython ≤3.9. */
	CHECK(python_linetable_lnotab(t, sizeof(t), 10, 1000, 1, &line) == 0 && line == 10);
	/* 2.7 reads the same 0xff as +255. */
	CHECK(python_linetable_lnotab(t, sizeof(t), 10, 10, 0, &line) == 0 && line == 266);
	/* An odd trailing byte is ignored; an empty table is the first line. */
	CHECK(python_linetable_lnotab(t, 3, 10, 10, 1, &line) == 0 && line == 11);
	CHECK(python_linetable_lnotab(NULL, 0, 7, 10, 1, &line) == 0 && line == 7);
	/* Saturation instead of overflow. */
	CHECK(python_linetable_lnotab(t, sizeof(t), INT_MAX, 6, 1, &line) == -ERANGE);
}

static void
check_310(void)
{
	/* 4 bytes at line 5 (+0), 2 bytes with no line, 6 bytes at line 7 (+2),
	 * an empty range moving to line 3, 2 bytes at line 4. */
	static const uint8_t t[] = {4, 0, 2, 0x80, 6, 2, 0, 0xfc, 2, 1};
	int line = 0;

	CHECK(python_linetable_310(t, sizeof(t), 5, -1, &line) == 0 && line == 5);
	CHECK(python_linetable_310(t, sizeof(t), 5, 0, &line) == 0 && line == 5);
	CHECK(python_linetable_310(t, sizeof(t), 5, 3, &line) == 0 && line == 5);
	CHECK(python_linetable_310(t, sizeof(t), 5, 4, &line) == -ENOENT);
	CHECK(python_linetable_310(t, sizeof(t), 5, 6, &line) == 0 && line == 7);
	CHECK(python_linetable_310(t, sizeof(t), 5, 12, &line) == 0 && line == 4);
	CHECK(python_linetable_310(t, sizeof(t), 5, 14, &line) == -ENOENT);
	CHECK(python_linetable_310(NULL, 0, 5, 0, &line) == -ENOENT);
}

static void
check_locations(void)
{
	int line = 0;
	/* A short entry (kind 0, 2 units), a one-line+2 entry (1 unit), a
	 * no-location entry (1 unit), a no-columns entry with delta -3 (svarint
	 * 7) of 8 units, a long entry with delta +70 (svarint 140 = 0x4c 0x02). */
	static const uint8_t t[] = {
	    0x80 | 0 << 3 | 1,
	    0x01,
	    0x80 | 12 << 3 | 0,
	    3,
	    7,
	    0x80 | 15 << 3 | 0,
	    0x80 | 13 << 3 | 7,
	    7,
	    0x80 | 14 << 3 | 0,
	    0x4c,
	    0x02,
	    0,
	    1,
	    2,
	};
	/* The same long entry with its varint cut off by the table's end. */
	static const uint8_t cut[] = {0x80 | 14 << 3 | 0, 0x4c};

	CHECK(python_linetable_locations(t, sizeof(t), 100, -1, &line) == 0 && line == 100);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 0, &line) == 0 && line == 100);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 2, &line) == 0 && line == 100);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 4, &line) == 0 && line == 102);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 6, &line) == -ENOENT);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 8, &line) == 0 && line == 99);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 22, &line) == 0 && line == 99);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 24, &line) == 0 && line == 169);
	CHECK(python_linetable_locations(t, sizeof(t), 100, 26, &line) == -ENOENT);
	CHECK(python_linetable_locations(cut, sizeof(cut), 100, 0, &line) == -EINVAL);
	CHECK(python_linetable_locations(NULL, 0, 100, 0, &line) == -ENOENT);
	CHECK(python_linetable_line((enum python_linetable_format)0, t, sizeof(t), 1, 0, &line) ==
	      -EINVAL);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE-DIR\n", argv[0]);
		return 2;
	}
	check_lnotab();
	check_310();
	check_locations();
	check_fixtures(argv[1]);
	return check_done("python_linetable");
}
