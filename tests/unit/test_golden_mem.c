/* stacktop mem's renderers, text and JSON, compared with tests/golden/:
 * mem.txt/.json, a process whose anonymous memory is growing, with its
 * Python objects by type counted at both ends of the window (hostile and
 * long type names, more types than shown, a walk that had to retry, a
 * thread that did not stop, a partial walk, sizes that could not be read;
 * types that grew, appeared, vanished, shrank or stayed, named by the
 * verdict); mem_single.txt/.json, the same with one census (the live
 * view's memory page); mem_unknown.txt/.json, a process with unknown
 * sizes, too few samples for a verdict, and a free-threaded Python whose
 * objects could not be counted.
 * STACKTOP_GOLDEN_UPDATE=1 rewrites the files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "model.h"
#include "ui/mem_json.h"
#include "ui/mem_text.h"
#include "xmalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static struct python_type_row
type(const char *name, uint64_t count, uint64_t bytes, uint64_t size_errors)
{
	return (struct python_type_row){xstrdup(name), count, bytes, size_errors};
}

/* A census of Python 3.12.1 holding rows[0..n) (the rows' names are
 * taken), with a collector's state; the rest is the caller's. */
static struct python_types *
fixture_census(const struct python_type_row *rows, size_t n, uint64_t objects)
{
	struct python_types *p = xcalloc(1, sizeof(*p));

	snprintf(p->version, sizeof(p->version), "3.12.1");
	p->ngenerations = 3;
	p->gc_count[0] = 431;
	p->gc_count[1] = 7;
	p->gc_count[2] = 2;
	p->gc_threshold[0] = 700;
	p->gc_threshold[1] = 10;
	p->gc_threshold[2] = 10;
	p->garbage = 0;
	p->frozen = 1200;
	p->objects = objects;
	p->ntypes = n;
	p->types = xcalloc(n, sizeof(*p->types));
	for (size_t i = 0; i < n; i++)
		p->types[i] = rows[i];
	p->max_stop_ms = 200;
	return p;
}

static struct python_types *
fixture_python(void)
{
	const struct python_type_row types[] = {
	    type("dict", 48211, 9873408, 0),
	    type("builtins.function", 20544, 2958336, 0),
	    type("app.models.Order", 12000, 672000, 3),
	    type(GOLDEN_HOSTILE_NAME GOLDEN_HOSTILE_BYTES, 512, 28672, 0),
	    type("a.very.long.package.path.that.goes.on.and.on.beyond.sixty.columns.Klass", 64,
	         4096, 0),
	    type("<unreadable>", 2, 0, 2),
	};
	struct python_types *p = fixture_census(types, sizeof(types) / sizeof(types[0]), 81323);

	p->size_errors = 5;
	p->stopped_ms = 12.5;
	p->longest_stop_ms = 8.25;
	p->attempts = 2;
	p->total_ms = 31.75;
	p->threads_not_stopped = 1;
	p->partial = true;
	p->partial_reason = "the object bound (2000000) was reached";
	p->taken_s = 1059.625;
	return p;
}

/* The census at the start of fixture_python's window: dict grew since,
 * the hostile name appeared, app.models.Order shrank, app.Vanished went,
 * the others stayed. */
static struct python_types *
fixture_python_before(void)
{
	const struct python_type_row types[] = {
	    type("dict", 36211, 7416000, 0),
	    type("builtins.function", 20544, 2958336, 0),
	    type("app.models.Order", 12100, 677600, 0),
	    type("app.Vanished", 30, 1680, 0),
	    type("a.very.long.package.path.that.goes.on.and.on.beyond.sixty.columns.Klass", 64,
	         4096, 0),
	    type("<unreadable>", 2, 0, 2),
	};
	struct python_types *p = fixture_census(types, sizeof(types) / sizeof(types[0]), 68951);

	p->size_errors = 2;
	p->stopped_ms = 10.25;
	p->longest_stop_ms = 10.25;
	p->attempts = 1;
	p->total_ms = 22.5;
	p->partial = true;
	p->partial_reason = "the stop's time bound was reached";
	p->taken_s = 1000.125;
	return p;
}

