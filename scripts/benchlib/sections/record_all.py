"""record-all: `record -a` against `perf record -a -g`, the CPU time each
tool used (its rusage, children included: perf's `sleep`) over the same
seconds at the same rate, with both CPUs kept busy by two spinning targets
(so both tools take a sample every period of every CPU)."""
import collections
import os
import re
import shutil
import statistics
import subprocess
import tempfile

from .. import results
from ..common import ENV, TARGETS, TOOL_TIMEOUT_S, BenchError
from ..procs import Target, last_line, reap, stderr_text

ALL_S = 5
GOAL_RATIO = 1  # stacktop's CPU, as a share of perf record -a -g's


def commands(st, tmp):
    rec = [st, "record", "-a", "-d", str(ALL_S), "-r", "100", "-o",
           os.path.join(tmp, "all.folded")]
    perf = ["perf", "record", "-a", "-g", "-e", "cpu-clock", "-F", "100",
            "-q", "-o", os.path.join(tmp, "all.data")]
    return {
        "stacktop record -a": rec,
        "stacktop record -a --native": rec + ["--native"],
        "perf record -a -g": perf + ["--", "sleep", str(ALL_S)],
        "perf record -a -g --no-buildid": perf[:2] + ["-B"] + perf[2:] +
        ["--", "sleep", str(ALL_S)],
    }


def measure(ctx):
    """record -a's CPU cost against perf record -a -g.

    data: seconds; rows [{tool, command, cpu_s (median), cpu_range_s,
    samples (median), ratio (stacktop record -a's CPU over the row's)}];
    stacktop_cpu_s, perf_cpu_s, ratio, goal, summary (stacktop's last)."""
    res = results.new("record-all", ctx, ("linux-perf",))
    if shutil.which("perf") is None:
        res["data"] = {"not_measured": "perf is not installed"}
        return res
    cpus = collections.defaultdict(list)
    samples = collections.defaultdict(list)
    summary = ""
    with Target([os.path.join(TARGETS, "threads"), "2"]), \
            Target([os.path.join(TARGETS, "cxxchain")]), \
            tempfile.TemporaryDirectory(prefix="stacktop-bench-") as tmp:
        cmds = commands(ctx.stacktop, tmp)
        for rnd in range(ctx.runs + 1):
            for name, argv in cmds.items():
                with tempfile.TemporaryFile() as err:
                    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL,
                                            stderr=err, env=ENV)
                    ru = reap(proc, ALL_S + TOOL_TIMEOUT_S)
                    text = stderr_text(err)
                if proc.returncode != 0:
                    raise BenchError("%s exited %d: %s" % (
                        ctx.show(argv), proc.returncode, text))
                if not rnd:
                    continue  # warm-up: page cache, perf's first build-ids
                cpus[name].append(ru.ru_utime + ru.ru_stime)
                if name.startswith("stacktop"):
                    summary = last_line(text, tmp)
                    m = re.search(r"-a: (\d+) samples", text)
                    samples[name].append(int(m.group(1)) if m else 0)
                else:
                    out = subprocess.run(["perf", "script", "-i",
                                          os.path.join(tmp, "all.data"), "-F", "pid"],
                                         capture_output=True, text=True).stdout
                    samples[name].append(len(out.splitlines()))
    shown = commands(ctx.stacktop, "TMP")
    st = statistics.median(cpus["stacktop record -a"])
    rows = []
    for name in cmds:
        c = statistics.median(cpus[name])
        rows.append({"tool": name,
                     "command": ctx.show(shown[name]).replace("TMP/", ""),
                     "cpu_s": c, "cpu_range_s": [min(cpus[name]),
                                                 max(cpus[name])],
                     "samples": statistics.median(samples[name]),
                     "ratio": results.ratio(st, c)})
    perf = statistics.median(cpus["perf record -a -g"])
    res["data"] = {"seconds": ALL_S, "rows": rows, "stacktop_cpu_s": st,
                   "perf_cpu_s": perf, "ratio": results.ratio(st, perf),
                   "goal": results.goal(st <= perf, GOAL_RATIO),
                   "summary": summary}
    return res
