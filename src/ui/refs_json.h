/* What holds a type's objects (stacktop mem --python-refs --json), schema
 * "stacktop.refs/1". */
#ifndef STACKTOP_REFS_JSON_H
#define STACKTOP_REFS_JSON_H

#include "../python_refs.h"

#include <stdio.h>

/* Writes r (borrowed) to out as one JSON document on one line: pid, type,
 * instances, reached, roots, references, references_capped, chains[]
 * {count, root, root_address, steps[] {kind, name, example, type,
 * address}}, chains_total, cycles[] {count, why, steps[]}, cycles_total,
 * unreadable, and python {version, objects and the census's stop:
 * stopped_ms ... as stacktop.mem/1's python}. */
void refs_json_write(FILE *out, const struct python_refs *r);

#endif
