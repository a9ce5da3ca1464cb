/* The plain-text report: a header like top's and, per process, a thread table
 * like `top -H -p PID`. Every string from a target is sanitized. */
#ifndef STACKTOP_REPORT_TEXT_H
#define STACKTOP_REPORT_TEXT_H

#include "../model.h"

#include <stdio.h>

/* Writes r (borrowed) to out, no line longer than width columns (0: no
 * limit): the command and syscall columns are cut first, then the least
 * useful columns go (SHMEM, FILE, SWAP, ANON, ...; ICSW/s, VCSW/s,
 * DELAY%, ...), and what is still too long (a stack frame) is cut. */
void report_text_write(FILE *out, const struct report *r, size_t width);

#endif
