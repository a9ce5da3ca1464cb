/* Model data made by hand for the renderers' golden tests: a Python process
 * whose stacks show what the renderers must handle, at a target's worst.
 *
 * Its threads: a Python thread whose frames are merged into the native
 * stack, recursing; a Python thread whose frames did not line up with the
 * native ones (both stacks kept); a native thread with hostile names (escape
 * sequences, invalid UTF-8, quotes, backslashes, markup, a newline), a
 * signal frame, frames without a symbol or a module, and a cut stack; a
 * thread that did not stop in time; one that exited. */
#ifndef STACKTOP_GOLDEN_FIXTURE_H
#define STACKTOP_GOLDEN_FIXTURE_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

#define GOLDEN_FIXTURE_PID     4242
#define GOLDEN_FIXTURE_THREADS 5
/* Every document's taken_at: 2023-11-14T22:13:20.500Z. */
#define GOLDEN_FIXTURE_TAKEN_AT ((struct timespec){.tv_sec = 1700000000, .tv_nsec = 500000000})

/* Strings a target can choose (a comm, a thread name): an escape sequence
 * that would retitle the terminal, quotes and a backslash. */
#define GOLDEN_HOSTILE_NAME "w\x1b]0;pwn\x07\"q\\"
/* Bytes that are not UTF-8, a C1 control (CSI), a bidirectional override,
 * a line separator (JSON escapes U+2028 for JavaScript's sake), a
 * noncharacter (U+FFFF: no XML may hold it) and a truncated sequence. */
#define GOLDEN_HOSTILE_BYTES                                                                       \
	"b\xff\xfe\xc2\x9b\xe2\x80\xae\xe2\x80\xa8z\xef\xbf\xbf"                                   \
	"\xe2\x82"

/* A native frame (strings copied; module NULL when not in a file). */
struct frame_row golden_native(uint64_t ip, const char *function, uint64_t offset,
                               const char *module);

/* A Python frame (strings copied). */
struct frame_row golden_python(const char *function, const char *file, int line);

/* An owned copy of frames[0..n) (their strings taken over). */
struct frame_row *golden_frames(const struct frame_row *frames, size_t n);

/* Thread i (below GOLDEN_FIXTURE_THREADS) of the fixture process, into t
 * (owned contents: thread_stack_clear). */
void golden_fixture_thread(size_t i, struct thread_stack *t);

/* The fixture process's Python, as a dump finds it. */
struct python_info golden_fixture_python(void);

/* The machine's line (of a report, of the live view's header): 4 CPUs,
 * steal unknown. */
struct system_row golden_fixture_system(void);

/* The dump of the fixture process. Owned: dump_report_free. */
struct dump_report *golden_fixture_dump(void);

#endif
