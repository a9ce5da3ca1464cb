"""Markdown of a load (profiles on a saturated box) result."""
from .md import lines_of, num, pct, table, verdict

TITLE = "CPU profiles on a saturated box: agreement with perf, throughput loss"
COMMAND = "scripts/bench native --section load"


def body(r, level):
    d = r["data"]
    runs = num(r["runs"], "%d")
    out = ["The pool target (%d workers: ~0.1 ms in work_encode, ~0.02 ms "
           "in work_query, then a 2 ms sleep, in a loop) with a busy process "
           "on every CPU. Agreement: stacktop record -r 100 and `perf record "
           "-g` (4 kHz) on the same process over the same %d s; self shares "
           "of the leaf functions (perf's kernel symbols as one [kernel]), "
           "medians of %s runs." % (d["workers"], d["seconds"], runs), ""]
    for a in d["agreement"]:
        out += table([a["mode"], "perf", "stacktop", "points"], "lrrr",
                     [[f["function"], "%.1f%%" % f["perf_pct"],
                       "%.1f%%" % f["stacktop_pct"], "%+.1f" % f["points"]]
                      for f in a["functions"]])
        out += [""] + lines_of(
            "%s: profile agreement with perf under load: top %d functions "
            "within %.1f points; top function right in %d of %d runs; "
            "stacktop CPU %.2f s per %d s"
            % (a["mode"], d["top"], a["worst_points"], a["top_right"],
               a["runs"], a["stacktop_cpu_s"], d["seconds"]),
            "its last summary: `%s`" % a["summary"] if a.get("summary")
            else None) + [""]
    out += ["Throughput at 100 Hz (separate windows of %d s, alternating, "
            "medians of %s): no tool %.0f loops/s."
            % (d["seconds"], runs, d["no_tool_rate"]), ""]
    out += table(["mode", "loops/s", "loss", "tool CPU s"], "lrrr",
                 [[t["mode"], "%.0f" % t["rate"], pct(t["loss"]),
                   num(t["tool_cpu_s"], "%.2f")] for t in d["throughput"]])
    loss = {t["mode"]: t["loss"] for t in d["throughput"]}
    out += ["", "throughput loss at 100 Hz under load: stacktop %s, perf %s "
            "(goal ≤ perf's + %g points: %s; the no-tool windows alone "
            "spread over %s of their median)"
            % (pct(loss["stacktop (perf events)"]), pct(loss["perf record"]),
               100 * d["loss_goal"]["limit"], verdict(d["loss_goal"]),
               pct(d["noise_spread"], "%.0f%%"))]
    return out


def summary(r):
    d = r["data"]
    agree = d["agreement"][0]
    loss = {t["mode"]: t["loss"] for t in d["throughput"]}
    return [["`record -p` vs `perf record -g` on a saturated box",
             "%d workers, a hog on every CPU" % d["workers"],
             "top %d functions within %.1f points of perf's shares; "
             "throughput loss %s vs %s"
             % (d["top"], agree["worst_points"],
                pct(loss["stacktop (perf events)"]),
                pct(loss["perf record"]))]]
