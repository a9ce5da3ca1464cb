/* The snapshot model: what probes fill and renderers read.
 *
 * Plain records (they flow from probes to renderers). Strings that come from a
 * target are kept raw here; renderers sanitize or escape them. Unknown
 * numbers are NAN (rates) or -1 (sizes and counts), never a made-up value. */
#ifndef STACKTOP_MODEL_H
#define STACKTOP_MODEL_H

#include "growth.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct tasks_report; /* task_graph.h */

/* The kernel's comm is at most 15 bytes (TASK_COMM_LEN); we keep room for more
 * in case that grows, and truncate beyond. */
#define COMM_MAX 64

/* Memory of a process (smaps_rollup); -1 where absent. uss = Private_Clean +
 * Private_Dirty. */
struct mem_rollup {
	int64_t rss_kib;
	int64_t pss_kib;
	int64_t uss_kib;
	int64_t swap_kib;
};

/* Resident memory by kind: [heap], [stack], shared memory (/dev/shm, memfd:,
 * SYSV, shared anonymous), file-backed (whose anonymous copy-on-write pages
 * count as anon), or anonymous. */
enum mem_kind { MEM_HEAP, MEM_ANON, MEM_STACK, MEM_FILE, MEM_SHMEM, MEM_KINDS };
extern const char *const mem_kind_names[MEM_KINDS];
struct mem_breakdown {
	int64_t kib[MEM_KINDS];
};

struct thread_row {
	int tid;
	char name[COMM_MAX];
	char *python_name; /* owned: its threading.Thread name (a Python process), or NULL */
	char state;
	double cpu_pct; /* of one CPU, over the interval */
	double user_pct;
	double sys_pct;
	char *wchan; /* owned; NULL when unknown, "" when not waiting */
	int syscall; /* a number, or a SYSCALL_* value (syscall_names.h) */
	double ctxsw_voluntary_per_s;
	double ctxsw_involuntary_per_s;
	double run_delay_pct;       /* time spent waiting for a CPU, % of the interval */
	struct thread_stack *stack; /* owned; taken for report --stacks, else NULL */
};

/* One task as the live view lists it: only what every sample reads for every
 * task anyway, so that a table of thousands costs no file more. */
struct task_brief {
	int pid;
	int tid;             /* the pid itself for a process */
	char state;          /* '?' when this sample did not read it (threads under taskstats) */
	bool kernel;         /* a kernel thread: no user stack, no command line */
	char name[COMM_MAX]; /* the thread's name (a process's: its comm), raw */
	char comm[COMM_MAX]; /* its process's name, raw */
	double cpu_pct;      /* since the baseline, as in a report; NAN unknown */
	double user_pct;
	double sys_pct;
	uint64_t cpu_time_us; /* since the task started */
	int64_t rss_kib;      /* its process's resident memory; -1 unknown */
	int64_t nthreads;     /* its process's threads */
	int ppid;             /* its process's parent (0: none, or unknown) */
	int nice;             /* the task's nice, -20..19 */
	int64_t uid;          /* its process's owner (effective uid); -1 unknown */
};

struct mem_row {
	int64_t rss_kib;
	int64_t anon_kib;
	int64_t file_kib;
	int64_t shmem_kib;
	int64_t swap_kib;
};

/* What a dump found of a process's CPython. */
struct python_info {
	char version[16];     /* "3.11.7" for a Python process, else "" */
	bool free_threaded;   /* built without the GIL (3.13t and later): no holder */
	char unreadable[160]; /* why its Python frames are missing, "" when read */
	const char *found_by; /* struct python_target's, or NULL */
};

struct process_row {
	int pid;
	int64_t uid;
	char user[33]; /* "" when the uid has no name */
	char comm[COMM_MAX];
	char *cmdline; /* owned, raw bytes with NULs turned into spaces; NULL if unknown */
	size_t cmdline_len;
	double cpu_pct;
	double user_pct;
	double sys_pct;
	int64_t thread_count;
	struct mem_row mem;
	struct thread_row *threads; /* owned, hottest first */
	size_t nthreads;            /* rows listed (may be fewer than thread_count) */
	struct python_info *python; /* owned; report --stacks of a Python process */
	double stopped_ms;          /* report --stacks: the stop for its stacks */
};

/* The per-CPU meters the live view shows (key 1): the first ones only on a
 * machine with more CPUs than a screen has lines. */
#define SYSTEM_CPU_METERS 256

/* One CPU's time over the interval, in percent of that CPU. */
struct cpu_meter {
	double user_pct; /* user and nice */
	double sys_pct;  /* system, irq and softirq */
};

