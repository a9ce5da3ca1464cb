/* Shell completion: the scripts for bash, zsh and fish, written from the
 * commands' option tables, so that they cannot drift from --help. The
 * hidden command `stacktop completion SHELL` prints one; meson installs
 * them. */
#ifndef STACKTOP_COMPLETION_H
#define STACKTOP_COMPLETION_H

#include "cli.h"

#include <stddef.h>
#include <stdio.h>

/* Writes to out the completion script of shell ("bash", "zsh" or "fish")
 * for the n commands cmds (borrowed): each command's options, their values
 * (PIDs for -p, the choices, files for FILE) and `help COMMAND`. Returns 0,
 * or -1 when shell is not one it knows. */
int completion_write(FILE *out, const char *shell, const struct cmd_entry *const *cmds, size_t n);

#endif
