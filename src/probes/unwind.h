/* Unwinding copied stacks with libunwind, from our side.
 *
 * libunwind's own ptrace accessors read the target one word per syscall and
 * parse unwind tables out of its memory. Ours answer from the copy taken while
 * the thread was stopped (registers and stack), and from the target's ELF
 * files opened and mapped locally (.eh_frame_hdr and .eh_frame), so the
 * target runs again before the unwinding starts. Where no unwind table covers
 * an address (JIT code, a binary built without tables or with them
 * stripped), the walk follows the frame-pointer chain in the copy instead.
 * Files are opened and parsed once for the life of the unwinder; its view of
 * the target's mappings is renewed with unwinder_refresh, for a process
 * sampled over time.
 *
 * The walk and the naming of frames are here; the target's maps and files
 * are probes/unwind_space's, the live process behind struct
 * unwinder_target probes/unwind_live's, the rules at an address
 * probes/cfi's, and libunwind probes/unwind_library's. */
#ifndef STACKTOP_UNWIND_H
#define STACKTOP_UNWIND_H

#include "../model.h"
#include "procfs.h"
#include "ptrace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct module;
struct procfs_map;
struct unwinder;

/* Where an unwinder finds what a snapshot does not hold. unwinder_new reads
 * the live process (/proc/PID/maps, /proc/PID/map_files, process_vm_readv);
 * tests and fuzzers pass fake address spaces. arg is given back to each
 * call. */
struct unwinder_target {
	/* The text of the target's /proc/PID/maps, in an owned buffer *out
	 * (free with free()). Returns its length, or -errno (-ENOENT, -ESRCH:
	 * the process is gone). Called on construction and by each
	 * unwinder_refresh. */
	ssize_t (*read_maps)(void *arg, char **out);
	/* Opens the ELF file that mapping map shows, with what debug symbols
	 * it has. Returns 0 and an owned module (the unwinder frees it), or
	 * -errno. Called once per distinct file (path and inode) for the
	 * unwinder's life, when an address in it is first looked at. */
	int (*open_module)(void *arg, const struct procfs_map *map, struct module **out);
	/* Reads len bytes of target memory at addr, for what is neither in the
	 * stack copy nor in a read-only file mapping, through thread tid (the
	 * one being unwound: alive, where the main thread may not be). Returns
	 * the number of bytes read or -errno. May be NULL: such memory is then
	 * unreadable. */
	ssize_t (*read_memory)(void *arg, int tid, uint64_t addr, void *buf, size_t len);
	/* Reads the target's JIT symbol map (perfmap.h) from byte offset to its
	 * end, into an owned buffer *out (free with free()). Returns its
	 * length (0: nothing new), or -errno (-ENOENT: the process has none).
	 * Called when a frame in code no file holds is named, at most once
	 * per unwinder_refresh. May be NULL: no map. */
	ssize_t (*read_perfmap)(void *arg, uint64_t offset, char **out);
};

/* Reads pid's maps through fs (through a live thread's when the main thread
 * has ended). Returns 0 and an owned unwinder (free with unwinder_free), or
 * -errno. */
int unwinder_new(const struct procfs *fs, int pid, struct unwinder **out);

/* The same over any target: target (borrowed, must outlive the unwinder)
 * and arg. Returns 0 and an owned unwinder, or the -errno of read_maps. */
int unwinder_new_from(const struct unwinder_target *target, void *arg, struct unwinder **out);
void unwinder_free(struct unwinder *u);

/* Reads pid's maps again; when they changed (a library loaded or unloaded,
 * an exec), the unwinder forgets what it knew per address and sets
 * *changed. Files already opened stay cached. The JIT symbol map is read
 * again (what was added to it) when a frame next needs it. Returns 0 or
 * -errno (-ENOENT, -ESRCH: the process is gone). */
int unwinder_refresh(struct unwinder *u, bool *changed);

/* The target's maps as last read, sorted by address: *maps is borrowed until
 * the next unwinder_refresh or unwinder_free. Returns how many. */
size_t unwinder_maps(const struct unwinder *u, const struct procfs_map **maps);

