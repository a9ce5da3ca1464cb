/* A profile: stacks sampled over time, counted (stacktop record).
 *
 * Each distinct (thread, instruction pointers) pair is one entry with a
 * count. Frames are named once, when an entry is first seen, while the
 * modules that hold them are still mapped; later samples of the same stack
 * only add to its count. Renderers (ui/profile_*) read entries; several
 * entries may print the same (the same functions at other offsets), and the
 * renderers merge those. */
#ifndef STACKTOP_PROFILE_H
#define STACKTOP_PROFILE_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile_stack {
	int tid;
	char thread[COMM_MAX]; /* raw, as the target named it */
	char *python_name;     /* owned, raw: its threading name (a Python thread), or NULL */
	/* Of a system-wide profile: the thread's process and its name (raw);
	 * 0 and "" in a profile of one process. */
	int pid;
	char process[COMM_MAX];
	/* What makes the stack distinct: its instruction pointers, and for a
	 * Python thread what its frames execute (code object and offset). */
	uint64_t *key; /* owned */
	size_t nkey;
	struct frame_row *frames; /* owned, innermost first */
	size_t nframes;
	uint64_t count;
};

/* A count as it happened: which stack, when (seconds since the profile was
 * made) and how many samples it stands for. The time-ordered formats
 * (speedscope's timeline, chrometrace) are drawn from these. */
struct profile_event {
	uint32_t stack; /* index into stacks */
	float t;
	uint32_t weight;
};

/* At most this many events are kept (12 bytes each: 48 MiB), 10,000 Hz on
 * 10 threads for 40 s; the counts go on, and events_cut says the timeline
 * ends early. */
#define PROFILE_EVENTS_MAX (4u << 20)

/* A file the profile's native frames are in, as the process mapped it: its
 * executable mapping and its GNU build-id (pprof's mappings: what lets a
 * server find its symbols). */
struct profile_module {
	char *path; /* owned */
	uint64_t start, limit, offset;
	char build_id[2 * 64 + 1]; /* lowercase hex; "" when it has none */
};

struct profile {
	int pid;       /* 0: every process (record -a), or a tree */
	int tree_root; /* record --tree: its process given; else 0 */
	char comm[COMM_MAX];
	struct profile_stack *stacks; /* owned, in order of first sight */
	size_t nstacks;
	uint64_t samples;      /* stacks counted, all threads */
	uint64_t ticks;        /* sampling rounds */
	uint64_t errors;       /* threads we meant to sample and could not */
	uint64_t dropped;      /* Python stacks read running that changed under
	                          every walk: not counted, never made up */
	double duration_s;     /* from the first round to the last */
	double requested_hz;   /* -r */
	double stopped_ms_sum; /* the target's stops, over all rounds */
	double stopped_ms_max;
	uint64_t stops;     /* rounds that stopped at least one thread */
	double round_s_sum; /* the rounds' own time (not the sleeps between) */
	double round_s_max;
	uint64_t rounds_over; /* rounds that took longer than their interval */
	size_t *slots;        /* hash index into stacks (index + 1; 0 empty) */
	size_t nslots;
	double made_s;      /* monotonic, when the profile was made: events' origin */
	double made_wall_s; /* the same moment on the wall clock (seconds since the epoch):
	                       where a format dates its timeline (gecko's startTime) */
	struct profile_event *events; /* owned, in the order counted */
	size_t nevents, events_cap;
	bool events_cut;                /* PROFILE_EVENTS_MAX reached: later counts have none */
	struct profile_module *modules; /* owned; none for a system-wide profile */
	size_t nmodules;
};

/* An empty profile of pid (comm copied). Owned; free with profile_free. */
struct profile *profile_new(int pid, const char *comm);
void profile_free(struct profile *p);

/* The entry of thread tid with key[0..n), or NULL when there is none yet.
 * Borrowed until the next profile_add. */
struct profile_stack *profile_find(struct profile *p, int tid, const uint64_t *key, size_t n);

/* Adds an entry (key and thread copied; frames[0..nframes) taken over:
 * owned by the profile from now on) with count 0. The caller must have
 * checked with profile_find that there is none. Returns it, borrowed until
 * the next profile_add. */
struct profile_stack *profile_add(struct profile *p, int tid, const char *thread,
                                  const uint64_t *key, size_t nkey, struct frame_row *frames,
                                  size_t nframes);

/* Counts weight samples of stack s (one of p's), now: its count, the
 * profile's, and an event for the timeline. */
void profile_count(struct profile *p, struct profile_stack *s, uint64_t weight);

/* Adds a module (path copied; build_id may be NULL). */
void profile_add_module(struct profile *p, const char *path, uint64_t start, uint64_t limit,
                        uint64_t offset, const char *build_id);

/* The module whose mapping holds addr, or NULL (borrowed). */
const struct profile_module *profile_module_at(const struct profile *p, uint64_t addr);

/* The seconds a sample stands for: the rounds' mean spacing, or the asked
 * rate's period before any round. */
double profile_period_s(const struct profile *p);

/* What the profile is of, as a format's title: "stacktop record PID
 * (comm)", or "stacktop record -a (every process)". Raw (comm as the
 * target named itself); written into buf (size bytes). Returns buf. */
char *profile_title(const struct profile *p, char *buf, size_t size);

/* What runs in a frame, for the formats that colour or group by it:
 * Python code, native code, the kernel (the "[kernel]" frame a sample
 * taken there ends with), or stacktop's own note ("[cut: ...]", "[ended
 * before it was read]"). The last two have neither an address nor a
 * module, which no frame of a target has: a symbol of a target named
 * "[kernel]" stays native. */
enum profile_frame_kind {
	PROFILE_FRAME_NOTE,
	PROFILE_FRAME_PYTHON,
	PROFILE_FRAME_NATIVE,
	PROFILE_FRAME_KERNEL,
};

enum profile_frame_kind profile_frame_kind(const struct frame_row *f);

/* The text a frame shows in a profile: "function", or "module+0xOFFSET" with
 * the module's file name, or "[unknown]"; a Python frame "function
 * (file.py:line)", its file's name only. Raw (not sanitized); written into
 * buf (size bytes). Returns buf. */
char *profile_frame_label(const struct frame_row *f, char *buf, size_t size);

/* A frame as the formats that keep its file and line apart name it (pprof,
 * speedscope): a Python frame its function (its label when it has none), a
 * native one its label; *file its source file or its module (NULL when
 * unknown). Raw; returns the frame's own string or buf (size bytes). */
const char *profile_frame_name(const struct frame_row *f, char *buf, size_t size,
                               const char **file);

#endif
