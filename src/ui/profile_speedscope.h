/* A profile as speedscope JSON (https://www.speedscope.app file format): one
 * sampled profile per thread, frames shared, stacks root first, each stack
 * weighted by its count. */
#ifndef STACKTOP_PROFILE_SPEEDSCOPE_H
#define STACKTOP_PROFILE_SPEEDSCOPE_H

#include "../profile.h"

#include <stdio.h>

void profile_speedscope_write(FILE *out, const struct profile *p);

#endif
