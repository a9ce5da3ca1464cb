/* Reading the Python stacks of every thread of a CPython process from
 * outside: its thread states, each one's chain of frames, and what they
 * execute, through a memory reader the caller supplies (python_memory.h:
 * process_vm_readv on a live target, a fake address space in tests).
 *
 * It happens in two steps, so that a stopped target is stopped only for the
 * first: python_stack_read follows pointers (threads, frames: a few reads
 * per frame), and python_namer_frame (python_namer.h) turns each frame's
 * code object into a function, file and line afterwards. Everything read
 * is untrusted: every chain is bounded and a read that fails ends that
 * chain, marked. */
#ifndef STACKTOP_PYTHON_STACK_H
#define STACKTOP_PYTHON_STACK_H

#include "python_find.h"
#include "python_memory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The first (main) interpreter of t: _PyRuntime.interpreters.head (3.7+),
 * or *interp_head (2.7, 3.6). Returns 0 and sets *interp, or the reader's
 * -errno. */
int python_stack_first_interp(const struct python_target *t, const struct python_memory *mem,
                              uint64_t *interp);

/* A frame as followed: what to name later. */
struct python_raw_frame {
	uint64_t code;  /* PyCodeObject * */
	int64_t offset; /* of the instruction, in bytes (for the line table) */
	bool eval_last; /* the outermost frame of one call of the eval loop */
	/* With eval_last: an address among that call's locals on the C stack
	 * (3.10+: its _PyCFrame, or the shim frame of 3.12+), which places the
	 * call among the native frames whatever their names; 0 if unknown. */
	uint64_t anchor;
	uint64_t addr; /* the frame itself, and the back link read in it: */
	uint64_t back; /* a read of a running target is checked against both */
	/* A read of a running target: the code object's line table (its
	 * address), read with the check, or 0. A code object freed and another
	 * made at its address has another: names cached by the code's address
	 * (python_namer) and profile entries are told apart by it. */
	uint64_t stamp;
};

struct python_raw_thread {
	uint64_t tstate;  /* PyThreadState * */
	uint64_t interp;  /* PyInterpreterState * it belongs to */
	uint64_t pthread; /* thread_id: the pthread_t */
	int tid;          /* the OS thread id; 0 until known */
	bool holds_gil;
	bool truncated;                  /* the chain ended in a read that failed or a bound */
	uint64_t top;                    /* the innermost frame the walk started from */
	bool dropped;                    /* read running, its frames changed under every
	                                    attempt: left without frames rather than
	                                    shown as a stack it never had */
	bool skipped;                    /* not wanted (struct python_want): its
	                                    frames were not followed */
	char *name;                      /* owned: its threading.Thread's name, or NULL */
	struct python_raw_frame *frames; /* owned, innermost first */
	size_t nframes;
};

struct python_raw {
	struct python_raw_thread *threads; /* owned */
	size_t nthreads;
	size_t dropped; /* threads whose stacks python_stack_read_running dropped */
};

/* The threads whose frames a read follows, when not all: thread(arg, th)
 * is asked of each thread state read (th has its ids and GIL flag, no
 * frames yet) and says whether to follow its frames. A profile of the
 * threads on a CPU needs only theirs: a round then costs the threads that
 * ran, not every thread the process has. */
struct python_want {
	bool (*thread)(void *arg, const struct python_raw_thread *th);
	void *arg;
	bool gil; /* whether the GIL's holder is asked (else holds_gil stays false) */
	/* The previous read of the same process, or NULL: its thread states
	 * are read again all at once, and used where the chain of this read
	 * reaches them (a steady process's threads stay where they were), so
	 * that a round costs one read for all of them, not one each. */
	const struct python_raw *previous;
};

/* Follows every thread state of every interpreter of t and their frames.
 * Returns 0 and fills *out (free with python_stack_raw_free), or -EFAULT when not
 * even the interpreter could be read (-ESRCH when the read says the process
 * is gone). */
int python_stack_read(const struct python_target *t, const struct python_memory *mem,
                      struct python_raw *out);
void python_stack_raw_free(struct python_raw *r);

/* The same, of a target that runs meanwhile: a thread's frames are pushed,
 * popped and reused while they are followed, and a chain read across such a
 * change is a stack the program never had. So each thread's walk is checked
 * by reading again, at once, where it started (its innermost frame) and
 * each frame's back link and code: a walk that a change tore (or that ended
 * in a failed read) is made again, up to `tries` times in all; a thread
 * still torn then is dropped (no frames, dropped set, counted in
 * out->dropped). Returns what python_stack_read does. */
int python_stack_read_running(const struct python_target *t, const struct python_memory *mem,
                              int tries, const struct python_want *want, struct python_raw *out);

#endif
