/* JIT symbol maps: /tmp/perf-PID.map, the text file that JIT runtimes write
 * for perf (node --perf-basic-prof, a JVM after `jcmd PID Compiler.perfmap`,
 * CPython -X perf). One line per piece of generated code,
 * "START SIZE name" with START and SIZE in hex (with or without 0x), the
 * name the rest of the line; see perf's Documentation/jit-interface.txt.
 * Runtimes append to it as they compile: a map is read in pieces, each
 * new piece parsed from where the last complete line ended.
 *
 * A pure parser: the file is untrusted (anyone may write to /tmp), so
 * lines, names and the number of entries are bounded. */
#ifndef STACKTOP_PERFMAP_H
#define STACKTOP_PERFMAP_H

#include <stddef.h>
#include <stdint.h>

/* At most this many entries are kept, and names this long. */
#define PERFMAP_MAX_ENTRIES (1u << 22)
#define PERFMAP_MAX_NAME    512

struct perfmap_entry {
	uint64_t start;
	uint64_t size;
	uint32_t seq; /* order in the file: a later entry for the same code wins */
	char *name;   /* owned */
};

struct perfmap {
	struct perfmap_entry *entries; /* owned; sorted by start, then seq,
	                                  after perfmap_parse */
	size_t n, cap;
	uint32_t next_seq;
};

/* Parses the complete lines of buf[0..len) into m (zeroed the first time),
 * adding to what it holds. Malformed lines are skipped. Returns how many
 * bytes were consumed: up to and including the last newline (a partial
 * last line is parsed with the next piece). */
size_t perfmap_parse(struct perfmap *m, const char *buf, size_t len);

/* The name of the code at addr, borrowed until the next perfmap_parse or
 * perfmap_clear, with *offset the distance from its start; NULL when no
 * entry covers addr. Where entries overlap (code freed and the memory
 * reused), the one written last wins. */
const char *perfmap_lookup(const struct perfmap *m, uint64_t addr, uint64_t *offset);

/* Frees what m holds and empties it; m itself is the caller's. */
void perfmap_clear(struct perfmap *m);

#endif
