/* The plain-text report: a header like top's and, per process, a thread table
 * like `top -H -p PID`. Every string from a target is sanitized. */
#ifndef STACKTOP_REPORT_TEXT_H
#define STACKTOP_REPORT_TEXT_H

#include "../model.h"

#include <stdbool.h>
#include <stdio.h>

/* Writes r (borrowed) to out, no line longer than width columns (0: no
 * limit): the command and syscall columns are cut first, then the least
 * useful columns go (SHMEM, FILE, SWAP, ANON, ...; ICSW/s, VCSW/s,
 * DELAY%, ...), and what is still too long (a stack frame) is cut. */
void report_text_write(FILE *out, const struct report *r, size_t width);

/* The line that sums a process tree (--tree), sanitized, without newline:
 * "TREE PID: N processes[ (capped by --max-processes N)], CPU C%, RSS R,
 * PSS P, hottest PID (NAME) C%"; sizes in KiB ("123 KiB") for a report,
 * human (text_kib: "12.3M") when human. Written into buf (size bytes).
 * Returns buf. */
char *report_text_tree_line(const struct report_tree *t, bool human, char *buf, size_t size);

#endif
