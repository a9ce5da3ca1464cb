"""Markdown of a mem (`mem --python-types`) result."""
from .md import code, heading, lines_of, num, table, verdict

TITLE = "`mem --python-types`"
COMMAND = "scripts/bench mem --section types"


def minor(label):
    """"3.11" of "3.11.2 (/usr/bin/python3)"."""
    return ".".join(label.split()[0].split(".")[:2])


# The columns of a stacktop census (or walk) both mem tables show.
STOP_HEADER = ["objects walked", "stopped ms (median, worst)",
               "stopped per million", "take ms", "command wall ms"]


def stop_cells(x):
    """A row's cells under STOP_HEADER."""
    return ["%d" % x["objects"],
            "%.1f (%s)" % (x["stop_ms"], num(x["worst_stop_ms"])),
            "%.0f ms" % x["per_million_ms"], num(x["take_ms"]),
            num(x["wall_ms"])]


def body(r, level):
    d = r["data"]
    out = ["The object histogram of a Python process holding N instances of "
           "one class (`tests/targets/python/objects.py N`), %s runs each: "
           "the time the target was stopped (stacktop's own measure, from "
           "the first interrupt to the last detach), the take (find the "
           "interpreter, stop, walk, resume, name the types) and the whole "
           "command; for reference, `Counter(type(o).__name__ for o in "
           "gc.get_objects())` run inside the same interpreter (what "
           "objgraph.most_common_types() does, holding the GIL)."
           % num(r["runs"], "%d"), ""]
    out += table(["Python"] + STOP_HEADER + ["inside the process ms"],
                 "lrrrrrr",
                 [[x["python"]] + stop_cells(x)
                  + [num(x["inside_ms"]) or "failed"]
                  for x in d["rows"]])
    out += ["", "Command: %s (`-d 0.1`: the growth window of `mem` is part "
            "of the command's wall time, not of the take)." % code(
                d["command"]), "", heading(level + 1, "Goals"), ""]
    out += lines_of(*["Python %s, %d objects: stopped %.0f ms per million "
                      "objects; goal (≤ %g ms per million) %s" % (
                          x["python"], x["requested"], x["per_million_ms"],
                          x["goal"]["limit"], verdict(x["goal"]))
                      for x in d["rows"]])
    return out


def summary(r):
    big = [x for x in r["data"]["rows"] if x["requested"] == 1000000]
    if not big:
        return []
    return [["`mem --python-types` stop vs the same census inside the "
             "process",
             "1M objects, %s" % " / ".join(minor(x["python"]) for x in big),
             " / ".join("%.0f vs %s ms" % (x["stop_ms"],
                                           num(x["inside_ms"], "%.0f") or "?")
                        for x in big)
             + " (inside, it runs Python and holds the GIL)"]]