struct system_row {
	double user_pct; /* of all CPUs, over the interval */
	double sys_pct;
	double nice_pct;
	double iowait_pct;
	double steal_pct;
	double idle_pct;
	int ncpus;
	double load[3];
	double uptime_s;
	int64_t mem_total_kib;
	int64_t mem_used_kib;
	int64_t mem_available_kib;
	int64_t swap_total_kib;
	int64_t swap_used_kib;
	const char *thread_source; /* "taskstats" or "stat": where thread counters came from */
	size_t processes;
	size_t threads;
	int64_t running;    /* runnable tasks on the whole machine; -1 unknown */
	size_t ncpu_meters; /* CPUs 0..ncpu_meters of /proc/stat, in order */
	struct cpu_meter cpu_meters[SYSTEM_CPU_METERS];
};

/* --tree (report and the live view): the sums of a process tree's
 * processes, and its hottest. */
struct report_tree {
	int root;                    /* the process given; 0: the report is not of a tree */
	size_t process_count;        /* processes of the tree (the rows) */
	double cpu_pct;              /* their CPU summed, of one CPU */
	int64_t rss_kib;             /* their resident memory summed (copy-on-write pages
	                                shared by workers count in each) */
	int64_t pss_kib;             /* their proportional set size summed (shared pages
	                                split between their sharers); -1 when some
	                                process's could not be read */
	int hottest_pid;             /* the process using the most CPU; 0 none */
	char hottest_comm[COMM_MAX]; /* its name, raw */
	double hottest_cpu_pct;
	bool capped; /* --max-processes left some out */
	size_t cap;  /* --max-processes */
};

struct report {
	struct timespec taken_at; /* wall clock at the end of the interval */
	struct report_tree tree;  /* root 0 unless --tree */
	double interval_s;
	struct system_row system;
	struct process_row *procs; /* owned, hottest first */
	size_t nprocs;
};

/* One type of the Python object histogram: the objects the collector
 * tracks whose type is called name. */
struct python_type_row {
	char *name;           /* owned: tp_name, raw; "<unreadable>" when it could not be read */
	uint64_t count;       /* objects */
	uint64_t bytes;       /* their own size as sys.getsizeof says (__sizeof__ and
	                         the collector's header, without what they point to;
	                         probes/python_sizeof) */
	uint64_t size_errors; /* objects counted whose size could not be read
	                         or was implausible: not in bytes */
};

/* CPython's collector has 3 generations (2.7 to 3.13). */
#define PYTHON_TYPES_GENERATIONS 3

/* A Python process's collector and its objects by type (stacktop mem
 * --python-types; probes/python_types fills it). */
struct python_types {
	char version[16];
	char unreadable[200]; /* why no object could be counted; "" when they were */
	int ngenerations;     /* 0 when the collector's state was not found */
	int64_t gc_count[PYTHON_TYPES_GENERATIONS];
	int64_t gc_threshold[PYTHON_TYPES_GENERATIONS];
	int64_t garbage;               /* len(gc.garbage); -1 when unknown */
	int64_t frozen;                /* objects in the permanent generation (gc.freeze,
	                                  3.7+); -1 when the version has none */
	int collecting;                /* 1 when a collection was running; 0; -1 unknown */
	uint64_t objects;              /* objects walked, all lists */
	struct python_type_row *types; /* owned: largest count first */
	size_t ntypes;
	uint64_t size_errors;   /* all rows' */
	double stopped_ms;      /* how long the target was stopped, all attempts */
	double longest_stop_ms; /* the longest of those stops */
	double max_stop_ms;     /* the bound of all stops together */
	int attempts;           /* walks made: one more each time the lists were
	                           caught changing (a collection running) */
	double total_ms;        /* the whole take, stop and naming included */
	double taken_s;         /* CLOCK_MONOTONIC seconds when the stop whose walk was
	                           counted began: two censuses' distance; 0 unknown */
	size_t threads_not_stopped;
	bool partial;
	const char *partial_reason; /* static; "" when complete */
};

/* stacktop mem --tree: each process's memory (smaps_rollup) and the
 * tree's summed. PSS is the sum that means something: a preforked
 * worker's copy-on-write pages count whole in each one's RSS. */
struct mem_tree_row {
	int pid;
	char comm[COMM_MAX]; /* raw */
	struct mem_rollup rollup;
};
struct mem_tree {
	int root;
	struct timespec taken_at;
	struct mem_tree_row *rows; /* owned, the root first, then breadth first */
	size_t nrows;
	struct mem_rollup sum; /* of the rows (an unknown field counts 0) */
	bool capped;           /* --max-processes left some out */
};

