/* The plain-text report: a header like top's and, per process, a thread table
 * like `top -H -p PID`. Every string from a target is sanitized. */
#ifndef STACKTOP_REPORT_TEXT_H
#define STACKTOP_REPORT_TEXT_H

#include "../model.h"

#include <stdio.h>

/* Writes r (borrowed) to out. */
void report_text_write(FILE *out, const struct report *r);

#endif
