/* What record --json-summary writes: the recording's summary as one JSON
 * document, schema "stacktop.record/1" (the profile itself is written by
 * profile_fold, profile_speedscope, profile_svg or profile_pprof). */
#ifndef STACKTOP_RECORD_JSON_H
#define STACKTOP_RECORD_JSON_H

#include "../model.h"
#include "../profile.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* What the summary says beyond the profile's own counts. Pointers are
 * borrowed for the call. */
struct record_asyncio {
	uint64_t censuses, failed;
	double stopped_ms, stopped_ms_max; /* a census's stop: mean, longest */
	uint64_t tasks;
};

struct record_summary {
	const struct profile *profile;    /* pid 0: every process (record -a) */
	struct timespec taken_at;         /* wall clock when the recording ended */
	const char *comm;                 /* the process's name; NULL with -a */
	const char *mode;                 /* cpu, wall or gil */
	const char *frames;               /* native, python or mixed (what was asked) */
	const char *method;               /* how stacks were taken ("perf events", ...) */
	int64_t thread_count;             /* threads followed at the end; -1 unknown */
	int64_t process_count;            /* processes sampled */
	const struct python_info *python; /* NULL with -a */
	uint64_t unplaced; /* samples with Python frames not placed among the native */
	/* record -a only, else -1: samples lost (a full ring, or unparsed),
	 * of processes gone before they were read, of kernel threads, and of
	 * stacktop itself. */
	int64_t lost, gone, kernel_threads, own;
	/* record --async, else NULL: the censuses of asyncio tasks (each a
	 * stop of the whole process), the tasks the last one found. */
	const struct record_asyncio *asyncio;
	bool exited;        /* the process exited before the duration was over */
	bool interrupted;   /* a signal (Ctrl-C) ended the recording early */
	const char *output; /* the profile's file; NULL for standard output */
	const char *format; /* folded, speedscope, svg or pprof */
};

/* Writes s as one JSON document on one line to out. */
void record_json_write(FILE *out, const struct record_summary *s);

#endif
