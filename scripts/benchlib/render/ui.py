"""Markdown of a ui (live view) result."""
from .. import results
from .md import num, table, verdict

TITLE = "Live view: against top -H and htop"
COMMAND = "scripts/bench ui"


def body(r, level):
    d = r["data"]
    out = ["Target: `threads 5000`%s; each tool in its own detached tmux "
           "session at 80×24 under `script` (which records every byte "
           "written to the terminal), all three at once, refreshing every "
           "second; %d s measured after %d s of warm-up, %s run(s), the "
           "median counts. stacktop watches the whole machine and takes the "
           "selected (hot) thread's stack every refresh."
           % (" (%d threads)" % d["threads"] if d.get("threads") else "",
              d["period_s"], d["warmup_s"], num(r["runs"], "%d")), ""]
    out += table(["tool", "CPU per refresh", "vs top -H", "RSS", "peak RSS",
                  "bytes/s to the terminal", "vs top -H"], "lrrrrrr",
                 [[row["tool"], num(row["cpu_ms"], "%.1f ms"),
                   num(row["ratio_cpu"], "%.3f×"),
                   num(row["rss_kib"] and row["rss_kib"] / 1024, "%.1f MiB"),
                   num(row["hwm_kib"] and row["hwm_kib"] / 1024, "%.1f MiB"),
                   num(row["bytes_s"], "%.0f"),
                   num(row["ratio_bytes"], "%.2f×")] for row in d["rows"]])
    fs = d["first_screen"]
    if fs.get("ms"):
        each = " (%s)" % ", ".join("%.0f" % x for x in fs["ms"])
    elif fs.get("range"):
        each = " (%.0f–%.0f)" % tuple(fs["range"])
    else:
        each = ""
    out += ["", "First screen (header, table and the pane's title drawn), "
            "after script started stacktop: median %s ms over %d starts%s; "
            "the hot thread's stack in the pane: median %s ms."
            % (num(fs["median"], "%.0f") or "-", fs["starts"], each,
               num(d["first_stack_ms"], "%.0f") or "-"), ""]
    st = row_of(d, "stacktop")
    g = d["goals"]
    out += ["Goals: CPU ≤ %g× top's: %s (%s×); RSS ≤ %g MiB: %s (%s MiB "
            "peak); bytes/s ≤ top's: %s (%s×); first screen ≤ %g ms: %s."
            % (g["cpu"]["limit"], verdict(g["cpu"]),
               num(st["ratio_cpu"], "%.3f"), g["hwm"]["limit"],
               verdict(g["hwm"]), num(st["hwm_kib"] and st["hwm_kib"] / 1024),
               verdict(g["bytes"]), num(st["ratio_bytes"], "%.2f"),
               g["first"]["limit"], verdict(g["first"]))]
    return out


def row_of(d, tool):
    return next(row for row in d["rows"] if row["tool"] == tool)


def summary(r):
    d = r["data"]
    st, htop = row_of(d, "stacktop"), row_of(d, "htop")
    return [["live view vs `top -H` / `htop`, CPU per refresh",
             "5,000 threads, 80×24, 1 s",
             "%s× / %s×; bytes to the terminal %s× / %s×"
             % (num(st["ratio_cpu"], "%.3f"),
                num(results.ratio(st["cpu_ms"], htop["cpu_ms"]), "%.3f"),
                num(st["ratio_bytes"], "%.2f"),
                num(results.ratio(st["bytes_s"], htop["bytes_s"]), "%.2f"))]]
