"""Markdown of a sampling (overhead at 100 Hz) result."""
from .md import code, lines_of, num, pct, table, verdict

TITLE = "Sampling overhead at 100 Hz: `record` against `perf record -g`"
COMMAND = "scripts/bench native --section sampling"


def rng(pair, spec):
    return "" if not pair else spec % tuple(pair)


def body(r, level):
    d = r["data"]
    out = []
    for nm in d.get("trial_failed") or []:
        out += ["%s: not measured: %s" % (nm["mode"], nm["why"]), ""]
    out += ["%s: 1 busy worker, 100 idle, main (no probe thread). Each tool samples for %d s; the worker's iterations are "
            "counted from %.1f s to %.1f s after it starts. %s rounds "
            "alternating the modes; loss is the median over rounds of "
            "1 − rate / the same round's no-tool rate. \"on CPU\": the "
            "worker's CPU time over the window (other work on the machine "
            "takes it too); \"stopped\": the part of the window it was "
            "neither on a CPU nor waiting for one, i.e. held stopped (from "
            "its schedstat; the rest of the loss is contention and the cost "
            "of sampling while it runs)."
            % ("%d threads" % d["threads"] if d.get("threads") else
               "The target's threads", d["record_s"],
               d["settle_s"], d["settle_s"] + d["window_s"],
               num(r["runs"], "%d")), ""]
    out += table(["mode", "command", "Miter/s (median)", "Miter/s (range)",
                  "loss (median)", "loss (range)", "on CPU", "stopped",
                  "tool CPU s", "failed"], "llrrrrrrrr",
                 [[row["mode"], code(row["command"]),
                   num(row["rate_miter_s"]),
                   rng(row["rate_range_miter_s"], "%.1f – %.1f"),
                   pct(row["loss"]),
                   rng(row["loss_range"] and [100 * x for x in
                                              row["loss_range"]],
                       "%.1f – %.1f%%"),
                   pct(row["on_cpu"], "%.0f%%"), pct(row["stopped"]),
                   num(row["tool_cpu_s"], "%.2f"),
                   "%d of %s" % (row["failed"], num(r["runs"], "%d"))
                   if row["failed"] is not None else ""]
                  for row in d["rows"]])
    st = d.get("stacktop")
    said = ["failed: `%s`" % f for f in d.get("failures") or []]
    if st:
        said.append("stacktop record: throughput loss %s (goal ≤ %s: %s; "
                    "the no-tool windows alone spread over %s of their "
                    "median); the worker was held stopped %s of the time"
                    % (pct(st["loss"]), pct(st["goal"]["limit"], "%.0f%%"),
                       verdict(st["goal"]), pct(st["noise_spread"], "%.0f%%"),
                       pct(st["held"])))
        if st.get("summary"):
            said.append("its last summary: `%s`" % st["summary"])
    if d.get("perf_loss") is not None:
        said.append("perf record -g: throughput loss %s" % pct(d["perf_loss"]))
    out += [""] + lines_of(*said)
    probe = d.get("probe")
    if probe and probe.get("stalls"):
        out += ["", "With the probe thread added (it wakes every 0.2 ms and "
                "runs a few microseconds each time), the longest it could "
                "not run in one %.0f s window: " % d["window_s"] + ", ".join(
                    "%s %s" % (s["mode"], "failed (%s)" % s["error"]
                               if s["error"] else "%.1f ms" % s["stall_ms"])
                    for s in probe["stalls"]) + "."]
        if probe.get("summary"):
            out += ["stacktop record's summary there: `%s`" % probe["summary"]]
    return out


def summary(r):
    rows = {x["mode"]: x for x in r["data"]["rows"]}
    st, perf = rows.get("stacktop record"), rows.get("perf record")
    if not st or not perf:
        return []
    return [["`record -p` vs `perf record -g`, 100 Hz",
             "1 busy + 100 idle threads",
             "target throughput loss %s vs %s; tool CPU %s vs %s s"
             % (pct(st["loss"]), pct(perf["loss"]),
                num(st["tool_cpu_s"], "%.2f"),
                num(perf["tool_cpu_s"], "%.2f"))]]
