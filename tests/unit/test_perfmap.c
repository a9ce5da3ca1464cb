/* The JIT symbol map parser: lines as node, the JVM and CPython write them,
 * a map read in pieces that end mid-line, malformed and hostile lines, and
 * lookups where entries overlap (the one written last wins). */
#include "check.h"
#include "perfmap.h"

#include <stdint.h>
#include <string.h>

static void
test_lines(void)
{
	/* node --perf-basic-prof, a JVM's Compiler.perfmap (0x prefixes),
	 * CPython -X perf. */
	static const char text[] =
	    "1102cb617ed6 1b JS:~outerLoop /tmp/spin.js:2:19\n"
	    "0x00007f3c1d0fa000 0x0000000000000180 void Spin.main(java.lang.String[])\n"
	    "7f00aa001000 b py::spin:/srv/app.py\n";
	struct perfmap m = {0};
	uint64_t off = 99;

	CHECK(perfmap_parse(&m, text, strlen(text)) == strlen(text));
	CHECK(m.n == 3);
	CHECK_STR(perfmap_lookup(&m, 0x1102cb617ed6, &off), "JS:~outerLoop /tmp/spin.js:2:19");
	CHECK(off == 0);
	CHECK_STR(perfmap_lookup(&m, 0x1102cb617ed6 + 0x1a, &off),
	          "JS:~outerLoop /tmp/spin.js:2:19");
	CHECK(off == 0x1a);
	CHECK(perfmap_lookup(&m, 0x1102cb617ed6 + 0x1b, &off) == NULL); /* one past its end */
	CHECK(perfmap_lookup(&m, 0x1102cb617ed5, &off) == NULL);
	CHECK_STR(perfmap_lookup(&m, 0x7f3c1d0fa100, &off), "void Spin.main(java.lang.String[])");
	CHECK(off == 0x100);
	CHECK_STR(perfmap_lookup(&m, 0x7f00aa00100a, &off), "py::spin:/srv/app.py");
	CHECK(perfmap_lookup(&m, 0, &off) == NULL && perfmap_lookup(&m, UINT64_MAX, &off) == NULL);
	perfmap_clear(&m);
	CHECK(m.n == 0 && m.entries == NULL);
}

/* A runtime appends as it compiles: the reader sees a line cut short,
 * parses it with the next piece, and a later entry for the same code wins. */
static void
test_pieces(void)
{
	static const char one[] = "1000 100 first\n2000 10 sec";
	static const char two[] = "2000 10 second\n1000 100 again\n1040 8 inner\n";
	struct perfmap m = {0};
	uint64_t off;
	size_t used = perfmap_parse(&m, one, strlen(one));

	CHECK(used == strlen("1000 100 first\n") && m.n == 1);
	CHECK(perfmap_lookup(&m, 0x2000, &off) == NULL);
	CHECK(perfmap_parse(&m, two, strlen(two)) == strlen(two));
	CHECK_STR(perfmap_lookup(&m, 0x2004, &off), "second");
	CHECK_STR(perfmap_lookup(&m, 0x1010, &off), "again");
	CHECK_STR(perfmap_lookup(&m, 0x1044, &off), "inner"); /* inside a longer one */
	CHECK(off == 4);
	CHECK_STR(perfmap_lookup(&m, 0x1050, &off), "again");
	perfmap_clear(&m);
}

static void
test_malformed(void)
{
	static const char text[] = "\n"
	                           "zzzz 10 not hex\n"
	                           "1000\n"
	                           "1000 10\n"
	                           "1000 10 \n"     /* no name */
	                           "3000 0 empty\n" /* no size */
	                           "ffffffffffffffff 10 wraps\n"
	                           "11112222333344445 10 seventeen digits\n"
	                           "1000\t10 tab\n"
	                           "5000 10 ok\r\n";
	struct perfmap m = {0};
	char long_line[2048];
	uint64_t off;

	CHECK(perfmap_parse(&m, text, strlen(text)) == strlen(text));
	CHECK(m.n == 1);
	CHECK_STR(perfmap_lookup(&m, 0x5001, &off), "ok");
	/* A name longer than the bound is cut there. */
	memset(long_line, 'a', sizeof(long_line));
	memcpy(long_line, "6000 10 ", 8);
	long_line[sizeof(long_line) - 1] = '\n';
	CHECK(perfmap_parse(&m, long_line, sizeof(long_line)) == sizeof(long_line));
	CHECK(strlen(perfmap_lookup(&m, 0x6000, &off)) == PERFMAP_MAX_NAME);
	/* Nothing complete: nothing consumed. */
	CHECK(perfmap_parse(&m, "7000 10 x", 9) == 0);
	perfmap_clear(&m);
	perfmap_clear(&m);
}

int
main(void)
{
	test_lines();
	test_pieces();
	test_malformed();
	return check_done("test_perfmap");
}
