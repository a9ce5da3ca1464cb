/* stacktop locks as plain text: every blocked thread and what it waits for,
 * then each deadlock the way jstack reports one, with the stacks of its
 * threads. Every string from the target is sanitized. */
#ifndef STACKTOP_LOCKS_TEXT_H
#define STACKTOP_LOCKS_TEXT_H

#include "../model.h"

#include <stdio.h>

/* Writes r (borrowed) to out. */
void locks_text_write(FILE *out, const struct locks_report *r);

#endif
