"""Markdown of a collector result."""
from .. import results
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
    return out + libproc2_lines(d.get("libproc2"))


# libproc2_compare's readers: (name, what it reads).
LIBPROC2_ROWS = [
    ("system_stacktop", "machine row, stacktop (files kept open)"),
    ("system_libproc2", "machine row, libproc2 (meminfo, stat select; "
                        "loadavg, uptime)"),
    ("tasks_stacktop", "every task, stacktop (taskstats)"),
    ("tasks_stacktop_stat", "every task, stacktop (/proc stat path)"),
    ("tasks_libproc2", "every task, libproc2 pids reap (ids, name, state, "
                       "times, RSS, threads)"),
    ("tasks_libproc2_user", "the same with the user name"),
]


def libproc2_lines(lp):
    """The libproc2 evaluation (issue 18): what each reader costs a
    refresh, and what linking the library costs every start."""
    if lp is None:
        return ["", "(libproc2: not measured; build with Debian's "
                    "libproc2-dev installed)"]
    rows = [[what, num(lp["readers"].get(name), "%.1f"),
             num(lp["tasks"].get(name), "%d")]
            for name, what in LIBPROC2_ROWS if name in lp["readers"]]
    out = ["", "libproc2 (procps-ng 4) against stacktop's own readers, "
               "in one process, each reader's median call (the call after "
               "a warm-up call of its own):", ""]
    out += table(["reader", "µs a call", "tasks"], "lrr", rows)
    return out + [""] + lines_of(
        "start-up of a program that reads the uptime: %s ms plain, %s ms "
        "linked with libproc2 (its libsystemd, libgcrypt, zstd, lz4, "
        "libcap chain)" % (num(lp["start_plain_ms"], "%.2f"),
                           num(lp["start_libproc2_ms"], "%.2f")))


def summary(r):
    d = r["data"]
    rows = [["`report -d 1` vs `top -H -b -n 2`, CPU", "5,000 threads",
             "%s× as root (taskstats), %s× from /proc; a further refresh %s×"
             % (num(d["ratio_top"], "%.3f"),
                num(d["ratio_procfs_top"], "%.2f"),
                num(d["ratio_refresh"], "%.3f"))]]
    lp = d.get("libproc2")
    if lp is not None:
        us = lp["readers"]
        rows.append([
            "stacktop's /proc readers vs libproc2 (procps-ng 4)",
            "5,000 threads",
            "machine row %s×, every task %s× (/proc path); start-up "
            "without it %s×: not linked"
            % (num(results.ratio(us["system_stacktop"], us["system_libproc2"]),
                   "%.2f"),
               num(results.ratio(us["tasks_stacktop_stat"], us["tasks_libproc2"]),
                   "%.3f"),
               num(results.ratio(lp["start_plain_ms"], lp["start_libproc2_ms"]),
                   "%.2f"))])
    return rows
