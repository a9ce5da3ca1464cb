"""python-installed: Python frames against austin 1.0.1 on every installed
CPython (pyenv's and /usr/bin/python3), one target per interpreter, the
tools taking turns on it: dump latency, the sampling rate achieved, the
target's slowdown, and whether the innermost frame is on the right line."""
import collections
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from .. import austin1, results
from ..common import ENV, TOOL_TIMEOUT_S
from ..procs import exit_error, kill, reap, stderr_text, timed
from ..pytargets import PY_SLICE_S, PyTarget, hot_line, interpreters

# Sampling windows: each sampler runs PY_RECORD_S seconds; the busy thread's
# iterations are counted over PY_WINDOW_S seconds starting PY_SETTLE_S after
# the sampler starts (inside its sampling, after its start-up), in slices of
# PY_SLICE_S. On a virtual machine the busy loop's speed changes with nothing
# attached, by 5% to 50% for a fraction of a second to several seconds (the
# host runs other guests; here any work on the other vCPU halves it), so
# every sampler window sits between two windows of PY_OFF_S without a
# sampler, and each slice is compared with those two.
PY_RECORD_S, PY_SETTLE_S, PY_WINDOW_S = 1.05, 0.2, 0.75
PY_OFF_S = 0.25
PY_ROUNDS = 3           # sampling rounds per interpreter (--runs overrides)
PY_DUMP_ROUNDS = 15     # timed dumps of each kind per interpreter
PY_LINE_DUMPS = 45      # further untimed `dump --python`, for the line share
GOAL_HZ, GOAL_LOSS = 1000, 0.01

# The sampling modes, in the order of the tables, and their commands as
# the tables show them.
SAMPLING = ["stacktop --python 100 Hz", "stacktop --python 1 kHz",
            "stacktop --python 5 kHz", "stacktop merged 100 Hz",
            "austin 100 Hz", "austin 1 kHz"]
SHOWN = {
    "stacktop --python 100 Hz": "stacktop record -p PID -d %g -r 100 --python",
    "stacktop --python 1 kHz": "stacktop record -p PID -d %g -r 1000 --python",
    "stacktop --python 5 kHz": "stacktop record -p PID -d %g -r 5000 --python",
    "stacktop merged 100 Hz": "stacktop record -p PID -d %g -r 100",
    "austin 100 Hz": "austin -p PID -i 10000 (SIGINT after %g s)",
    "austin 1 kHz": "austin -p PID -i 1000 (SIGINT after %g s)"}

PyWindow = collections.namedtuple(
    "PyWindow", "rate stopped hz leaves error summary cpu")


def stacktop_dump_line(argv, tid):
    """One `stacktop dump --json`: (wall s, innermost Python frame of thread
    tid as (function, line) or None, error or None)."""
    with tempfile.TemporaryFile() as out:
        wall, error = timed(argv, out)
        if error:
            return wall, None, error
        out.seek(0)
        try:
            doc = json.load(out)
        except ValueError as e:
            return wall, None, "invalid JSON: %s" % e
    for thread in doc.get("threads", []):
        if thread.get("tid") == tid:
            for frame in thread.get("stack") or []:
                if frame.get("kind") == "python":
                    return wall, (frame.get("function"), frame.get("line")), None
            return wall, None, None
    return wall, None, "thread %d not in the dump" % tid


def samplers(st, pid, out, austin):
    """{mode: (argv, kind)}: the sampling modes, in the order of the tables."""
    def record(hz, python=True):
        return ([st, "record", "-p", str(pid), "-d", str(PY_RECORD_S),
                 "-r", str(hz)] + (["--python"] if python else [])
                + ["-o", out], "stacktop")
    modes = {"stacktop --python 100 Hz": record(100),
             "stacktop --python 1 kHz": record(1000),
             "stacktop --python 5 kHz": record(5000),
             "stacktop merged 100 Hz": record(100, python=False)}
    if austin:
        for hz, us in ((100, 10000), (1000, 1000)):
            modes["austin %s" % ("1 kHz" if hz == 1000 else "100 Hz")] = (
                ["austin", "-p", str(pid), "-i", str(us), "-o", out], "austin")
    return modes


