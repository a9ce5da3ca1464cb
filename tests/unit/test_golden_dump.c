/* stacktop dump's renderers, text and JSON, on the fixture process
 * (golden_fixture.h), compared with tests/golden/dump.txt and dump.json.
 * STACKTOP_GOLDEN_UPDATE=1 rewrites those files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "ui/dump_json.h"
#include "ui/dump_text.h"

int
main(int argc, char **argv)
{
	struct dump_report *d = golden_fixture_dump();
	struct golden g;

	if (!CHECK(argc == 2)) /* the golden directory */
		return 1;
	dump_text_write(golden_open(&g, argv[1], "dump.txt"), d);
	CHECK(golden_check(&g));
	dump_json_write(golden_open(&g, argv[1], "dump.json"), d);
	golden_replace_version(&g);
	CHECK(golden_check(&g));
	dump_report_free(d);
	return check_done("test_golden_dump");
}
