"""load: CPU profiles on a saturated box (issue 14). The pool target
(workers computing ~0.1 ms in work_encode and ~0.02 ms in work_query, then
sleeping 2 ms) with a CPU hog on every CPU, so that a woken worker waits
for a CPU: does stacktop's profile agree with perf's, and what does
sampling cost the pool's throughput?"""
import collections
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

from .. import results
from ..common import ENV, TARGETS, TOOL_TIMEOUT_S, BenchError
from ..procs import Hogs, Target, last_line, reap, stderr_text

LOAD_S, LOAD_WORKERS, LOAD_TOP = 5, 8, 5
GOAL_POINTS = 0.005  # stacktop's loss may exceed perf's by this much
PERF_REPORT_LINE = re.compile(r"^\s*([\d.]+)%\s+\[(.)\]\s+(\S.*?)\s*$")


class Pool(Target):
    """tests/targets/pool: ops() is the loops its workers completed."""

    def __init__(self):
        super().__init__([os.path.join(TARGETS, "pool"), str(LOAD_WORKERS)])

    def ops(self):
        self.proc.send_signal(signal.SIGUSR1)
        return int(self._ready_line().split()[1]), time.monotonic()


def folded_shares(path):
    """{leaf function: % of samples} of a folded profile."""
    counts = collections.Counter()
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            counts[stack.split(";")[-1]] += int(count)
    total = sum(counts.values()) or 1
    return {k: 100.0 * v / total for k, v in counts.items()}


def perf_shares(path):
    """perf's self shares by symbol, the kernel's as one "[kernel]" (the
    frame stacktop ends a sample taken in the kernel with)."""
    out = subprocess.run(["perf", "report", "-i", path, "--no-children",
                          "--sort", "sym", "-g", "none", "--stdio",
                          "--percent-limit", "0"],
                         capture_output=True, text=True).stdout
    shares = collections.Counter()
    for line in out.splitlines():
        m = PERF_REPORT_LINE.match(line)
        if m:
            # Symbol versions ("@GLIBC_2.2.5") are not part of our names.
            name = m.group(3).split("@")[0]
            shares["[kernel]" if m.group(2) == "k" else name] += \
                float(m.group(1))
    return shares


def commands(st, pid, tmp):
    """{mode: (argv, extra environment)}."""
    rec = [st, "record", "-p", str(pid), "-d", str(LOAD_S), "-r", "100",
           "-o", os.path.join(tmp, "st.folded")]
    return {
        "stacktop (perf events)": (rec, {}),
        "stacktop (ptrace, STACKTOP_PERF=0)": (rec, {"STACKTOP_PERF": "0"}),
        "perf record": (["perf", "record", "-g", "-F", "100", "-p", str(pid),
                         "-o", os.path.join(tmp, "perf.data"), "--", "sleep",
                         str(LOAD_S)], {}),
    }


def agreement(pool, tmp, argv, env):
    """stacktop (argv, env) and `perf record -g` (4 kHz, its default) over
    the same seconds: (stacktop's shares, perf's, stacktop's CPU s, its
    summary)."""
    data = os.path.join(tmp, "agree.data")
    perf = subprocess.Popen(["perf", "record", "-g", "-q", "-o", data, "-p",
                             str(pool.pid), "--", "sleep", str(LOAD_S)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    with tempfile.TemporaryFile() as err:
        st = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=err,
                              env=dict(ENV, **env))
        ru = reap(st, LOAD_S + TOOL_TIMEOUT_S)
        reap(perf, LOAD_S + TOOL_TIMEOUT_S)
        text = stderr_text(err)
    if st.returncode != 0 or perf.returncode != 0:
        raise BenchError("stacktop exit %d, perf exit %d: %s"
                         % (st.returncode, perf.returncode, text))
    return (folded_shares(os.path.join(tmp, "st.folded")), perf_shares(data),
            ru.ru_utime + ru.ru_stime, last_line(text, tmp))


def throughput(pool, argv, env):
    """The pool's loops per second while argv runs (None: no tool), and the
    tool's CPU seconds."""
    before, t0 = pool.ops()
    cpu = 0.0
    if argv:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=dict(ENV, **env))
        ru = reap(proc, LOAD_S + TOOL_TIMEOUT_S)
        cpu = ru.ru_utime + ru.ru_stime
    else:
        time.sleep(LOAD_S)
    after, t1 = pool.ops()
    return (after - before) / (t1 - t0), cpu