def stacktop_profile(path, text, tid):
    """Busy-thread samples in a folded profile, and the summary's numbers."""
    count = 0
    marker = "(%d);" % tid
    with open(path) as f:
        for line in f:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            if marker in stack.split(";")[0] + ";":
                count += int(n)
    m = re.search(r"over ([0-9.]+) s \(([0-9.]+) Hz of", text)
    seconds = float(m.group(1)) if m else PY_RECORD_S
    return count / seconds if seconds > 0 else 0.0, m is not None


def py_window(target, argv, kind, out, seconds=PY_WINDOW_S):
    """One window: start the sampler (None: none), count the busy thread's
    iterations in slices over `seconds` inside its sampling, stop it, read
    what it sampled. A failing sampler is a result, not the end of the
    benchmark. rate: iterations/s of each slice; cpu: the sampler's CPU time
    over its lifetime (a share of one CPU)."""
    if os.path.exists(out):
        os.unlink(out)
    with tempfile.TemporaryFile() as err:
        proc, ru = None, None
        start = time.monotonic()
        if argv:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err,
                                    env=ENV)
        try:
            if proc:
                time.sleep(PY_SETTLE_S)
            marks = [target.sample()]
            for _ in range(int(round(seconds / PY_SLICE_S))):
                time.sleep(PY_SLICE_S)
                marks.append(target.sample())
            first, last = marks[0], marks[-1]
            if kind == "austin":
                # As long as stacktop's -d, so both sample alike.
                time.sleep(max(0.0, PY_RECORD_S - PY_SETTLE_S - seconds))
                ru = austin1.stop(proc)
            elif proc:
                ru = reap(proc, PY_RECORD_S + TOOL_TIMEOUT_S)
            lifetime = time.monotonic() - start
        except BaseException:
            if proc:
                kill(proc)
            raise
        text, error = "", None
        if proc:
            text = stderr_text(err)
            ok = (0, 130, -signal.SIGINT) if kind == "austin" else (0,)
            if proc.returncode not in ok:
                error = exit_error(proc.returncode, text)
    elapsed = last[1] - first[1]
    rate = [(b[0] - a[0]) / (b[1] - a[1]) for a, b in zip(marks, marks[1:])]
    held = max(0.0, 1 - (last[2] - first[2] + last[3] - first[3]) / elapsed)
    hz, leaves, summary = None, [], ""
    if proc and not error:
        if kind == "stacktop":
            hz, found = stacktop_profile(out, text, target.busy_tid)
            summary = text.splitlines()[-1] if text else ""
            if not found:
                error = "no summary line: %r" % text[-200:]
        else:
            hz, leaves = austin1.profile(out)
            if hz is None:
                error = "no samples of the busy thread"
    cpu = (ru.ru_utime + ru.ru_stime) / lifetime if ru else None
    return PyWindow(rate, held, hz, leaves, error, summary, cpu)


def share(leaves, line):
    """{pct, n}: the percent of leaves (function, line) on the hot line and
    how many there were; None without leaves."""
    if not leaves:
        return None
    hits = sum(1 for _, ln in leaves if ln == line)
    return {"pct": 100.0 * hits / len(leaves), "n": len(leaves)}


def others(leaves, line):
    """[[FUNCTION:LINE, count]]: the most common innermost frames not on
    the hot line."""
    counts = collections.Counter("%s:%s" % (f, ln) for f, ln in leaves
                                 if ln != line)
    return [list(kv) for kv in counts.most_common(2)]


