/* What holds a type's objects (stacktop mem --python-refs), as text: each
 * group of chains as one line from its module to the type, with an example
 * written as a Python expression, and the uncollectable cycles. */
#ifndef STACKTOP_REFS_TEXT_H
#define STACKTOP_REFS_TEXT_H

#include "../python_refs.h"

#include <stdio.h>

/* Writes r (borrowed) to out. */
void refs_text_write(FILE *out, const struct python_refs *r);

#endif