/* One process's memory (stacktop mem). */
struct mem_report {
	int pid;
	char comm[COMM_MAX];
	struct mem_rollup rollup;       /* rss, pss, uss, swap */
	struct mem_breakdown breakdown; /* resident KiB by kind */
	struct growth growth;           /* of RssAnon over the window */
	int64_t anon_first_kib;
	int64_t anon_last_kib;
	size_t samples;
	/* --python-types: a census at each end of the window (owned,
	 * python_types_free; NULL unless asked). python is the end's;
	 * python_before the start's, NULL when only one was taken. */
	struct python_types *python;
	struct python_types *python_before;
	size_t python_top;        /* how many types to show */
	struct timespec taken_at; /* wall clock at the end of the window */
};

/* One stack frame, innermost first in a stack. */
/* One argument or local variable of a Python frame (dump --locals): its
 * name, its value's type name and a bounded repr (probes/python_repr), all
 * owned and raw from the target: sanitize them before showing them. */
struct frame_local {
	char *name, *type, *repr;
};

struct frame_row {
	bool python; /* a Python frame: function, file and line; no ip */
	uint64_t ip;
	char *function;  /* owned; NULL when no symbol covers ip */
	uint64_t offset; /* into function, or into module when function is NULL */
	char *module;    /* owned: the mapped path; NULL when not in a file */
	char *file;      /* owned: a Python frame's source file; NULL if unknown */
	int line;        /* a Python frame's line; 0 when unknown */
	uint64_t sp;     /* a native frame's stack pointer (its locals are from
	                    there to its caller's); 0 when unknown */
	bool signal;     /* the kernel's signal frame: function is
	                    "<signal handler called>", as gdb names it */
	/* A Python frame's arguments and locals, when they were asked for
	 * (has_locals): nlocals of them (owned), and how many more the bounds
	 * left out (locals_omitted). */
	bool has_locals;
	struct frame_local *locals;
	size_t nlocals, locals_omitted;
};

/* Frees n locals, their strings and the array. */
void frame_locals_free(struct frame_local *locals, size_t n);

/* Frees a frame's strings (not the frame). */
void frame_row_clear(struct frame_row *f);

/* Frees frames rows[0..n), their strings and the array. */
void frame_rows_free(struct frame_row *rows, size_t n);

/* One thread of stacktop dump. */
struct thread_stack {
	int tid;
	char name[COMM_MAX];
	char state;
	int err; /* 0, or why there is no stack: -ESRCH gone, -ETIMEDOUT did not stop */
	struct frame_row *frames; /* owned */
	size_t nframes;
	/* Why the native walk stopped short of the thread's root ("no unwind
	 * info at 0x...", "unreadable memory at 0x...", "depth cap 8192",
	 * "loop at 0x..."); "" when it reached it. */
	char cut[64];
	bool python;       /* the thread runs Python (it has a thread state) */
	char *python_name; /* owned: its threading.Thread name, or NULL */
	int holds_gil;     /* 1 or 0 for a Python thread, -1 unknown */
	/* When the Python frames did not line up with the native ones: frames
	 * holds the Python stack, and these the native one (owned). */
	struct frame_row *native_frames;
	size_t nnative;
};

/* stacktop dump: every thread's stack, and how long the target was stopped. */
struct dump_report {
	int pid;
	char comm[COMM_MAX];
	struct python_info python;
	double stopped_ms;
	struct timespec taken_at;     /* wall clock when the stacks were taken */
	size_t skipped;               /* threads that did not stop in time */
	struct thread_stack *threads; /* owned */
	size_t nthreads;
	int gil_holder; /* a Python process: the TID holding the GIL, among all its
	                   threads (not only those listed); 0 none or unknown */
	/* What would name more frames, in one line ("" none): a JVM without
	 * a JIT symbol map is told how to make one. */
	char hint[160];
	/* dump --tasks: the process's asyncio tasks, each task's loop_tid a
	 * thread of threads or 0 (its loop not running); owned, NULL when not
	 * asked for. */
	struct tasks_report *tasks;
};

/* What a blocked thread waits for (stacktop locks). kind is the contract's
 * ("mutex", "rwlock-write", "rwlock-read", "other"); detail says more. */
enum lock_kind { LOCK_MUTEX, LOCK_RWLOCK_WRITE, LOCK_RWLOCK_READ, LOCK_OTHER };

enum lock_detail {
	LOCK_DETAIL_MUTEX,        /* a pthread mutex: owner from its __owner */
	LOCK_DETAIL_PI_MUTEX,     /* priority inheritance: owner in the futex word */
	LOCK_DETAIL_ROBUST_MUTEX, /* robust: owner in the futex word */
	LOCK_DETAIL_LIBC_LOCK,    /* one of glibc's own locks (malloc, stdio): no owner */
	LOCK_DETAIL_RWLOCK,       /* a pthread rwlock */
	LOCK_DETAIL_CONDVAR,      /* a condition variable: no owner */
	LOCK_DETAIL_SEMAPHORE,    /* a POSIX semaphore: no owner */
	LOCK_DETAIL_GIL,          /* CPython's global interpreter lock */
	LOCK_DETAIL_PYTHON_LOCK,  /* a threading.Lock: no owner by design */
	LOCK_DETAIL_PYTHON_RLOCK, /* a threading.RLock */
	LOCK_DETAIL_FUTEX,        /* a futex we could not classify */
	LOCK_DETAIL_SYSCALL,      /* another blocking syscall (read, poll, sleep…) */
	LOCK_DETAILS
};

