/* pprof profiles read back (stacktop diff): profile.proto, gzipped or not,
 * as `stacktop record -o FILE.pb.gz`, Go's runtime/pprof and pprof-speaking
 * profilers write it, turned into folded stacks. Pure: a buffer in, lines
 * out (zlib inflates in memory). */
#ifndef STACKTOP_PROFILE_PPROF_READ_H
#define STACKTOP_PROFILE_PPROF_READ_H

#include "profile_fold.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most bytes a profile may inflate to: a bound on what a small
 * compressed file can make us allocate. */
#define PROFILE_PPROF_MAX_SIZE ((size_t)512 << 20)

/* Whether buf[0..len) starts as gzip does (1f 8b). */
bool profile_pprof_is_gzip(const uint8_t *buf, size_t len);

/* Inflates gzip data buf[0..len) (one member, or several one after the
 * other). Returns 0 with *out (owned, free()) and *out_len; or -EINVAL with
 * *cause (owned, free()): corrupt or cut data, or more than
 * PROFILE_PPROF_MAX_SIZE bytes. */
int profile_pprof_gunzip(const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len,
                         char **cause);

/* Reads the profile in buf[0..len) (gzipped or not): a line per sample,
 * its frames root first, each location's inlined functions expanded (the
 * caller first), each function as its name, and "name (file:LINE)" when
 * its line is known (the labels of stacktop's folded Python frames, with
 * the file's base name); a sample's "process" and "thread" labels, when it
 * has them, are root frames "process NAME" and "thread NAME", as stacktop's
 * folded stacks without their ids. The count is the sample's value of type
 * "samples", else of the default sample type, else its last value (pprof's
 * default). Names are sanitized, ';' made ':'; identical stacks merged,
 * samples of 0 or less dropped. Bounded: at most 4096 locations a sample
 * and 64 functions a location are read.
 * Returns 0 with *lines (owned; free with profile_fold_free) and *n (0
 * when no sample counts); or -EINVAL with *cause (owned, free()), one line
 * saying what is wrong. */
int profile_pprof_read(const uint8_t *buf, size_t len, struct folded_line **lines, size_t *n,
                       char **cause);

#endif
