/* The profile writers (record --format folded, speedscope, svg), compared
 * with tests/golden/profile.folded, profile.speedscope.json and
 * profile.svg: the fixture's stacks (golden_fixture.h: merged Python
 * frames, hostile names, a ';' and markup in labels) with counts, one
 * stack again at other addresses (printed the same: merged), a stack never
 * sampled (left out); and profile_all.folded, a system-wide profile.
 * The time-ordered ones (gecko, chrometrace) draw the same stacks counted
 * one by one at set times: profile.gecko.json, profile.chrometrace.json
 * (check_golden_trace.py checks their structure).
 * record --json-summary's document of each, record_summary.json and
 * record_summary_all.json.
 * STACKTOP_GOLDEN_UPDATE=1 rewrites the files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "profile.h"
#include "ui/profile_chrometrace.h"
#include "ui/profile_fold.h"
#include "ui/profile_gecko.h"
#include "ui/profile_speedscope.h"
#include "ui/profile_svg.h"
#include "ui/record_json.h"

#include <stdio.h>
#include <string.h>

/* Adds the frames of fixture thread i as one stack counted count times,
 * keyed by its instruction pointers plus salt (another key that names
 * the same frames). */
static struct profile_stack *
add_fixture(struct profile *p, size_t i, uint64_t salt, uint64_t count)
{
	struct thread_stack t;
	struct profile_stack *s;
	uint64_t key[16];
	size_t n;

	golden_fixture_thread(i, &t);
	n = t.nframes < 16 ? t.nframes : 16;
	for (size_t f = 0; f < n; f++)
		key[f] = t.frames[f].ip + (uint64_t)t.frames[f].line + salt;
	s = profile_add(p, t.tid, t.name, key, n, t.frames, t.nframes);
	t.frames = NULL; /* the profile's now */
	t.nframes = 0;
	thread_stack_clear(&t);
	s->count = count;
	p->samples += count;
	return s;
}

static struct profile *
fixture_profile(void)
{
	struct profile *p = profile_new(GOLDEN_FIXTURE_PID, "py" GOLDEN_HOSTILE_NAME);

	add_fixture(p, 0, 0, 70);
	add_fixture(p, 0, 1, 5); /* the same functions at other offsets */
	add_fixture(p, 1, 0, 20);
	add_fixture(p, 2, 0, 4);
	add_fixture(p, 3, 0, 0); /* seen, never counted */
	p->ticks = 100;
	p->duration_s = 1.0;
	p->requested_hz = 100;
	return p;
}

/* The fixture's stacks counted one at a time, at 100 Hz: thread 0 three
 * times (the second and third at other addresses, the same functions),
 * thread 1 and 2 in between, then thread 0 again after a gap and once at
 * its first stack. Dated 2023-11-14T22:13:20.500Z. */
static struct profile *
fixture_timeline(void)
{
	static const struct {
		size_t thread;
		uint64_t salt;
		float t;
	} counts[] = {
	    {0, 0, 0.00f}, {1, 0, 0.00f}, {0, 0, 0.01f}, {0, 1, 0.02f}, {2, 0, 0.03f},
	    {1, 0, 0.04f}, {0, 0, 0.20f}, {0, 1, 0.21f}, {0, 0, 0.22f},
	};
	struct profile *p = profile_new(GOLDEN_FIXTURE_PID, "py" GOLDEN_HOSTILE_NAME);
	size_t s[3][2]; /* indices: the entries move as more are added */

	for (size_t i = 0; i < 3; i++)
		for (uint64_t salt = 0; salt < 2; salt++)
			s[i][salt] = (size_t)(add_fixture(p, i, salt, 0) - p->stacks);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		profile_count(p, &p->stacks[s[counts[i].thread][counts[i].salt]], 1);
		p->events[p->nevents - 1].t = counts[i].t;
	}
	p->made_wall_s = 1700000000.5;
	p->ticks = 100;
	p->duration_s = 1.0;
	p->requested_hz = 100;
	return p;
}

