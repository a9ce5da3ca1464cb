"""Markdown of a record-all (`record -a` against `perf record -a -g`)
result."""
from .md import code, lines_of, num, table, verdict

TITLE = "`record -a`: CPU cost against `perf record -a -g`"
COMMAND = "scripts/bench native --section record-all"


def body(r, level):
    d = r["data"]
    out = ["Two spinning targets (threads and cxxchain) keep both CPUs "
           "busy; each tool samples every process for %d s at 100 Hz of each "
           "CPU (perf: the cpu-clock event at -F 100, as stacktop's); CPU "
           "time from each tool's rusage (user + system, children included), "
           "medians of %s rounds alternating, after a warm-up round. perf "
           "record writes the samples to a file and unwinds nothing "
           "(frame-pointer chains from the kernel); by default it then reads "
           "the build-ids of every DSO sampled; stacktop unwinds each "
           "sample's stack copy with the processes' unwind tables and names "
           "its frames as it goes, and reads the Python stacks of each "
           "Python process sampled in a round (--native: not). Whatever else "
           "runs on the machine is sampled too: other work's Python "
           "processes move stacktop's cost."
           % (d["seconds"], num(r["runs"], "%d")), ""]
    out += table(["tool", "command", "CPU s (median)", "CPU s (range)",
                  "samples", "stacktop / tool"], "llrrrr",
                 [[x["tool"], code(x["command"]), num(x["cpu_s"], "%.3f"),
                   "%.3f – %.3f" % tuple(x["cpu_range_s"])
                   if x.get("cpu_range_s") else "",
                   num(x["samples"], "%d"), num(x["ratio"], "%.2f")]
                  for x in d["rows"]])
    out += [""] + lines_of(
        "record -a CPU cost: stacktop %s s, perf record -a -g %s s per %d s: "
        "%s × perf (goal ≤ %g ×: %s)"
        % (num(d["stacktop_cpu_s"], "%.3f"), num(d["perf_cpu_s"], "%.3f"),
           d["seconds"], num(d["ratio"], "%.2f"), d["goal"]["limit"],
           verdict(d["goal"])),
        "its last summary: `%s`" % d["summary"] if d.get("summary") else None)
    return out


def summary(r):
    d = r["data"]
    return [["`record -a` vs `perf record -a -g`, CPU",
             "%d s at 100 Hz of each CPU" % d["seconds"],
             "%s×" % num(d["ratio"], "%.2f")]]
