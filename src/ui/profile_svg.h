/* A profile as a self-contained SVG flame graph: roots at the bottom, each
 * frame as wide as its share of the samples, a tooltip per frame, no script
 * and nothing fetched. Opens in any browser. */
#ifndef STACKTOP_PROFILE_SVG_H
#define STACKTOP_PROFILE_SVG_H

#include "../profile.h"

#include <stdio.h>

void profile_svg_write(FILE *out, const struct profile *p);

#endif
