/* A tree's sums (report --tree, the live view's TREE line): CPU and RSS
 * summed with unknowns as 0, PSS unknown once one is, the hottest kept, and
 * the line that says it all (sanitized, capped said). */
#include "check.h"
#include "model.h"
#include "ui/report_text.h"

#include <math.h>

int
main(void)
{
	struct report_tree t;
	char line[512];

	report_tree_begin(&t, 100, 64, false);
	report_tree_add(&t, 100, "master", 1.5, 20000);
	report_tree_add(&t, 102, "hot\x1b[31m", 98.0, 12000);
	report_tree_add(&t, 101, "idle", NAN, -1);
	report_tree_add_pss(&t, 9000);
	report_tree_add_pss(&t, 3000);
	CHECK(t.process_count == 3 && t.cpu_pct == 99.5 && t.rss_kib == 32000);
	CHECK(t.pss_kib == 12000 && t.hottest_pid == 102 && t.hottest_cpu_pct == 98.0);
	CHECK_STR(report_text_tree_line(&t, false, line, sizeof(line)),
	          "TREE 100: 3 processes, CPU 99.5%, RSS 32000 KiB, PSS 12000 KiB, "
	          "hottest 102 (hot?[31m) 98.0%");
	report_tree_add_pss(&t, -1);
	report_tree_add_pss(&t, 500);
	CHECK(t.pss_kib == -1);

	/* Capped, sizes as the live view draws them, one process. */
	report_tree_begin(&t, 7, 20, true);
	report_tree_add(&t, 7, "forker", 0.0, 2048);
	report_tree_add_pss(&t, 1024);
	CHECK_STR(report_text_tree_line(&t, true, line, sizeof(line)),
	          "TREE 7: 1 process (capped by --max-processes 20), CPU 0.0%, RSS 2.0M, "
	          "PSS 1.0M, hottest 7 (forker) 0.0%");
	return check_done("report_tree");
}
