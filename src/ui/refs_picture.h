/* What holds a type's objects (stacktop mem --python-refs -o FILE), drawn
 * as objgraph's show_backrefs draws it: each group's example chain and each
 * cycle as boxes (one per object, named by type; the module a chain starts
 * from; the type sought highlighted) joined by arrows labelled with the
 * global, attribute, key or index. As Graphviz DOT, or as an SVG that
 * stacktop lays out itself (a column per step from the modules), so that
 * no Graphviz is needed to look at it. */
#ifndef STACKTOP_REFS_PICTURE_H
#define STACKTOP_REFS_PICTURE_H

#include "../python_refs.h"

#include <stdio.h>

/* Writes r (borrowed) to out as a Graphviz digraph. */
void refs_picture_dot(FILE *out, const struct python_refs *r);

/* Writes r (borrowed) to out as a standalone SVG document. */
void refs_picture_svg(FILE *out, const struct python_refs *r);

#endif
