"""Markdown of a dump (native stacks) result."""
from .md import code, lines_of, num, table, verdict

TITLE = "Native stacks: `dump` against eu-stack and gdb"
COMMAND = "scripts/bench native --section dump"


def body(r, level):
    d = r["data"]
    out = ["The stallprobe target (`tests/targets/stallprobe`): one busy "
           "thread, idle threads waiting on a condition variable, and a "
           "probe thread at SCHED_FIFO sleeping 0.2 ms at a time. Medians "
           "of %s rounds, round robin, after one warm-up round. Stall: the "
           "longest time the probe could not run while the tool ran; \"no "
           "tool\" is the same probe over %g s with nothing attached (the "
           "noise floor). Wall time: from the benchmark's spawn of the tool "
           "to its exit." % (num(r["runs"], "%d"), d["noise_window_s"]), ""]
    rows = []
    for t in d["targets"]:
        for row in t["rows"]:
            rows.append([
                "%d" % t["threads"], row["tool"],
                code(row["command"]) if row["command"] else
                "(%g s, nothing attached)" % d["noise_window_s"],
                num(row["wall_ms"]), num(row["stall_ms"]),
                num(row["worst_stall_ms"]), num(row["ratio"], "%.3f")])
    out += table(["threads", "tool", "command", "wall ms", "stall ms",
                  "worst stall ms", "stacktop / tool (wall)"], "rllrrrr", rows)
    out += ["", "eu-stack attaches to one thread at a time (attach, unwind, "
            "detach): it never stops the whole process, so its stall is the "
            "probe thread's own turn, and its stacks are not one instant. "
            "gdb and stacktop stop every thread at once.", ""]
    verdicts = []
    for t in d["targets"]:
        line = ("%d threads: stacktop wall = %s × eu-stack, %s × gdb "
                "(goal ≤ %g × eu-stack: %s)" % (
                    t["threads"], num(t["ratio_eu_stack"], "%.3f"),
                    num(t["ratio_gdb"], "%.3f"), t["goal"]["limit"],
                    verdict(t["goal"])))
        if t.get("stall_goal"):
            line += ("; stacktop stall %s ms median (goal ≤ %g ms: %s)"
                     % (num(t["stall_ms"]), t["stall_goal"]["limit"],
                        verdict(t["stall_goal"])))
        if t.get("own_stop_ms") is not None:
            line += ("; stacktop's own \"stopped for\": %.1f ms median"
                     % t["own_stop_ms"])
        verdicts.append(line)
    return out + lines_of(*verdicts)


def row(t, tool):
    return next(x for x in t["rows"] if x["tool"] == tool)


def summary(r):
    ts = r["data"]["targets"]
    threads = " / ".join("{:,}".format(t["threads"]) for t in ts) + " threads"
    return [
        ["`dump` vs `eu-stack -p`, wall time", threads,
         " / ".join(num(row(t, "eu-stack")["ratio"], "%.3f×") for t in ts)],
        ["`dump` vs gdb `thread apply all bt`, wall time", threads,
         " / ".join(num(row(t, "gdb")["ratio"], "%.3f×") for t in ts)],
        ["`dump` vs gdb, target stall", threads,
         " / ".join("%s vs %s ms" % (num(row(t, "stacktop")["stall_ms"]),
                                     num(row(t, "gdb")["stall_ms"]))
                    for t in ts)
         + " (eu-stack, one thread at a time: %s ms)"
         % " / ".join(num(row(t, "eu-stack")["stall_ms"]) for t in ts)]]