def agreement_data(name, runs):
    """The agreement of one stacktop mode: perf's top LOAD_TOP functions
    over all runs, each with both tools' median share."""
    perf_top = collections.Counter()
    for _, p, _, _ in runs:
        perf_top.update(p)
    functions, worst = [], 0.0
    for fn, _ in perf_top.most_common(LOAD_TOP):
        ps = statistics.median(p.get(fn, 0.0) for _, p, _, _ in runs)
        ss = statistics.median(s.get(fn, 0.0) for s, _, _, _ in runs)
        worst = max(worst, abs(ss - ps))
        functions.append({"function": fn, "perf_pct": ps, "stacktop_pct": ss,
                          "points": ss - ps})
    tops = [max(s, key=s.get) for s, _, _, _ in runs]
    ptops = [max(p, key=p.get) for _, p, _, _ in runs]
    return {"mode": name, "functions": functions, "worst_points": worst,
            "top_right": sum(a == b for a, b in zip(tops, ptops)),
            "runs": len(runs),
            "stacktop_cpu_s": statistics.median(c for _, _, c, _ in runs),
            "summary": runs[-1][3]}


def measure(ctx):
    """Profile agreement with perf under load, and the pool's throughput
    loss at 100 Hz against perf's.

    data: None when perf is missing (not_measured says so), else workers,
    seconds, top; agreement [{mode, functions [{function, perf_pct,
    stacktop_pct, points}], worst_points, top_right, runs, stacktop_cpu_s,
    summary}]; no_tool_rate (loops/s); throughput [{mode, rate, loss,
    tool_cpu_s}]; loss_goal; noise_spread."""
    res = results.new("load", ctx, ("linux-perf",))
    if shutil.which("perf") is None:
        res["data"] = {"not_measured": "perf is not installed"}
        return res
    with Hogs(), Pool() as pool, \
            tempfile.TemporaryDirectory(prefix="stacktop-bench-") as tmp:
        modes = commands(ctx.stacktop, pool.pid, tmp)
        agree = {}
        for name in list(modes)[:2]:
            argv, env = modes[name]
            agree[name] = [agreement(pool, tmp, argv, env)
                           for _ in range(ctx.runs)]
        rates = {name: [] for name in ["no tool"] + list(modes)}
        cpus = {name: [] for name in modes}
        for _ in range(ctx.runs):
            rate, _ = throughput(pool, None, {})
            rates["no tool"].append(rate)
            for name, (argv, env) in modes.items():
                rate, cpu = throughput(pool, argv, env)
                rates[name].append(rate)
                cpus[name].append(cpu)
    base = statistics.median(rates["no tool"])
    rows, loss = [], {}
    for name in modes:
        r = statistics.median(rates[name])
        loss[name] = 1 - r / base
        rows.append({"mode": name, "rate": r, "loss": loss[name],
                     "tool_cpu_s": statistics.median(cpus[name])})
    st, perf = loss["stacktop (perf events)"], loss["perf record"]
    res["data"] = {
        "workers": LOAD_WORKERS, "seconds": LOAD_S, "top": LOAD_TOP,
        "agreement": [agreement_data(n, runs) for n, runs in agree.items()],
        "no_tool_rate": base, "throughput": rows,
        "loss_goal": results.goal(st <= perf + GOAL_POINTS, GOAL_POINTS),
        "noise_spread": (max(rates["no tool"]) - min(rates["no tool"])) / base}
    return res
