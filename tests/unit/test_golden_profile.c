/* The profile writers (record --format folded, speedscope, svg), compared
 * with tests/golden/profile.folded, profile.speedscope.json and
 * profile.svg: the fixture's stacks (golden_fixture.h: merged Python
 * frames, hostile names, a ';' and markup in labels) with counts, one
 * stack again at other addresses (printed the same: merged), a stack never
 * sampled (left out); and profile_all.folded, a system-wide profile.
 * STACKTOP_GOLDEN_UPDATE=1 rewrites the files instead (golden.h). */
#include "check.h"
#include "golden.h"
#include "golden_fixture.h"
#include "profile.h"
#include "ui/profile_fold.h"
#include "ui/profile_speedscope.h"
#include "ui/profile_svg.h"

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

int
main(int argc, char **argv)
{
	struct profile *p = fixture_profile();
	struct profile *all = fixture_profile_all();
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
	profile_free(p);
	profile_free(all);
	return check_done("test_golden_profile");
}
