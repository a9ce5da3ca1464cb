/* Making strings that come from a target safe to print on a terminal.
 *
 * comm, cmdline, file names and (later) Python names are chosen by whoever runs
 * the target; written raw they could move the cursor, retitle the window or
 * hide text. Everything from a target goes through here before a terminal. */
#ifndef STACKTOP_SANITIZE_H
#define STACKTOP_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one UTF-8 sequence at s[0..len) (len >= 1). Returns its length
 * (1..4) and stores the code point in *cp, or returns 0 if the bytes are not a
 * valid, shortest-form sequence of a scalar value. Pure. */
size_t sanitize_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Whether code point cp is one a terminal acts on instead of drawing: C0,
 * DEL, C1, the line and paragraph separators, and the bidirectional
 * controls that can reorder what is shown ("Trojan Source"). Pure. */
bool sanitize_is_control(uint32_t cp);

/* Copies in[0..len) into out (outsz bytes, always NUL-terminated), replacing
 * with '?' every C0/C1 control, DEL, invalid UTF-8 byte and bidirectional
 * override, and stopping at a code point boundary when out is full. A NUL in
 * the input is replaced too (cmdline separators are handled by the caller).
 * Returns out. */
char *sanitize_text(const char *in, size_t len, char *out, size_t outsz);

/* The number of code points in a sanitized string: its width in columns for
 * the narrow scripts we expect in names. */
size_t sanitize_width(const char *s);

#endif
