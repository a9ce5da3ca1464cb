/* The report as JSON, schema "stacktop.report/1" (DESIGN.md, output contract). */
#ifndef STACKTOP_REPORT_JSON_H
#define STACKTOP_REPORT_JSON_H

#include "../model.h"

#include <stdio.h>

/* Writes r (borrowed) to out as one JSON document on one line. */
void report_json_write(FILE *out, const struct report *r);

#endif
