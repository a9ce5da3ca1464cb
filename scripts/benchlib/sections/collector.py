"""collector: the CPU a report costs on a 5,000-thread target, against
top -H, pidstat -t and ps -eL. The refresh cost is what the live view pays
every second, so it is measured apart from start-up."""
import os
import statistics
import subprocess

from .. import results
from ..common import ROOT, TARGETS
from ..procs import Target, run

GOAL_TOP = 0.1  # stacktop's CPU per report, as a share of top -H's
# tests/bench's libproc2 programs (built where Debian's libproc2-dev is).
BENCH = os.path.join(ROOT, "build", "tests", "bench")
LIBPROC2_ROUNDS = 50
START_RUNS = 200


def commands(st):
    """{row name: argv} in the order of the table; st: the stacktop binary."""
    return {
        "stacktop": [st, "report", "-d", "1"],
        # The path unprivileged users get: a stat file per thread, no taskstats.
        "stacktop (/proc)": ["env", "STACKTOP_TASKSTATS=0", st, "report", "-d", "1"],
        "top -H": ["top", "-H", "-b", "-n", "2", "-d", "1"],
        "pidstat -t": ["pidstat", "-t", "-p", "ALL", "1", "1"],
        "ps -eL": ["ps", "-eLo", "pid,tid,comm,pcpu,stat,wchan"],
        # Ten refreshes each: the difference to the one-shot run above is the
        # cost of a refresh once the files are open (the live view's case).
        "stacktop x10": [st, "report", "-c", "10", "-d", "0.2"],
        "top -H x10": ["top", "-H", "-b", "-n", "11", "-d", "0.2"],
    }


def measure_commands(cmds, runs):
    """One warm-up round under GNU time for peak RSS (and warm caches), then
    `runs` rounds round robin, so that machine noise hits all commands alike.
    Returns {name: (best cpu, peak rss, best wall)}."""
    rss = {name: run(argv, rss=True)[1] for name, argv in cmds.items()}
    samples = {name: [] for name in cmds}
    for _ in range(runs):
        for name, argv in cmds.items():
            samples[name].append(run(argv))
    return {name: (min(s[0] for s in ss), rss[name], min(s[2] for s in ss))
            for name, ss in samples.items()}


def measure(ctx):
    """Collector refresh CPU: one report over 1 s on a 5,000-thread target.

    data: threads; rows [{tool, command, cpu_ms (best), ratio (stacktop's
    CPU over the row's), peak_rss_kib, wall_s (best)}]; ratio_top (the
    goal's), ratio_procfs_top, refresh_ms and top_refresh_ms (a further
    refresh: the ten-report run less the one-shot one, over 9),
    ratio_refresh."""
    res = results.new("collector", ctx, ("procps", "sysstat"))
    cmds = commands(ctx.stacktop)
    with Target([os.path.join(TARGETS, "threads"), "5000"]) as target:
        nthreads = target.status("Threads")
        measured = measure_commands(cmds, ctx.runs)
        libproc2 = measure_libproc2()
    ours = measured["stacktop"][0]
    rows = []
    for name, (cpu, rss, wall) in measured.items():
        rows.append({"tool": name, "command": ctx.show(cmds[name]),
                     "cpu_ms": cpu * 1000, "ratio": results.ratio(ours, cpu),
                     "peak_rss_kib": rss, "wall_s": wall})
    top = measured["top -H"][0]
    procfs = measured["stacktop (/proc)"][0]
    ours_refresh = (measured["stacktop x10"][0] - ours) / 9
    top_refresh = (measured["top -H x10"][0] - top) / 9
    ratio_top = results.ratio(ours, top)
    res["data"] = {
        "threads": int(nthreads) if nthreads.isdigit() else None,
        "rows": rows,
        "ratio_top": ratio_top,
        "goal": results.goal(ratio_top is not None and ratio_top <= GOAL_TOP,
                             GOAL_TOP),
        "ratio_procfs_top": results.ratio(procfs, top),
        "refresh_ms": ours_refresh * 1000,
        "top_refresh_ms": top_refresh * 1000,
        "ratio_refresh": results.ratio(ours_refresh, top_refresh),
        "libproc2": libproc2}
    return res


def measure_libproc2():
    """stacktop's readers against libproc2's on the same machine (the
    target running): tests/bench/libproc2_compare's median call of each,
    and the start-up cost of linking libproc2 (the median of START_RUNS
    runs of a program that reads the uptime, linked with it and without,
    run alternately). None where libproc2-dev was not there at build.

    {readers: {name: us}, tasks: {name: tasks seen}, start_plain_ms,
    start_libproc2_ms}."""
    compare = os.path.join(BENCH, "libproc2_compare")
    if not os.path.exists(compare):
        return None
    out = subprocess.run([compare, str(LIBPROC2_ROUNDS)], check=True,
                         capture_output=True, text=True).stdout
    readers, tasks = {}, {}
    for line in out.splitlines():
        words = line.split()
        if words[0] == "tasks":
            tasks[words[1]] = int(words[2])
        else:
            readers[words[0]] = float(words[1])
    walls = {"start_plain": [], "start_libproc2": []}
    for _ in range(START_RUNS):
        for name, times in walls.items():
            times.append(run([os.path.join(BENCH, name)])[2])
    return {"readers": readers, "tasks": tasks,
            **{name + "_ms": statistics.median(times) * 1000
               for name, times in walls.items()}}
