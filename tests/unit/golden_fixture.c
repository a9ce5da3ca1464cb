#include "golden_fixture.h"

#include "xmalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define LIBC   "/usr/lib/x86_64-linux-gnu/libc.so.6"
#define PYTHON "/usr/bin/python3.11"

struct frame_row
golden_native(uint64_t ip, const char *function, uint64_t offset, const char *module)
{
	return (struct frame_row){
	    .ip = ip,
	    .function = function != NULL ? xstrdup(function) : NULL,
	    .offset = offset,
	    .module = module != NULL ? xstrdup(module) : NULL,
	};
}

struct frame_row
golden_python(const char *function, const char *file, int line)
{
	return (struct frame_row){
	    .python = true,
	    .function = xstrdup(function),
	    .file = file != NULL ? xstrdup(file) : NULL,
	    .line = line,
	};
}

struct frame_row *
golden_frames(const struct frame_row *frames, size_t n)
{
	struct frame_row *out = xcalloc(n, sizeof(*out));

	memcpy(out, frames, n * sizeof(*out));
	return out;
}

/* The main thread: Python frames merged between the native ones, where the
 * eval loop that runs them sits; fib recurses. */
static void
fixture_merged(struct thread_stack *t)
{
	const struct frame_row f[] = {
	    golden_native(0x5581c0a1b2c4, "long_mul", 0x1a4, PYTHON),
	    golden_python("fib", "/srv/app/calc.py", 12),
	    golden_python("fib", "/srv/app/calc.py", 14),
	    golden_python("<module>", "/srv/app/main.py", 30),
	    golden_native(0x5581c0a2d4e0, "_PyEval_EvalFrameDefault", 0x2d4c, PYTHON),
	    golden_native(0x5581c0b0108b, "PyEval_EvalCode", 0x8b, PYTHON),
	    golden_native(0x5581c0b5a1e5, "Py_RunMain", 0x1e5, PYTHON),
	    golden_native(0x7f3a1c02724a, "__libc_start_call_main", 0x7a, LIBC),
	    golden_native(0x5581c0a00025, "_start", 0x25, PYTHON),
	};

	*t = (struct thread_stack){
	    .tid = GOLDEN_FIXTURE_PID, .state = 'R', .python = true, .holds_gil = 1};
	snprintf(t->name, sizeof(t->name), "python3");
	t->python_name = xstrdup("MainThread");
	t->frames = golden_frames(f, sizeof(f) / sizeof(f[0]));
	t->nframes = sizeof(f) / sizeof(f[0]);
}

/* A thread whose Python frames did not line up with its native ones: the
 * Python stack in frames, the native one apart. Its names are the
 * target's: hostile. */
static void
fixture_unmerged(struct thread_stack *t)
{
	const struct frame_row py[] = {
	    golden_python("Worker.run", "/srv/app/w\xc3\xb6rker.py", 42),
	    golden_python("Thread.run", "/usr/lib/python3.11/threading.py", 975),
	    golden_python("Thread._bootstrap_inner", "/usr/lib/python3.11/threading.py", 1038),
	    golden_python("Thread._bootstrap", NULL, 0),
	};
	const struct frame_row native[] = {
	    golden_native(0x7f3a1c08e3b3, "futex_wait", 0x3b, LIBC),
	    golden_native(0x5581c0a9c1a0, "take_gil", 0x1a0, PYTHON),
	    golden_native(0x5581c0a9d2f0, "PyEval_RestoreThread", 0x20, PYTHON),
	    golden_native(0x7f3a1c0911f3, "start_thread", 0x2f3, LIBC),
	    golden_native(0x7f3a1c11282c, "clone3", 0x2c, LIBC),
	};

	*t = (struct thread_stack){.tid = 4243, .state = 'S', .python = true, .holds_gil = 0};
	snprintf(t->name, sizeof(t->name), "%s", GOLDEN_HOSTILE_NAME);
	t->python_name = xstrdup("pool \"w1\"\\n\n" GOLDEN_HOSTILE_BYTES);
	t->frames = golden_frames(py, sizeof(py) / sizeof(py[0]));
	t->nframes = sizeof(py) / sizeof(py[0]);
	t->native_frames = golden_frames(native, sizeof(native) / sizeof(native[0]));
	t->nnative = sizeof(native) / sizeof(native[0]);
}