def dumps(st, target, res, errors, leaves):
    """The dumps, interleaved; austin's first snapshot tells whether it can
    read this interpreter at all. Fills res's dump_ms, austin_ok and
    austin_error."""
    pid, tid = target.pid, target.busy_tid
    py_dump = [st, "dump", "-p", str(pid), "--python", "--json"]
    merged_dump = [st, "dump", "-p", str(pid), "--json"]
    walls = {"py": [], "merged": [], "austin": []}
    wall, seen, first = austin1.snapshot(pid, target.nthreads)
    austin_ok = wall is not None and any(names for names, _ in seen.values())
    res["austin_ok"], res["austin_error"] = austin_ok, None
    if not austin_ok:
        res["austin_error"] = ("no frames" if first else "no output") + (
            ": printed %r" % first[:40] if first else
            " within %g s" % austin1.AUSTIN_SNAPSHOT_S)
    for _ in range(PY_DUMP_ROUNDS):
        for key, argv in (("py", py_dump), ("merged", merged_dump)):
            wall, leaf, error = stacktop_dump_line(argv, tid)
            if error:
                errors["stacktop dump %s: %s" % (
                    "--python" if key == "py" else "(merged)",
                    error.splitlines()[0])] += 1
                continue
            walls[key].append(wall)
            if leaf:
                leaves[key].append(leaf)
        if austin_ok:
            wall, seen, _ = austin1.snapshot(pid, target.nthreads)
            if wall is None:
                errors["austin: no sample of every thread within %g s%s"
                       % (austin1.AUSTIN_SNAPSHOT_S,
                          " (printed a thread without frames)"
                          if any(not n for n, _ in seen.values())
                          else "")] += 1
                continue
            walls["austin"].append(wall)
            for names, lines in seen.values():
                if any(n.startswith("busy ") for n in names):
                    leaves["austin"].append((names[-1].split(" (")[0],
                                             lines[-1]))
    for _ in range(PY_LINE_DUMPS):
        _, leaf, error = stacktop_dump_line(py_dump, tid)
        if leaf:
            leaves["py"].append(leaf)
        elif error:
            errors["stacktop dump --python: %s"
                   % error.splitlines()[0]] += 1
    res["dump_ms"] = {k: statistics.median(v) * 1000 if v else None
                      for k, v in walls.items()}


def sampling(st, target, tmp, rounds, res, errors, leaves):
    """Sampling windows, modes alternating, the order rotated each round.
    Fills res's base_rate, spread, modes, held_merged and held_others_max."""
    out = os.path.join(tmp, "profile")
    modes = samplers(st, target.pid, out, res["austin_ok"])
    # "no sampler": a window like the others with nothing attached, its
    # "slowdown" the noise floor (A/A).
    modes["no sampler"] = (None, None)
    names = list(modes)
    windows = {name: [] for name in names}
    ratios = {name: [] for name in names}
    offs = []
    for rnd in range(rounds):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        before = py_window(target, None, None, out, PY_OFF_S).rate
        offs.extend(before)
        for name in order:
            w = py_window(target, *modes[name], out=out)
            after = py_window(target, None, None, out, PY_OFF_S).rate
            offs.extend(after)
            ref = statistics.median(before + after)
            windows[name].append(w)
            if not w.error:
                ratios[name].extend(x / ref for x in w.rate)
            before = after
    offs.sort()
    res["base_rate"] = statistics.median(offs)
    # The middle half of the slices without a sampler, against their
    # median.
    quart = statistics.quantiles(offs, n=4)
    res["spread"] = (quart[2] - quart[0]) / res["base_rate"]
    res["modes"] = {}
    for name in names:
        ok = [w for w in windows[name] if not w.error]
        for w in windows[name]:
            if w.error:
                errors["%s: %s" % (name, w.error.splitlines()[0])] += 1
        if not ok:
            res["modes"][name] = None
            continue
        res["modes"][name] = {
            "loss": 1 - statistics.median(ratios[name]),
            "hz": (statistics.median(w.hz for w in ok)
                   if modes[name][0] else None),
            "cpu": (statistics.median(w.cpu for w in ok)
                    if modes[name][0] else None),
            "held": statistics.median(w.stopped for w in ok),
            "n": len(ok), "summary": ok[-1].summary}
        for w in ok:
            leaves["austin"].extend(w.leaves)
    merged = res["modes"].get("stacktop merged 100 Hz")
    rest = [m["held"] for n, m in res["modes"].items()
            if m and n not in ("stacktop merged 100 Hz", "no sampler")]
    res["held_merged"] = merged["held"] if merged else None
    res["held_others_max"] = max(rest) if rest else None


