/* stacktop locks as JSON, schema "stacktop.locks/1". */
#ifndef STACKTOP_LOCKS_JSON_H
#define STACKTOP_LOCKS_JSON_H

#include "../model.h"

#include <stdio.h>

/* Writes r (borrowed) to out as one JSON document on one line. */
void locks_json_write(FILE *out, const struct locks_report *r);

#endif
