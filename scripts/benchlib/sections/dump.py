"""dump: a native dump's wall time, and how long it freezes the target,
against eu-stack and gdb, at 100 and 1,000 idle threads. The freeze is
what an on-call engineer risks on a production process; the wall time is
what they wait."""
import statistics
import tempfile
import time

from .. import results
from ..common import NOISE_WINDOW_S, TOOL_TIMEOUT_S
from ..procs import run
from ..stallprobe import StallProbe, self_reported_stop

GOAL_EU_STACK = 0.1   # stacktop's wall time, as a share of eu-stack's
GOAL_STALL_MS = 3     # at 100 threads
IDLE_THREADS = (100, 1000)


def commands(st, pid):
    return {
        "stacktop": [st, "dump", "-p", str(pid)],
        "eu-stack": ["eu-stack", "-p", str(pid)],
        "gdb": ["gdb", "-batch", "-p", str(pid), "-ex", "thread apply all bt"],
    }


def measure_dumps(st, nidle, runs):
    """One target; `runs` rounds of (no tool, each tool) after one warm-up
    round that is not counted. Returns (threads, commands, samples, stops):
    samples[name] is a list of (wall s, stall ms), wall None for no tool."""
    with StallProbe(nidle) as target:
        nthreads = int(target.status("Threads"))
        cmds = commands(st, target.pid)
        samples = {name: [] for name in ["no tool"] + list(cmds)}
        stops = []
        for rnd in range(runs + 1):
            target.begin()
            time.sleep(NOISE_WINDOW_S)
            noise = target.end().stall_ms
            if rnd:
                samples["no tool"].append((None, noise))
            for name, argv in cmds.items():
                target.begin()
                with tempfile.TemporaryFile() as out:
                    _, _, wall = run(argv, timeout=TOOL_TIMEOUT_S, stdout=out)
                    stop = self_reported_stop(out) if name == "stacktop" else None
                stall = target.end().stall_ms
                if rnd:
                    samples[name].append((wall, stall))
                    if stop is not None:
                        stops.append(stop)
    return nthreads, cmds, samples, stops


def measure(ctx):
    """Native dump: wall time and the stall each tool causes the target.

    data: noise_window_s; targets [{threads, rows [{tool, command (None for
    no tool), wall_ms, stall_ms (median), worst_stall_ms, ratio (stacktop's
    wall over the tool's)}], ratio_eu_stack, ratio_gdb, goal (wall against
    eu-stack), stall_ms, stall_goal (None from 1,000 threads), own_stop_ms
    (the median "stopped for" stacktop printed, None if it printed none)}]."""
    res = results.new("dump", ctx, ("elfutils", "gdb"))
    shown = commands(ctx.stacktop, "PID")
    targets = []
    for nidle in IDLE_THREADS:
        nthreads, cmds, samples, stops = measure_dumps(ctx.stacktop, nidle,
                                                       ctx.runs)
        wall = {name: statistics.median(w for w, _ in ss)
                for name, ss in samples.items() if name in cmds}
        rows = []
        for name, ss in samples.items():
            rows.append({
                "tool": name,
                "command": ctx.show(shown[name]) if name in cmds else None,
                "wall_ms": wall[name] * 1000 if name in cmds else None,
                "stall_ms": statistics.median(st for _, st in ss),
                "worst_stall_ms": max(st for _, st in ss),
                "ratio": (results.ratio(wall["stacktop"], wall[name])
                          if name in cmds else None)})
        ratio = wall["stacktop"] / wall["eu-stack"]
        stall = statistics.median(st for _, st in samples["stacktop"])
        targets.append({
            "threads": nthreads, "rows": rows,
            "ratio_eu_stack": ratio,
            "ratio_gdb": wall["stacktop"] / wall["gdb"],
            "goal": results.goal(ratio <= GOAL_EU_STACK, GOAL_EU_STACK),
            "stall_ms": stall,
            "stall_goal": (results.goal(stall <= GOAL_STALL_MS, GOAL_STALL_MS)
                           if nthreads < 1000 else None),
            "own_stop_ms": statistics.median(stops) if stops else None})
    res["data"] = {"noise_window_s": NOISE_WINDOW_S, "targets": targets}
    return res