/* record -a: the same stacks, as of processes. */
static struct profile *
fixture_profile_all(void)
{
	struct profile *p = profile_new(0, "");
	struct profile_stack *s;

	s = add_fixture(p, 0, 0, 3);
	s->pid = GOLDEN_FIXTURE_PID;
	snprintf(s->process, sizeof(s->process), "python3");
	s = add_fixture(p, 2, 0, 2);
	s->pid = 977;
	snprintf(s->process, sizeof(s->process), "%s", GOLDEN_HOSTILE_NAME);
	return p;
}

/* record --json-summary of p: a Python process stopped in each round
 * (ptrace stops), or with all every process (perf events). */
static void
summary(struct golden *g, const char *dir, const char *name, struct profile *p, bool all)
{
	struct python_info python = golden_fixture_python();
	struct record_summary s = {
	    .profile = p,
	    .taken_at = GOLDEN_FIXTURE_TAKEN_AT,
	    .comm = all ? NULL : "py" GOLDEN_HOSTILE_NAME,
	    .mode = "cpu",
	    .frames = "auto",
	    .method = all ? "perf events, one per CPU" : "ptrace stops",
	    .thread_count = all ? -1 : 5,
	    .process_count = all ? 2 : 1,
	    .python = all ? NULL : &python,
	    .unplaced = 1,
	    .lost = all ? 3 : -1,
	    .gone = all ? 1 : -1,
	    .kernel_threads = all ? 0 : -1,
	    .own = all ? 0 : -1,
	    .exited = !all,
	    .output = all ? NULL : "/tmp/out \"1\".svg",
	    .format = all ? "folded" : "svg",
	};

	p->stops = all ? 0 : 100;
	p->stopped_ms_sum = all ? 0 : 123.4;
	p->stopped_ms_max = all ? 0 : 4.5;
	p->round_s_sum = 0.05;
	p->round_s_max = 0.002;
	p->rounds_over = 2;
	p->duration_s = 1.0;
	record_json_write(golden_open(g, dir, name), &s);
	golden_replace_version(g);
	CHECK(golden_check(g));
}

int
main(int argc, char **argv)
{
	struct profile *p = fixture_profile();
	struct profile *all = fixture_profile_all();
	struct profile *timeline = fixture_timeline();
	struct golden g;

	if (!CHECK(argc == 2)) /* the golden directory */
		return 1;
	profile_fold_write(golden_open(&g, argv[1], "profile.folded"), p);
	CHECK(golden_check(&g));
	profile_fold_write(golden_open(&g, argv[1], "profile_all.folded"), all);
	CHECK(golden_check(&g));
	/* The exporter names stacktop's version: the golden file says
	 * VERSION, so that a release does not change it. */
	profile_speedscope_write(golden_open(&g, argv[1], "profile.speedscope.json"), p);
	golden_replace(&g, "\"stacktop " STACKTOP_VERSION "\"", "\"stacktop VERSION\"");
	CHECK(golden_check(&g));
	profile_svg_write(golden_open(&g, argv[1], "profile.svg"), p, true);
	CHECK(golden_check(&g));
	profile_gecko_write(golden_open(&g, argv[1], "profile.gecko.json"), timeline);
	golden_replace(&g, "\"appBuildID\":\"" STACKTOP_VERSION "\"", "\"appBuildID\":\"VERSION\"");
	CHECK(golden_check(&g));
	profile_chrometrace_write(golden_open(&g, argv[1], "profile.chrometrace.json"), timeline);
	golden_replace(&g, "\"stacktop " STACKTOP_VERSION "\"", "\"stacktop VERSION\"");
	CHECK(golden_check(&g));
	summary(&g, argv[1], "record_summary.json", p, false);
	summary(&g, argv[1], "record_summary_all.json", all, true);
	profile_free(p);
	profile_free(all);
	profile_free(timeline);
	return check_done("test_golden_profile");
}
