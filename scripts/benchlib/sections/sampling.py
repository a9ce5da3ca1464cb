"""sampling: what sampling at 100 Hz costs the target (the busy worker's
throughput, unprofiled and under each sampler, alternating) against
`perf record -g`, and then the stall each sampler causes."""
import collections
import os
import statistics
import subprocess
import tempfile
import time

from .. import results
from ..common import ENV, TOOL_TIMEOUT_S, BenchError
from ..procs import kill, last_line, reap, run, stderr_text
from ..stallprobe import StallProbe

# Each tool samples for RECORD_S seconds; the worker's throughput is read
# over WINDOW_S seconds starting SETTLE_S after the tool starts, so that
# every window lies inside the sampling.
RECORD_S, SETTLE_S, WINDOW_S = 5, 0.5, 4.0
GOAL_LOSS = 0.05

Window = collections.namedtuple("Window",
                                "rate stall share stopped cpu text error")


def commands(st, pid, tmp, seconds):
    return {
        "stacktop record": [st, "record", "-p", str(pid), "-d",
                            str(seconds), "-r", "100", "-o",
                            os.path.join(tmp, "x.folded")],
        "perf record": ["perf", "record", "-g", "-F", "100", "-p", str(pid),
                        "-o", os.path.join(tmp, "perf.data"), "--", "sleep",
                        str(seconds)],
    }


def sampling_window(target, argv):
    """Run argv (None: no tool) and read the target inside its sampling
    window: the worker's iterations/s, the worst stall (ms, None without the
    probe), the worker's share of a CPU, the share of the window it was
    neither running nor waiting for a CPU (held stopped), the tool's CPU
    seconds, its stderr,
    and why the tool failed (None if it did not: a failure is a result, it
    does not end the benchmark)."""
    with tempfile.TemporaryFile() as err:
        proc = None
        start = time.monotonic()
        if argv:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err,
                                    env=ENV)
        try:
            time.sleep(SETTLE_S)
            first = target.begin()
            time.sleep(WINDOW_S)
            last = target.end()
        except BaseException:
            if proc:
                kill(proc)
            raise
        cpu, text, error = 0.0, "", None
        if proc:
            ru = reap(proc, RECORD_S + TOOL_TIMEOUT_S)
            text = stderr_text(err)
            cpu = ru.ru_utime + ru.ru_stime
            if proc.returncode != 0:
                error = "exit %d: %s" % (proc.returncode, text)
            elif time.monotonic() - start < SETTLE_S + WINDOW_S:
                error = "ended before the window did"
    elapsed = last.at - first.at
    oncpu = last.worker_cpu - first.worker_cpu
    waiting = last.worker_wait - first.worker_wait
    return Window((last.iterations - first.iterations) / elapsed,
                  last.stall_ms, oncpu / elapsed,
                  max(0.0, 1 - (oncpu + waiting) / elapsed), cpu, text, error)


def sampling_rounds(st, target, tmp, rounds, not_measured):
    """`rounds` windows of each mode (no tool, then each sampler that passed
    a 1 s trial), alternating. Returns ({mode: argv}, {mode: [Window]});
    a sampler that failed its trial is appended to not_measured as
    {mode, why}."""
    modes = {"no tool": None}
    # The trial also warms caches; a tool that cannot work here is reported
    # and left out.
    for name, argv in commands(st, target.pid, tmp, 1).items():
        try:
            run(argv, timeout=TOOL_TIMEOUT_S)
            modes[name] = commands(st, target.pid, tmp, RECORD_S)[name]
        except (BenchError, OSError) as e:
            not_measured.append({"mode": name,
                                 "why": str(e).splitlines()[0]})
    windows = {name: [] for name in modes}
    for _ in range(rounds):
        for name, argv in modes.items():
            windows[name].append(sampling_window(target, argv))
    return modes, windows


