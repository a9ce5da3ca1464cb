/* What holds a type's objects in a live Python process, from outside
 * (stacktop mem --python-refs TYPE): one census (python_types) that, while
 * the target is stopped, also records each tracked object's references
 * (python_referents) and sys.modules, the roots; then, with the target
 * running again, one breadth-first walk of that copy (refs_graph) finds the
 * shortest chain from a module to every instance of TYPE, and the chains
 * are grouped and named. */
#ifndef STACKTOP_PYTHON_REFERRERS_H
#define STACKTOP_PYTHON_REFERRERS_H

#include "../python_refs.h"
#include "procfs.h"
#include "python_types.h"

#include <stddef.h>
#include <stdint.h>

/* The most references recorded in one stop (24 bytes each): beyond it the
 * objects are still walked and counted, their references not read, and
 * the answer says it is partial. */
#define PYTHON_REFERRERS_MAX_REFS ((uint64_t)32 << 20)
/* The longest chain followed, in references. */
#define PYTHON_REFERRERS_MAX_DEPTH 48
/* Chain groups kept unless --max-chains says otherwise. */
#define PYTHON_REFERRERS_CHAINS_DEFAULT 10

/* Finds what holds pid's objects of type type (its tp_name, or
 * module.Name): lim as python_types_take (NULL: the defaults; its visitor
 * is ours). Keeps the max_chains largest groups of chains. Returns 0 and
 * an owned *out (python_refs_free), with out->unreadable set when nothing
 * could be walked (a free-threaded build); or python_types_take's errors. */
int python_referrers_take(const struct procfs *fs, int pid, const char *type, size_t max_chains,
                          const struct python_types_limits *lim, struct python_refs **out);

#endif