/* A native thread: a signal frame, hostile symbol and module names, a C++
 * name full of markup, a frame with no symbol, one in no file, and a walk
 * cut short. */
static void
fixture_native(struct thread_stack *t)
{
	struct frame_row f[] = {
	    golden_native(0x7f3a1c03e050, NULL, 0, LIBC),
	    golden_native(0x7f3a1a0012c0, "handler\x1b[2J\"<&>\\" GOLDEN_HOSTILE_BYTES, 0x10,
	                  "/opt/we\xffird dir/lib\"ev\x1b[0mil\\.so"),
	    golden_native(0x7f3a1a002400,
	                  "std::vector<int, std::allocator<int> >::push_back(int const&)", 0x40,
	                  "/usr/lib/libapp.so"),
	    golden_native(0x7f3a18001234, NULL, 0x1234, "/tmp/jit;code.bin"),
	    golden_native(0xdeadbeef, NULL, 0, NULL),
	};

	f[0].signal = true;
	f[0].function = xstrdup("<signal handler called>");
	*t = (struct thread_stack){.tid = 4244, .state = 'D', .holds_gil = -1};
	snprintf(t->name, sizeof(t->name), "io%s", GOLDEN_HOSTILE_BYTES);
	snprintf(t->cut, sizeof(t->cut), "no unwind info at 0xdeadbeef");
	t->frames = golden_frames(f, sizeof(f) / sizeof(f[0]));
	t->nframes = sizeof(f) / sizeof(f[0]);
}

void
golden_fixture_thread(size_t i, struct thread_stack *t)
{
	switch (i) {
	case 0:
		fixture_merged(t);
		break;
	case 1:
		fixture_unmerged(t);
		break;
	case 2:
		fixture_native(t);
		break;
	case 3:
		*t = (struct thread_stack){
		    .tid = 4245, .state = 'D', .err = -ETIMEDOUT, .python = true, .holds_gil = 0};
		snprintf(t->name, sizeof(t->name), "stuck");
		break;
	default:
		*t = (struct thread_stack){
		    .tid = 4246, .state = 'Z', .err = -ESRCH, .holds_gil = -1};
		snprintf(t->name, sizeof(t->name), "gone");
		break;
	}
}

struct python_info
golden_fixture_python(void)
{
	struct python_info p = {.found_by = "symbol"};

	snprintf(p.version, sizeof(p.version), "3.11.7");
	return p;
}

struct system_row
golden_fixture_system(void)
{
	return (struct system_row){
	    .user_pct = 42.5,
	    .sys_pct = 7.25,
	    .nice_pct = 0,
	    .iowait_pct = 1.5,
	    .steal_pct = NAN,
	    .idle_pct = 48.75,
	    .ncpus = 4,
	    .load = {3.14, 2.5, 1.0},
	    .uptime_s = 3 * 86400 + 4 * 3600 + 5 * 60 + 59,
	    .mem_total_kib = 16 * 1024 * 1024,
	    .mem_used_kib = 5 * 1024 * 1024 + 300 * 1024,
	    .mem_available_kib = 10 * 1024 * 1024,
	    .swap_total_kib = 2 * 1024 * 1024,
	    .swap_used_kib = 0,
	    .thread_source = "taskstats",
	    .processes = 213,
	    .threads = 1021,
	    .running = 5,
	};
}

struct dump_report *
golden_fixture_dump(void)
{
	struct dump_report *d = xcalloc(1, sizeof(*d));

	d->pid = GOLDEN_FIXTURE_PID;
	snprintf(d->comm, sizeof(d->comm), "py%s", GOLDEN_HOSTILE_NAME);
	d->python = golden_fixture_python();
	d->stopped_ms = 1.234;
	d->taken_at = GOLDEN_FIXTURE_TAKEN_AT;
	d->skipped = 1;
	d->gil_holder = GOLDEN_FIXTURE_PID;
	d->nthreads = GOLDEN_FIXTURE_THREADS;
	d->threads = xcalloc(d->nthreads, sizeof(*d->threads));
	for (size_t i = 0; i < d->nthreads; i++)
		golden_fixture_thread(i, &d->threads[i]);
	return d;
}