struct lock_wait {
	int tid;
	char name[COMM_MAX]; /* raw, from stat */
	enum lock_kind kind;
	enum lock_detail detail;
	int syscall;               /* its number (see syscall_names.h) */
	uint64_t address;          /* the lock object (mutex, rwlock; the futex word of a
	                              condvar or semaphore); 0 when no lock */
	uint64_t futex;            /* the futex word waited on; 0 when not a futex wait */
	int owner;                 /* the owner's TID, a live thread of the process; 0 unknown */
	char owner_name[COMM_MAX]; /* raw, from its stat; "" when unknown */
	char *owner_python_name;   /* owned, raw: the owner's threading name when
	                              its stack was not taken (it was not
	                              blocked), or NULL */
	int claimed_owner;         /* the owner the lock names, even a TID that is not a
	                              live thread of the process (it exited holding it); 0 none */
	int64_t readers;           /* an rwlock held for reading: by how many; -1 unknown */
	int fd;                    /* the fd it waits on (read, recv; the first of a poll
	                              or select; an epoll_wait's epoll fd); -1 none */
	char *fd_target;           /* owned: where the fd points (readlink), or NULL */
	struct lock_fd *fds;       /* owned: every fd it waits on (read: that one; poll,
	                              select, epoll_wait: those watched), at most
	                              LOCKS_FDS_MAX; NULL none */
	size_t nfds;
	size_t fds_total; /* how many fds it waits on in all (nfds or more) */
};

/* One fd a thread waits on. */
struct lock_fd {
	int fd;
	char *target; /* owned: where it points (readlink), raw, or NULL */
};

/* A cycle of the wait-for graph: each thread waits for a lock the next
 * one holds, and the last for one the first holds. */
struct lock_cycle {
	int *tids; /* owned */
	size_t n;
};

/* stacktop locks: what the blocked threads of a process wait for, and the
 * deadlocks among them. */
struct locks_report {
	int pid;
	char comm[COMM_MAX];
	size_t nthreads;         /* threads of the process */
	struct lock_wait *waits; /* owned: one per blocked thread */
	size_t nwaits;
	struct lock_cycle *cycles; /* owned */
	size_t ncycles;
	struct dump_report *stacks; /* owned: the blocked threads' stacks; NULL when
	                              they could not be taken (then stacks_err) */
	int stacks_err;
	struct timespec taken_at; /* wall clock when the waits were read */
};

/* Sets m's growth from RssAnon samples s (at least one), fitted in
 * `windows` windows: the fit, the sample count, the first and last values. */
void mem_report_set_growth(struct mem_report *m, const struct growth_series *s, size_t windows);

/* Frees a thread row's strings and stack (not the row). */
void thread_row_clear(struct thread_row *t);

/* Starts the sums of the tree of root (capped: whether cap left some out):
 * no process yet, PSS 0 until one is unknown. */
void report_tree_begin(struct report_tree *t, int root, size_t cap, bool capped);

/* Adds a process of the tree: its CPU (NAN unknown: counts 0) and resident
 * memory (-1 unknown: counts 0); the hottest so far is kept. comm is
 * copied. */
void report_tree_add(struct report_tree *t, int pid, const char *comm, double cpu_pct,
                     int64_t rss_kib);

/* Adds a process's PSS (-1: unknown, which makes the sum unknown). */
void report_tree_add_pss(struct report_tree *t, int64_t pss_kib);

/* Frees a report's contents and the report; report_free(NULL) is a no-op. */
void report_free(struct report *r);

/* Frees a thread's frames (not the struct itself). */
void thread_stack_clear(struct thread_stack *t);

/* Frees a dump, its threads and frames; dump_report_free(NULL) is a no-op. */
void dump_report_free(struct dump_report *d);

/* Frees a locks report and all it holds; locks_report_free(NULL) is a no-op. */
void locks_report_free(struct locks_report *r);
/* Frees t and its rows; NULL is a no-op. */
void python_types_free(struct python_types *t);

/* The contract's name of a kind ("mutex", "rwlock-write", "rwlock-read",
 * "other") and a short name of a detail ("pi-mutex", "condvar", "gil"…). */
const char *lock_kind_name(enum lock_kind kind);
const char *lock_detail_name(enum lock_detail detail);

/* The stack of thread tid in d, or NULL when d has none for it. */
const struct thread_stack *dump_report_thread(const struct dump_report *d, int tid);

#endif