def goal(modes):
    """Met when a `record --python` run (-r 1000 or -r 5000) achieved at
    least GOAL_HZ samples/s of the busy thread with a slowdown of at most
    GOAL_LOSS: the first such rate, as "-r 1000", or None."""
    met = None
    for name in ("stacktop --python 1 kHz", "stacktop --python 5 kHz"):
        m = modes.get(name)
        if m and m["hz"] >= GOAL_HZ and m["loss"] <= GOAL_LOSS:
            met = met or "-r %s000" % name.split()[-2]
    return {"limit": {"hz": GOAL_HZ, "loss": GOAL_LOSS}, "met": met is not None,
            "at": met}


def interpreter(st, label, python, rounds, line):
    """Everything for one interpreter, in one target process: {label,
    dump_ms {py, merged, austin}, austin_ok, austin_error, base_rate
    (iterations/s), spread, modes {mode: {loss, hz, cpu, held, n, summary}
    or None}, held_merged, held_others_max, lines {py, merged, austin: {pct,
    n} or None; stacktop_others, austin_others: [[FUNCTION:LINE, n]]},
    goal, dump_ratio (stacktop's dump --python over austin's snapshot),
    rate_ratio_1k (stacktop's samples/s over austin's at 1 kHz), errors
    [[text, n]]}."""
    res = {"label": label}
    errors = collections.Counter()
    leaves = {"py": [], "merged": [], "austin": []}
    with PyTarget(python) as target, \
            tempfile.TemporaryDirectory(prefix="stacktop-bench-") as tmp:
        dumps(st, target, res, errors, leaves)
        sampling(st, target, tmp, rounds, res, errors, leaves)
    res["lines"] = {
        "py": share(leaves["py"], line),
        "merged": share(leaves["merged"], line),
        "austin": share(leaves["austin"], line) if res["austin_ok"] else None,
        "stacktop_others": others(leaves["py"] + leaves["merged"], line),
        "austin_others": (others(leaves["austin"], line)
                          if res["austin_ok"] else [])}
    res["goal"] = goal(res["modes"])
    dm = res["dump_ms"]
    res["dump_ratio"] = (dm["py"] / dm["austin"]
                         if dm["py"] and dm["austin"] else None)
    st = res["modes"].get("stacktop --python 1 kHz")
    au = res["modes"].get("austin 1 kHz")
    res["rate_ratio_1k"] = st["hz"] / au["hz"] if st and au else None
    res["errors"] = [list(kv) for kv in errors.items()]
    return res


def measure(ctx):
    """Python frames: stacktop against austin on every installed CPython.

    data: hot_line, dump_rounds, record_s, settle_s, window_s, slice_s,
    off_s, commands {mode: as shown}, interpreters [see interpreter()]."""
    res = results.new("python-installed", ctx, ("austin",))
    line = hot_line()
    found = []
    for label, python in interpreters():
        print("bench: Python %s" % label, file=sys.stderr)
        found.append(interpreter(ctx.stacktop, label, python, ctx.runs, line))
    res["data"] = {
        "hot_line": line, "dump_rounds": PY_DUMP_ROUNDS,
        "record_s": PY_RECORD_S, "settle_s": PY_SETTLE_S,
        "window_s": PY_WINDOW_S, "slice_s": PY_SLICE_S, "off_s": PY_OFF_S,
        "commands": {n: SHOWN[n] % PY_RECORD_S for n in SAMPLING},
        "interpreters": found}
    return res
