/* The live view's tree view (htop's F5): each task under its parent, the
 * siblings in the table's sort order, and the lines that draw the tree.
 *
 * Pure: it orders the rows the table already sorted and filtered (no I/O),
 * so that the order is unit-tested (test_top_table.c). */
#ifndef STACKTOP_TOP_TREE_H
#define STACKTOP_TOP_TREE_H

#include "../model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deeper rows are drawn at this depth (their order is still the tree's). */
#define TOP_TREE_MAX_DEPTH 63

/* Where a row sits: depth 0 for a root; bit k of more (k < depth) says
 * whether the row's ancestor at depth k + 1 (the row itself for k =
 * depth - 1) has a sibling after it: a line goes down past the row there. */
struct top_tree_mark {
	unsigned depth;
	uint64_t more;
};

/* Reorders rows[0..n), sorted by the table's sort, as a tree: a process
 * under its parent (ppid); in thread rows (threads), a process's main
 * thread under its parent's main thread and its other threads under its
 * main thread. A task whose parent is not listed is a root; siblings keep
 * their order in rows. Returns each row's mark, in the new order (owned,
 * free with free(); NULL when n is 0). */
struct top_tree_mark *top_tree_order(const struct task_brief **rows, size_t n, bool threads);

/* Writes the lines drawn before a row's name into buf ("" for a root):
 * "│ " or "  " for each ancestor, then "├─" or "└─" (utf8), else "| ",
 * "|-" and "`-". */
void top_tree_prefix(const struct top_tree_mark *m, bool utf8, char *buf, size_t size);

#endif
