"""stall-load (issue 14): the stallprobe target's longest stall while
stacktop dumps it or records it, on a quiet machine and with
STALL_HOGS_PER_CPU busy processes on every CPU. A stop is short only if
stacktop is not preempted while it holds the threads: on a saturated box
that is the normal case to plan for."""
import re
import statistics
import subprocess
import tempfile
import time

from .. import results
from ..common import ENV, NOISE_WINDOW_S, TOOL_TIMEOUT_S, BenchError
from ..procs import Hogs
from ..stallprobe import StallProbe, self_reported_stop

STALL_HOGS_PER_CPU, STALL_RECORD_S = 4, 3
GOAL_RATIO = 3  # loaded stall within this many times the quiet one
STALL_RECORD_LINE = re.compile(r"target stopped ([\d.]+) ms per round on "
                               r"average \(max ([\d.]+) ms\)")


def commands(st, pid):
    """{mode: (argv, extra environment)}."""
    record = [st, "record", "-p", str(pid), "-d", str(STALL_RECORD_S),
              "-r", "100", "-o", "/dev/null"]
    return {
        "dump": ([st, "dump", "-p", str(pid)], {}),
        "record (ptrace, STACKTOP_PERF=0)": (record, {"STACKTOP_PERF": "0"}),
        "record (perf events)": (record, {}),
    }


def stall_window(ctx, target, argv, env):
    """The probe's longest stall (ms) while argv runs (None: NOISE_WINDOW_S
    with nothing attached), and what stacktop said of its own stops (ms:
    dump's "stopped for", record's per-round maximum), None if nothing."""
    target.begin()
    if argv is None:
        time.sleep(NOISE_WINDOW_S)
        return target.end().stall_ms, None
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          env=dict(ENV, **env), timeout=TOOL_TIMEOUT_S)
    stall = target.end().stall_ms
    if done.returncode != 0:
        raise BenchError("%s exited %d: %s" % (ctx.show(argv), done.returncode,
                                               done.stderr.decode(errors="replace")))
    with tempfile.TemporaryFile() as out:
        out.write(done.stdout)
        own = self_reported_stop(out)
    m = STALL_RECORD_LINE.search(done.stderr.decode(errors="replace"))
    if m and float(m.group(2)) > 0:
        own = float(m.group(2))
    return stall, own


def stall_rounds(ctx, runs):
    """{mode: [(stall ms, own ms)]}: runs rounds of every mode, alternating,
    after a warm-up round that is not counted."""
    with StallProbe(100) as target:
        modes = dict({"no tool": (None, {})},
                     **commands(ctx.stacktop, target.pid))
        res = {name: [] for name in modes}
        for rnd in range(runs + 1):
            for name, (argv, env) in modes.items():
                got = stall_window(ctx, target, argv, env)
                if rnd:
                    res[name].append(got)
    return res


def median(xs):
    """The median of the known values, None if none is."""
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def measure(ctx):
    """The stall stacktop's stops cause, quiet and under load.

    data: hogs_per_cpu, record_s, noise_window_s; rows [{mode, command
    (None: nothing attached), quiet_ms, loaded_ms (median stalls), ratio
    (loaded / quiet), quiet_own_ms, loaded_own_ms, goal (None for no
    tool)}]."""
    res = results.new("stall-load", ctx)
    quiet = stall_rounds(ctx, ctx.runs)
    with Hogs(STALL_HOGS_PER_CPU):
        loaded = stall_rounds(ctx, ctx.runs)
    shown = commands(ctx.stacktop, "PID")
    rows = []
    for name in quiet:
        q = median(st for st, _ in quiet[name])
        lo = median(st for st, _ in loaded[name])
        ratio = lo / q if q else float("inf")
        cmd = None
        if name in shown:
            argv, env = shown[name]
            cmd = " ".join(["%s=%s" % kv for kv in env.items()]
                           + [ctx.show(argv)])
        rows.append({"mode": name, "command": cmd, "quiet_ms": q,
                     "loaded_ms": lo,
                     "ratio": ratio if ratio != float("inf") else None,
                     "quiet_own_ms": median(o for _, o in quiet[name]),
                     "loaded_own_ms": median(o for _, o in loaded[name]),
                     "goal": (results.goal(ratio <= GOAL_RATIO, GOAL_RATIO)
                              if name != "no tool" else None)})
    res["data"] = {"hogs_per_cpu": STALL_HOGS_PER_CPU,
                   "record_s": STALL_RECORD_S,
                   "noise_window_s": NOISE_WINDOW_S, "rows": rows}
    return res
