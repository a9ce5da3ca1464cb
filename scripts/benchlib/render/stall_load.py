"""Markdown of a stall-load (stalls quiet and under load) result."""
from .md import code, lines_of, num, table, verdict

TITLE = "Stall under load: dump and record stops, quiet and with CPU hogs"
COMMAND = "scripts/bench native --section stall-load"


def body(r, level):
    d = r["data"]
    out = ["The stallprobe target (100 idle threads, a busy worker, a probe "
           "thread sleeping 0.2 ms at a time at SCHED_FIFO): the longest "
           "time the probe could not run while the tool ran, medians of %s "
           "rounds (round robin, after a warm-up); \"no tool\" is %g s with "
           "nothing attached. record runs %d s at 100 Hz. \"own\": what "
           "stacktop says of its stops (dump: \"stopped for\"; record: the "
           "longest round's stop). Loaded: %d `sh -c 'while :; do :; done'` "
           "per CPU." % (num(r["runs"], "%d"), d["noise_window_s"],
                         d["record_s"], d["hogs_per_cpu"]), ""]
    out += table(["mode", "command", "quiet stall ms", "loaded stall ms",
                  "loaded / quiet", "quiet own ms", "loaded own ms"],
                 "llrrrrr",
                 [[x["mode"], code(x["command"]) or "(nothing attached)",
                   num(x["quiet_ms"], "%.2f"), num(x["loaded_ms"], "%.2f"),
                   num(x["ratio"], "%.2f"), num(x["quiet_own_ms"], "%.2f"),
                   num(x["loaded_own_ms"], "%.2f")] for x in d["rows"]])
    out += [""] + lines_of(*[
        "stall under load, %s: %s ms loaded vs %s ms quiet = %s × (goal ≤ "
        "%g ×: %s)" % (x["mode"], num(x["loaded_ms"], "%.2f"),
                       num(x["quiet_ms"], "%.2f"), num(x["ratio"], "%.2f"),
                       x["goal"]["limit"], verdict(x["goal"]))
        for x in d["rows"] if x.get("goal")])
    return out


def summary(r):
    rows = {x["mode"]: x for x in r["data"]["rows"]}
    dump = rows.get("dump")
    ptrace = rows.get("record (ptrace, STACKTOP_PERF=0)")
    if not dump or not ptrace:
        return []
    return [["stall with %d CPU hogs per CPU / quiet"
             % r["data"]["hogs_per_cpu"],
             "100 idle threads, a probe thread",
             "`dump` %s×, `record` over ptrace %s× (perf events: no stop)"
             % (num(dump["ratio"], "%.2f"), num(ptrace["ratio"], "%.2f"))]]