def mode_row(ctx, name, argv, windows, base):
    """One row of the throughput table, and its failures."""
    shown = commands(ctx.stacktop, "PID", "", RECORD_S)
    # Rounds in which the tool failed are left out, with the no-tool
    # window of the same round.
    pairs = [(w, b) for w, b in zip(windows, base) if not w.error]
    failed = [w.error for w in windows if w.error]
    row = {"mode": name, "command": ctx.show(shown[name]) if argv else None,
           "rate_miter_s": None, "rate_range_miter_s": None, "on_cpu": None,
           "stopped": None, "loss": None, "loss_range": None,
           "tool_cpu_s": None, "failed": len(failed) if argv else None}
    if pairs:
        rate = [w.rate / 1e6 for w, _ in pairs]
        row["rate_miter_s"] = statistics.median(rate)
        row["rate_range_miter_s"] = [min(rate), max(rate)]
        row["on_cpu"] = statistics.median(w.share for w, _ in pairs)
        row["stopped"] = statistics.median(w.stopped for w, _ in pairs)
    if argv and pairs:
        loss = [1 - w.rate / b.rate for w, b in pairs]
        row["loss"] = statistics.median(loss)
        row["loss_range"] = [min(loss), max(loss)]
        row["tool_cpu_s"] = statistics.median(w.cpu for w, _ in pairs)
    return row, ["%s: %s" % (name, e.splitlines()[0]) for e in failed]


def measure(ctx):
    """Sampling overhead at 100 Hz: the worker's throughput, unprofiled and
    under each sampler, alternating; then the stall each sampler causes.

    data: threads, record_s, settle_s, window_s; trial_failed [{mode, why}]
    (samplers left out: their 1 s trial failed);
    rows [{mode, command, rate_miter_s, rate_range_miter_s, loss (median of
    1 - rate / the same round's no-tool rate), loss_range, on_cpu, stopped
    (share of the window held stopped), tool_cpu_s, failed (rounds)}];
    failures [text]; stacktop {loss, goal, noise_spread, held, summary} or
    None; perf_loss; probe {stalls [{mode, stall_ms, error}], summary}."""
    res = results.new("sampling", ctx, ("linux-perf",))
    not_measured = []
    # The workload of DESIGN.md, 1 busy + 100 idle threads: no probe thread,
    # which wakes every 0.2 ms and which a sampler may find running too.
    with StallProbe(100, probe=False) as target, \
            tempfile.TemporaryDirectory(prefix="stacktop-bench-") as tmp:
        nthreads = int(target.status("Threads"))
        modes, windows = sampling_rounds(ctx.stacktop, target, tmp, ctx.runs,
                                         not_measured)
        base = windows["no tool"]
        rows, failures = [], []
        for name, argv in modes.items():
            row, failed = mode_row(ctx, name, argv, windows[name], base)
            rows.append(row)
            failures += [f.replace(tmp + "/", "") for f in failed]
        losses = {r["mode"]: r["loss"] for r in rows if r["loss"] is not None}
        stacktop = None
        if "stacktop record" in losses:
            loss = losses["stacktop record"]
            ok = [w for w in windows["stacktop record"] if not w.error]
            rates = [w.rate for w in base]
            stacktop = {
                "loss": loss,
                "goal": results.goal(loss <= GOAL_LOSS, GOAL_LOSS),
                "noise_spread": ((max(rates) - min(rates))
                                 / statistics.median(rates)),
                "held": statistics.median(w.stopped for w in ok),
                "summary": last_line(ok[-1].text, tmp)}

    # The stall: the same, once, with the probe thread.
    probe_not_measured = []
    with StallProbe(100) as target, \
            tempfile.TemporaryDirectory(prefix="stacktop-bench-") as tmp:
        modes, windows = sampling_rounds(ctx.stacktop, target, tmp, 1,
                                         probe_not_measured)
        stalls = [{"mode": name,
                   "stall_ms": (None if windows[name][0].error
                                else windows[name][0].stall),
                   "error": (windows[name][0].error.splitlines()[0]
                             if windows[name][0].error else None)}
                  for name in modes]
        w = windows.get("stacktop record")
        probe_summary = (last_line(w[0].text, tmp)
                         if w and not w[0].error else None)
    res["data"] = {
        "threads": nthreads, "record_s": RECORD_S, "settle_s": SETTLE_S,
        "window_s": WINDOW_S,
        "trial_failed": not_measured + probe_not_measured,
        "rows": rows, "failures": failures, "stacktop": stacktop,
        "perf_loss": losses.get("perf record"),
        "probe": {"stalls": stalls, "summary": probe_summary}}
    return res
