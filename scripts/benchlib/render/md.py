"""Markdown pieces every section renderer uses. A value nobody measured
(None) is an empty cell, never 0."""


def num(x, spec="%.1f"):
    """x formatted, "" when unknown."""
    return "" if x is None else spec % x


def pct(x, spec="%.1f%%"):
    """A fraction as a percentage, "" when unknown."""
    return "" if x is None else spec % (100 * x)


def verdict(goal):
    """A goal's verdict as the tables have always said it."""
    if goal is None:
        return "not judged"
    return "met" if goal["met"] else "NOT met"


def code(text):
    """A command in backticks, "" when there is none."""
    return "`%s`" % text if text else ""


def table(header, align, rows):
    """Lines of a table: header cells, align ("l" or "r" for each column),
    rows of cells (str)."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("--:" if a == "r" else "---" for a in align) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    return lines


def lines_of(*items):
    """Lines, each ended by two spaces (a Markdown line break), as one
    paragraph."""
    return [item + "  " for item in items if item]


def heading(level, text):
    return "#" * level + " " + text


def share(s):
    """{pct, n}: "99.6% of 198868"; "n/a" when there were no samples."""
    return "n/a" if s is None else "%.1f%% of %d" % (s["pct"], s["n"])


def counts(pairs):
    """[[label, n]]: "busy:38 ×521, busy:40 ×138"."""
    return ", ".join("%s ×%d" % (label, n) for label, n in pairs or [])
