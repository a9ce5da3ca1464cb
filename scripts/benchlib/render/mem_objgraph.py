"""Markdown of a mem-objgraph (`mem --python-types` and `--python-refs`
beside objgraph in the process) result."""
from .md import code, lines_of, num, table, verdict
from .mem import STOP_HEADER, stop_cells

TITLE = "`mem --python-types` and `--python-refs` against objgraph"
COMMAND = "scripts/bench mem --section objgraph"

# What each row's stacktop command is measured against.
PEER = {"types": "objgraph.most_common_types()",
        "refs": "objgraph.find_backref_chain(conn, objgraph.is_proper_module)"}
WHAT = {"types": "histogram", "refs": "chains to HxConn"}


def body(r, level):
    d = r["data"]
    out = ["A heap shaped like a leaking service (`tests/targets/python/"
           "hxheap.py N`, Debian's python3: N/4 `HxConn` instances, each with "
           "a list, in lists of 100 in a module's registry dict, and N/4 live "
           "cache entries), %s runs of each after one not counted, stacktop "
           "and objgraph alternately on the same process: objgraph runs "
           "inside it, in its main thread, told by a signal, and its time is "
           "that call's (holding the GIL throughout: the service's stall). "
           "stacktop's stop is its own measure (the first interrupt to the "
           "last detach) of one census or walk; its take is that census or "
           "walk alone, from finding the interpreter to the result; its "
           "command wall time is the whole command (the histogram's takes "
           "two censuses, one at each end of `-d 0.1`)."
           % num(r["runs"], "%d"), ""]
    out += table(["what"] + STOP_HEADER + ["objgraph ms (median, worst)",
                                           "take / objgraph",
                                           "wall / objgraph"], "lrrrrrrrr",
                 [[WHAT[x["tool"]]] + stop_cells(x) + [
                   "%.1f (%s)" % (x["objgraph_ms"],
                                  num(x["worst_objgraph_ms"])),
                   num(x["take_ratio"], "%.2f"), num(x["wall_ratio"], "%.2f")]
                  for x in d["rows"]])
    out += [""] + lines_of(*["%s: %s, against %s" % (WHAT[tool], code(cmd),
                                                     code(PEER[tool]))
                             for tool, cmd in d["commands"].items()
                             if any(x["tool"] == tool for x in d["rows"])])
    if d.get("refs_missing"):
        out += ["", "No chains rows: %s." % d["refs_missing"]]
    out += ["", "Goals (issue 17):", ""]
    out += lines_of(*["%s, %d objects: %s" % (
        WHAT[x["tool"]], x["requested"], goals(x)) for x in d["rows"]])
    return out


def goals(x):
    """A row's verdicts, with their limits."""
    g = x["goals"]
    text = "stopped %.0f ms per million (goal ≤ %g: %s)" % (
        x["per_million_ms"], g["stop"]["limit"], verdict(g["stop"]))
    if "total" in g:
        text += "; command %.2f× objgraph's call (goal ≤ %g×: %s)" % (
            x["wall_ratio"], g["total"]["limit"], verdict(g["total"]))
    return text


def summary(r):
    big = [x for x in r["data"]["rows"] if x["requested"] == 1000000]
    return [["`mem --python-%s` vs `%s` inside the process" % (
                 x["tool"], PEER[x["tool"]].split("(")[0]),
             "1M objects (hxheap.py), 3.11",
             "stopped %.0f ms; take %s ms, command %.0f ms vs %.0f ms "
             "(%s× / %.2f×)"
             % (x["stop_ms"], num(x["take_ms"], "%.0f"), x["wall_ms"],
                x["objgraph_ms"], num(x["take_ratio"], "%.2f"),
                x["wall_ratio"])]
            for x in big]
