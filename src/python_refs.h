/* What holds the objects of one type in a Python process (stacktop mem
 * --python-refs TYPE): the shortest chains of references from the roots (the
 * modules of sys.modules) to its instances, grouped by what they look like
 * and counted, and the uncollectable cycles (gc.garbage, objects with
 * __del__ in cycles nothing reaches). probes/python_referrers fills it;
 * ui/refs_text, refs_json and refs_graph_out present it. Strings are raw
 * target text (sanitized by whoever prints them). */
#ifndef STACKTOP_PYTHON_REFS_H
#define STACKTOP_PYTHON_REFS_H

#include "model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One reference of a chain, and the object it leads to. */
struct python_refs_step {
	const char *kind; /* static: "global", "attribute", "slot", "class attribute",
	                     "value", "key", "index", "member", "cell", "__self__",
	                     "__func__" */
	char *name;       /* owned: a global's, attribute's, slot's name; NULL for the
	                     others (which a chain's group does not tell apart) */
	char *example;    /* owned: the example chain's own label: a str key's
	                     text quoted ("'abc'"), another key's type ("<int>"),
	                     an index ("3"); NULL for the other kinds */
	char *type;       /* owned: the type of the object reached */
	uint64_t address; /* of the example chain's object reached */
};

/* Chains that look alike (the same root, kinds, names and types): count
 * instances reached through them, and one of them as the example. */
struct python_refs_chain {
	uint64_t count;
	const char *root_kind;          /* static: "module", or "local" (a variable
	                                   of a thread's live frame) */
	char *root;                     /* owned: the module's name in sys.modules;
	                                   "thread T, frame F, local V" */
	char *thread, *function;        /* owned: a local's thread and function */
	char *variable;                 /* owned: a local's name; else NULL */
	uint64_t root_address;          /* the module object; the local's value */
	struct python_refs_step *steps; /* owned: from the root; the last reaches
	                                   an instance of the type sought */
	size_t nsteps;
};

/* One uncollectable cycle: its objects (types), in order, each referring to
 * the next and the last to the first, through steps[i]. */
struct python_refs_cycle {
	uint64_t count;                 /* cycles that look alike */
	const char *why;                /* static: "in gc.garbage", "__del__, unreachable" */
	struct python_refs_step *steps; /* owned: steps[i] leads from object i to
	                                   object i + 1 (the last to the first) */
	size_t nsteps;
};

struct python_refs {
	int pid;
	char *type;                       /* owned: the type sought, as given */
	char unreadable[200];             /* why nothing could be walked; "" when it was */
	uint64_t instances;               /* of the type, among the objects walked */
	uint64_t reached;                 /* of them, reached from a root */
	uint64_t roots;                   /* modules and frames' variables the walk started from */
	uint64_t references;              /* read from the objects walked */
	bool references_capped;           /* the reference bound was reached */
	uint64_t objects_not_copied;      /* objects part of whose references the
	                                     stop did not copy (a copy bound): not
	                                     followed past what was copied */
	struct python_refs_chain *chains; /* owned: the largest count first */
	size_t nchains;                   /* kept (at most the --max-chains asked) */
	size_t nchains_all;               /* found */
	struct python_refs_cycle *cycles; /* owned */
	size_t ncycles;
	size_t ncycles_all;
	struct python_types *census; /* owned: the census taken with it (the stop's
	                                times, the objects walked, partial ...) */
	struct timespec taken_at;
};

/* Frees r (NULL is a no-op). */
void python_refs_free(struct python_refs *r);

#endif
