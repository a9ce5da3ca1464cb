/* The search for a stripped module's separate debug file: by its build-id
 * under /usr/lib/debug/.build-id, then by its .gnu_debuglink beside the
 * file, in .debug/ there and under /usr/lib/debug.
 *
 * The search makes the candidate paths, as the target sees its files; a
 * callback given by the caller opens each one. module_debug_open opens
 * them as they are, or under a root first: a process in a container has
 * its own /usr/lib/debug, and debug files beside its own binaries, which
 * we see under /proc/PID/root. */
#ifndef STACKTOP_MODULE_DEBUG_H
#define STACKTOP_MODULE_DEBUG_H

#include "module.h"

#include <stdbool.h>

/* Finds the debug file of m, a module with a build-id or a .gnu_debuglink
 * (module_build_id, module_debuglink). path is where m's file lives as the
 * target sees it (e.g. /usr/lib/libc.so.6): debuglink names are relative
 * to its directory. Each candidate path is given in turn to
 * opener(arg, candidate, out), which returns 0 and an owned module, or
 * -errno to go on to the next candidate; the build-id's file is taken as it
 * opens, a debuglink's only when it has a .symtab. Returns 0 and the owned
 * module taken (*out), or -ENOENT when none was (*out NULL). */
int module_debug_find(const struct module *m, const char *path,
                      int (*opener)(void *arg, const char *candidate, struct module **out),
                      void *arg, struct module **out);

/* An opener for module_debug_find: the candidate under root (a string, e.g.
 * "/proc/PID/root"; arg) when root is not NULL, then as it is (in our own
 * root). Returns 0 and an owned module, or the -errno of the last open. */
int module_debug_open(void *root, const char *candidate, struct module **out);

/* True when root (e.g. "/proc/PID/root") is another directory than our own
 * "/" (device and inode): the process is in a container, or chrooted.
 * False when it is ours, or cannot be looked at (no permission, the
 * process gone, a fixture tree): the search then looks in our root alone,
 * as it always did. */
bool module_debug_other_root(const char *root);

#endif
