/* A profile as a self-contained SVG flame graph: roots at the bottom, each
 * frame as wide as its share of the samples, coloured by its kind (Python,
 * native, interpreter, kernel), a tooltip per frame, and a script of its own
 * (nothing fetched): click a frame to zoom into it, search to highlight
 * frames by name with the share of samples they hold. Opens in any
 * browser. */
#ifndef STACKTOP_PROFILE_SVG_H
#define STACKTOP_PROFILE_SVG_H

#include "../profile.h"

#include <stdbool.h>
#include <stdio.h>

/* per_thread: a tower per thread, under its name (else the threads that run
 * the same code share one). */
void profile_svg_write(FILE *out, const struct profile *p, bool per_thread);

#endif
