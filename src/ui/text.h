/* Small helpers for plain-text renderers: sanitized columns and human sizes. */
#ifndef STACKTOP_TEXT_H
#define STACKTOP_TEXT_H

#include "../model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes raw[0..len) sanitized (see sanitize.h), cut to at most width columns
 * and, when pad is set, padded with spaces to width. */
void text_field(FILE *out, const char *raw, size_t len, size_t width, int pad);

/* Writes buf[0..len), text already sanitized, with every line cut to at most
 * width columns (a code point a column). */
void text_cut_lines(FILE *out, const char *buf, size_t len, size_t width);

/* A thread's name as a table shows it (raw: text_field sanitizes it): its
 * Python threading name with its OS name beside it when they differ,
 * "worker-3 (python3)"; the OS name alone when it has no Python name.
 * Written into buf (size bytes). Returns buf. */
char *text_thread_label(const char *os_name, const char *python_name, char *buf, size_t size);

/* The columns text_field would take for raw (a NUL-terminated string)
 * without a width: its sanitized form's (at most 255 columns). */
size_t text_width(const char *raw);

/* Formats a size in KiB as "812K", "12.3M", "1.20G"; "-" when negative
 * (unknown). Returns buf. */
char *text_kib(char *buf, size_t size, int64_t kib);

/* Formats a percentage with one decimal, or "-" when it is NAN. Returns buf. */
char *text_pct(char *buf, size_t size, double pct);

/* A task state letter from stat, or '?' when it is not a printable letter. */
char text_state(char state);

/* Formats an uptime in seconds as "3d 04:05" (days, hours, minutes);
 * NAN counts as 0. Returns buf. */
char *text_uptime(char *buf, size_t size, double seconds);

/* The file name of a path: "libc.so.6" of "/usr/lib/x86_64-linux-gnu/libc.so.6". */
const char *text_basename(const char *path);

/* Whether a and b are the same text, either or both possibly NULL (a name
 * not known): NULL is the same only as NULL. */
bool text_same(const char *a, const char *b);

/* What a thread is doing: its syscall and kernel wait channel ("read",
 * "futex (futex_wait_queue)", "pipe_read"), "running", or "-". */
void text_activity(FILE *out, const struct thread_row *t);

#endif