static struct mem_report *
fixture_growing(void)
{
	struct mem_report *m = xcalloc(1, sizeof(*m));

	m->pid = GOLDEN_FIXTURE_PID;
	m->taken_at = GOLDEN_FIXTURE_TAKEN_AT;
	snprintf(m->comm, sizeof(m->comm), "py%s", GOLDEN_HOSTILE_NAME);
	m->rollup = (struct mem_rollup){
	    .rss_kib = 2202009, .pss_kib = 2150000, .uss_kib = 2100000, .swap_kib = 512};
	m->breakdown.kib[MEM_HEAP] = 1843200;
	m->breakdown.kib[MEM_ANON] = 250000;
	m->breakdown.kib[MEM_STACK] = 132;
	m->breakdown.kib[MEM_FILE] = 98000;
	m->breakdown.kib[MEM_SHMEM] = 0;
	/* The fit is growth_fit's (unit-tested there): fixed here. */
	m->growth = (struct growth){.span_s = 59.5,
	                            .window_s = 10,
	                            .windows = 6,
	                            .kib_per_min = 2048.4,
	                            .verdict = GROWTH_GROWING};
	m->anon_first_kib = 1972000;
	m->anon_last_kib = 2093500;
	m->samples = 120;
	m->python = fixture_python();
	m->python_before = fixture_python_before();
	m->python_top = 5;
	return m;
}

/* fixture_growing with one census, as the live view's memory page has. */
static struct mem_report *
fixture_single(void)
{
	struct mem_report *m = fixture_growing();

	python_types_free(m->python_before);
	m->python_before = NULL;
	return m;
}

static struct mem_report *
fixture_unknown(void)
{
	struct mem_report *m = xcalloc(1, sizeof(*m));

	m->pid = 6001;
	m->taken_at = GOLDEN_FIXTURE_TAKEN_AT;
	snprintf(m->comm, sizeof(m->comm), "python3.13t");
	m->rollup =
	    (struct mem_rollup){.rss_kib = 40960, .pss_kib = -1, .uss_kib = -1, .swap_kib = -1};
	for (int k = 0; k < MEM_KINDS; k++)
		m->breakdown.kib[k] = -1;
	m->growth = (struct growth){.span_s = 1.5,
	                            .window_s = 0.5,
	                            .windows = 2,
	                            .kib_per_min = NAN,
	                            .verdict = GROWTH_UNKNOWN};
	m->anon_first_kib = 30000;
	m->anon_last_kib = -1;
	m->samples = 2;
	m->python = xcalloc(1, sizeof(*m->python));
	snprintf(m->python->version, sizeof(m->python->version), "3.13.0");
	snprintf(m->python->unreadable, sizeof(m->python->unreadable),
	         "a free-threaded build: its objects are not on the collector's lists");
	m->python->garbage = -1;
	m->python->frozen = -1;
	m->python->collecting = -1;
	m->python->partial_reason = "";
	m->python_before = xcalloc(1, sizeof(*m->python_before));
	*m->python_before = *m->python;
	m->python_top = 20;
	return m;
}

static void
render(const char *dir, struct mem_report *m, const char *txt, const char *json)
{
	struct golden g;

	mem_text_write(golden_open(&g, dir, txt), m);
	CHECK(golden_check(&g));
	mem_json_write(golden_open(&g, dir, json), m);
	golden_replace_version(&g);
	CHECK(golden_check(&g));
	python_types_free(m->python);
	python_types_free(m->python_before);
	free(m);
}

int
main(int argc, char **argv)
{
	if (!CHECK(argc == 2)) /* the golden directory */
		return 1;
	render(argv[1], fixture_growing(), "mem.txt", "mem.json");
	render(argv[1], fixture_single(), "mem_single.txt", "mem_single.json");
	render(argv[1], fixture_unknown(), "mem_unknown.txt", "mem_unknown.json");
	return check_done("test_golden_mem");
}
