"""Markdown of a collector result."""
from .md import code, lines_of, num, table, verdict

TITLE = "Collector: `report` against top -H, pidstat and ps"
COMMAND = "scripts/bench collector"


def body(r, level):
    d = r["data"]
    out = ["A target with 5,000 idle threads and one spinning thread "
           "(`threads 5000`%s); the CPU time (user + system) of each "
           "command, the best of %s rounds run round robin, so that "
           "machine noise hits all commands alike, after a warm-up round "
           "under GNU time for the peak RSS. stacktop, top -H and pidstat "
           "sample twice, 1 s apart; ps has no interval and reads /proc "
           "once. The ten-report rows give the cost of a further refresh "
           "once the files are open (the live view's case): their "
           "difference to the one-shot rows, over 9."
           % (": %d threads" % d["threads"] if d.get("threads") else "",
              num(r["runs"], "%d")), ""]
    out += table(["tool", "command", "CPU ms", "stacktop / peer",
                  "peak RSS", "wall s"], "llrrrr",
                 [[row["tool"], code(row["command"]),
                   num(row["cpu_ms"]), num(row["ratio"], "%.3f"),
                   num(row["peak_rss_kib"] and row["peak_rss_kib"] / 1024,
                       "%.1f MiB"),
                   num(row["wall_s"], "%.2f")] for row in d["rows"]])
    out += [""] + lines_of(
        "stacktop CPU = %s × top -H (goal ≤ %g × top -H: %s)"
        % (num(d["ratio_top"], "%.3f"), d["goal"]["limit"],
           verdict(d["goal"])),
        "stacktop on the /proc path (no CAP_NET_ADMIN) = %s × top -H"
        % num(d["ratio_procfs_top"], "%.3f"),
        "each further refresh: stacktop %s ms, top -H %s ms: %s × top -H"
        % (num(d["refresh_ms"]), num(d["top_refresh_ms"]),
           num(d["ratio_refresh"], "%.3f")))
    return out


def summary(r):
    d = r["data"]
    return [["`report -d 1` vs `top -H -b -n 2`, CPU", "5,000 threads",
             "%s× as root (taskstats), %s× from /proc; a further refresh %s×"
             % (num(d["ratio_top"], "%.3f"),
                num(d["ratio_procfs_top"], "%.2f"),
                num(d["ratio_refresh"], "%.3f"))]]