/* Whether the target has a JIT symbol map (/tmp/perf-PID.map in its root,
 * PID as its own PID namespace numbers it): 0 when it has one, else the
 * -errno of reading it (-ENOENT: none). */
int unwinder_perfmap(struct unwinder *u);

/* The file that map (one of unwinder_maps) shows, opened with its debug
 * symbols on first use and kept: the interpreter search looks through the
 * very files the unwinder then names frames with. Borrowed for the
 * unwinder's life; NULL when it cannot be opened. */
struct module *unwinder_file(struct unwinder *u, const struct procfs_map *map);

/* The bytes from stack pointer addr to the end of the mapping holding it,
 * in the maps as last read, when that mapping is a thread's whole stack:
 * the process's [stack], or the one that holds the thread's pointer tp
 * (glibc and musl put a thread's TLS and descriptor at the top of its
 * stack); 0 otherwise (another mapping: its end says nothing of the
 * stack's). In the form snapshot_request.stack_extent takes, with the
 * unwinder as arg. */
uint64_t unwinder_stack_extent(void *unwinder, uint64_t addr, uint64_t tp);

/* What a frame of a walk is: how its instruction pointer was reached. */
enum unwind_frame_kind {
	UNWIND_FRAME_CALL,        /* a return address: the call is the byte before */
	UNWIND_FRAME_INTERRUPTED, /* the innermost frame, or the one a signal
	                             interrupted: ip is the instruction itself */
	UNWIND_FRAME_SIGNAL,      /* the kernel's signal frame (rt_sigframe), whose
	                             return address is the restorer (glibc's
	                             __restore_rt): <signal handler called> */
};

struct unwind_frame {
	uint64_t ip;
	uint64_t sp;  /* the frame's stack pointer (0 where it is not known):
	                 where its locals are */
	uint8_t kind; /* enum unwind_frame_kind */
};

/* Why a walk ended. */
enum unwind_end_kind {
	UNWIND_END_ROOT,       /* the outermost frame: nothing says it has a caller */
	UNWIND_END_NO_INFO,    /* no unwind table covers `at`, and no frame-pointer
	                          step went on from it */
	UNWIND_END_UNREADABLE, /* the caller's frame was to be read at `at`, which
	                          is neither in the stack copy nor readable */
	UNWIND_END_DEPTH,      /* there are more frames than the walk may take */
	UNWIND_END_LOOP,       /* a frame repeated (the same ip and stack pointer),
	                          or a stack pointer did not grow: `at` is its ip */
};

struct unwind_end {
	enum unwind_end_kind kind;
	uint64_t at;
	size_t depth; /* for UNWIND_END_DEPTH: the cap */
};

/* The end as the outputs say it: "" for UNWIND_END_ROOT, else "no unwind
 * info at 0x7f...", "unreadable memory at 0x7ffd...", "depth cap 8192" or
 * "loop at 0x...". Written into buf (size bytes); returns buf. */
char *unwind_end_text(const struct unwind_end *e, char *buf, size_t size);

/* Unwinds a snapshot into at most max frames, innermost first: through the
 * unwind tables (.eh_frame) where they cover an address, through the
 * kernel's signal frame (its saved registers, in the copy) where a handler
 * returns to the restorer, else one frame-pointer step (bounded by the
 * stack copy, always upwards). A direct recursion repeats return addresses
 * but never a stack pointer: only a frame whose stack pointer does not grow
 * (but across a signal frame, which may switch stacks) or that repeats an
 * (ip, stack pointer) pair ends the walk as a loop. Returns how many frames;
 * *end (unless NULL) says why there are no more. */
size_t unwinder_unwind(struct unwinder *u, const struct thread_snapshot *s,
                       struct unwind_frame *frames, size_t max, struct unwind_end *end);

/* Names frame f of a walk into out (strings owned by the caller). A return
 * address is looked up one byte earlier, inside the call that the function
 * made; a signal frame is named "<signal handler called>" (out->signal);
 * code no file holds (JIT code), from the JIT symbol map when there is one. */
void unwinder_symbolize(struct unwinder *u, const struct unwind_frame *f, struct frame_row *out);

#endif
