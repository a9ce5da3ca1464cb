"""The python-current parts on services (issue 22), under sid's 3.15:
a service of many threads of which few are busy (does a CPU profile skip
the parked ones, and what does a wall profile cost per stack?) and a
web-like one (what does sampling at 1 kHz cost its requests/s?)."""
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import time

from . import results, sid
from .common import ENV, PY_TARGETS, TOOL_TIMEOUT_S
from .procs import Target, cpu_ticks, exit_error, reap, stderr_text
from .pytargets import PY_TARGET_SHARED
from .sid import SID_ROOT, SidTarget, sid_version

# service.py in 3.15, SERVICE_PARKED threads in time.sleep and SERVICE_BUSY
# computing, 30 frames deep, sampled at SERVICE_RATE for SERVICE_S by
# Tachyon (every thread: wall) and stacktop in wall and CPU mode.
SERVICE_PARKED, SERVICE_BUSY, SERVICE_RATE, SERVICE_S = 196, 4, 100, 5
SERVICE_DEPTH = 30
GOAL_PER_THREAD = 0.95  # wall mode: each thread's rate, a share of -r
GOAL_PER_STACK = 0.5    # wall mode: CPU per stack, a share of Tachyon's
GOAL_PARKED = 0.02      # CPU mode: the parked threads' share of samples
GOAL_FIT = 0.15         # CPU mode: samples within this of rate x CPU used

# web.py under 3.15 in the root, WEB_CLIENTS keep-alive clients here; its
# requests per second with no tool, and while Tachyon and stacktop sample
# it at WEB_RATE.
WEB_RATE, WEB_S, WEB_CLIENTS, WEB_SETTLE_S = 1000, 3, 4, 0.5


class SidService(SidTarget):
    """service.py under a sid interpreter, in its own namespaces."""

    def __init__(self, python):
        self.scratch(os.path.join(PY_TARGETS, "service.py"), PY_TARGET_SHARED)
        Target.__init__(self, [
            "unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
            "--root=" + SID_ROOT, python, self.inner + "/service.py",
            str(SERVICE_PARKED), str(SERVICE_BUSY), str(SERVICE_DEPTH)])
        self.map = self.fields = None

    def __enter__(self):
        return Target.__enter__(self)

    def names(self):
        """{"thread NAME (HOST TID)" and "tid:INNER TID": the thread's OS
        name}: the roots stacktop and Tachyon give a thread."""
        out = {}
        for tid in os.listdir("/proc/%d/task" % self.pid):
            with open("/proc/%d/task/%s/status" % (self.pid, tid)) as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            name = fields["Name"].strip()
            out["thread %s (%s)" % (name, tid)] = name
            out["tid:%s" % fields["NSpid"].split()[-1]] = name
        return out


def service_window(target, argv, out):
    """One tool's run: ({thread name: samples}, the tool's CPU s, the
    target's CPU s meanwhile, error or None)."""
    ticks = os.sysconf("SC_CLK_TCK")
    before = cpu_ticks(target.pid)
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err,
                                stderr=err, env=ENV)
        ru = reap(proc, SERVICE_S + TOOL_TIMEOUT_S)
        text = stderr_text(err)
    used = (cpu_ticks(target.pid) - before) / ticks
    if proc.returncode != 0:
        return {}, None, used, exit_error(proc.returncode, text)
    names, counts = target.names(), collections.Counter()
    with open(out, errors="replace") as f:
        for text in f:
            stack, _, n = text.rstrip("\n").rpartition(" ")
            if n.isdigit():
                root = stack.split(";")[0]
                counts[names.get(root, root)] += int(n)
    return counts, ru.ru_utime + ru.ru_stime, used, None


def service_row(name, cmd, runs, d, r):
    """One tool's row: medians over its runs that did not fail."""
    ok = [w for w in runs if w[3] is None]
    if not ok:
        return {"tool": name, "command": cmd, "error": runs[0][3]}
    total = [sum(c.values()) for c, _, _, _ in ok]
    per_thread = [statistics.median(c.values()) / d for c, _, _, _ in ok]
    busy = [sum(n for k, n in c.items() if k.startswith("py-work-")) /
            max(1, sum(c.values())) for c, _, _, _ in ok]
    cpu = [w[1] for w in ok]
    per_stack = [1e6 * c / max(1, n) for c, n in zip(cpu, total)]
    fit = [n / (r * used) if used else 0 for n, (_, _, used, _)
           in zip(total, ok)]
    return {"tool": name, "command": cmd, "error": None,
            "threads": statistics.median(len(c) for c, _, _, _ in ok),
            "hz": statistics.median(per_thread),
            "busy": statistics.median(busy),
            "cpu_s": statistics.median(cpu),
            "per_stack_us": statistics.median(per_stack),
            "fit": statistics.median(fit)}


def service(ctx, line, rounds):
    """Part 3: a many-thread service, stacktop against Tachyon.

    Returns {python_version, parked, busy, depth, seconds, rate, rounds,
    rows [{tool, command, error, threads, hz (the median thread's samples
    per second), busy (the busy threads' share of samples), cpu_s (the
    tool's), per_stack_us (tool CPU per stack), fit (samples / (rate x the
    target's CPU s))}], wall {hz, hz_goal, per_stack_ratio, goal} or None,
    cpu {parked, parked_goal, fit, fit_goal} or None}; or {not_measured}."""
    python = "/usr/bin/python3.15"
    nthreads = SERVICE_PARKED + SERVICE_BUSY + 1
    if not sid.has(python):
        return {"not_measured": "%s has no %s" % (SID_ROOT, python)}
    print("bench: Python 3.15 (sid), a %d-thread service" % nthreads,
          file=sys.stderr)
    d, r = SERVICE_S, SERVICE_RATE
    shown = {
        "Tachyon": "nsenter -t PID -a -r -w python3.15 -m profiling.sampling "
                   "attach -a -r %d -d %d --collapsed -o FILE 1" % (r, d),
        "stacktop --mode wall": "stacktop record -p PID --python --mode wall "
                                "-r %d -d %d" % (r, d),
        "stacktop (cpu)": "stacktop record -p PID --python -r %d -d %d"
                          % (r, d)}
    runs = {name: [] for name in shown}
    with SidService(python) as target:
        out = os.path.join(target.outer, "profile")
        argv = {
            "Tachyon": target.inside([
                python, "-m", "profiling.sampling", "attach", "-a", "-r",
                str(r), "-d", str(d), "--collapsed", "-o",
                target.inner + "/profile", "1"]),
            "stacktop --mode wall": [ctx.stacktop, "record", "-p",
                                     str(target.pid), "--python", "--mode",
                                     "wall", "-r", str(r), "-d", str(d), "-o",
                                     out],
            "stacktop (cpu)": [ctx.stacktop, "record", "-p", str(target.pid),
                               "--python", "-r", str(r), "-d", str(d), "-o",
                               out]}
        for _ in range(rounds):
            for name in shown:
                runs[name].append(service_window(target, argv[name], out))
    rows = {name: service_row(name, cmd, runs[name], d, r)
            for name, cmd in shown.items()}
    ta, wall = rows["Tachyon"], rows["stacktop --mode wall"]
    cpu = rows["stacktop (cpu)"]
    part = {"python_version": sid_version("python3.15"),
            "parked": SERVICE_PARKED, "busy": SERVICE_BUSY,
            "depth": SERVICE_DEPTH, "seconds": d, "rate": r,
            "rounds": rounds, "rows": list(rows.values()),
            "wall": None, "cpu": None}
    if not ta["error"] and not wall["error"]:
        ratio = wall["per_stack_us"] / ta["per_stack_us"]
        part["wall"] = {
            "hz": wall["hz"],
            "hz_goal": results.goal(wall["hz"] >= GOAL_PER_THREAD * r,
                                    GOAL_PER_THREAD * r),
            "per_stack_ratio": ratio,
            "goal": results.goal(ratio <= GOAL_PER_STACK, GOAL_PER_STACK)}
    if not cpu["error"]:
        parked = 1 - cpu["busy"]
        part["cpu"] = {
            "parked": parked,
            "parked_goal": results.goal(parked <= GOAL_PARKED, GOAL_PARKED),
            "fit": cpu["fit"],
            "fit_goal": results.goal(abs(cpu["fit"] - 1) <= GOAL_FIT,
                                     GOAL_FIT)}
    return part


class SidWeb(SidTarget):
    """web.py under a sid interpreter, in its own PID and mount namespace
    (the host's network: its port is reached from here)."""

    def __init__(self, python):
        self.scratch(os.path.join(PY_TARGETS, "web.py"))
        Target.__init__(self, [
            "unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
            "--root=" + SID_ROOT, python, self.inner + "/web.py"])
        self.map = self.fields = None

    def __enter__(self):
        return Target.__enter__(self)

    def _ready_line(self):
        line = Target._ready_line(self)
        self.port = int(line.split()[2])
        return line


def web_load(port, seconds):
    """Requests per second that WEB_CLIENTS keep-alive clients get answered
    over `seconds`."""
    import http.client
    import threading
    done, stop = [0] * WEB_CLIENTS, time.monotonic() + seconds

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            conn.request("GET", "/items")
            conn.getresponse().read()
            done[k] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,))
               for k in range(WEB_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def web_window(target, argv):
    """(requests per second, the tool's CPU s or None, error or None) of
    one window, with argv sampling the service (None: no tool)."""
    if argv is None:
        return web_load(target.port, WEB_S), None, None
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err,
                                stderr=err, env=ENV)
        time.sleep(WEB_SETTLE_S)
        rate = web_load(target.port, WEB_S)
        ru = reap(proc, WEB_S + TOOL_TIMEOUT_S)
        text = stderr_text(err)
    if proc.returncode != 0:
        return rate, None, exit_error(proc.returncode, text)
    return rate, ru.ru_utime + ru.ru_stime, None


def web(ctx, line, rounds):
    """Part 4: a web-like service's throughput at 1 kHz, stacktop against
    Tachyon.

    Returns {python_version, clients, seconds (the load's windows), tool_s
    (the tools' -d), rate, rounds, rows [{tool, command, error, requests_s,
    throughput (over no tool's), cpu (the tool's share of one CPU)}],
    losses {tool: 1 - throughput}, goal}; or {not_measured}."""
    python = "/usr/bin/python3.15"
    if not sid.has(python):
        return {"not_measured": "%s has no %s" % (SID_ROOT, python)}
    print("bench: Python 3.15 (sid), a web-like service", file=sys.stderr)
    d, r = WEB_S + WEB_SETTLE_S + 0.5, WEB_RATE
    shown = {
        "no tool": "",
        "Tachyon": "nsenter -t PID -a -r -w python3.15 -m profiling.sampling "
                   "attach -a -r 1khz -d %g --collapsed -o FILE 1" % d,
        "stacktop": "stacktop record -p PID --python -r %d -d %g" % (r, d),
        "stacktop --mode wall": "stacktop record -p PID --python --mode wall "
                                "-r %d -d %g" % (r, d)}
    runs = {name: [] for name in shown}
    with SidWeb(python) as target:
        out = os.path.join(target.outer, "profile")
        argv = {
            "no tool": None,
            "Tachyon": target.inside([
                python, "-m", "profiling.sampling", "attach", "-a", "-r",
                "1khz", "-d", "%g" % d, "--collapsed", "-o",
                target.inner + "/profile", "1"]),
            "stacktop": [ctx.stacktop, "record", "-p", str(target.pid),
                         "--python", "-r", str(r), "-d", "%g" % d, "-o", out],
            "stacktop --mode wall": [ctx.stacktop, "record", "-p",
                                     str(target.pid), "--python", "--mode",
                                     "wall", "-r", str(r), "-d", "%g" % d,
                                     "-o", out]}
        web_load(target.port, 1)  # warm up
        for rnd in range(rounds):
            names = list(shown)
            names = names[rnd % len(names):] + names[:rnd % len(names)]
            for name in names:
                runs[name].append(web_window(target, argv[name]))
    base = statistics.median(w[0] for w in runs["no tool"])
    rows, loss = [], {}
    for name, cmd in shown.items():
        ok = [w for w in runs[name] if w[2] is None]
        if not ok:
            rows.append({"tool": name, "command": cmd,
                         "error": runs[name][0][2]})
            continue
        rate = statistics.median(w[0] for w in ok)
        loss[name] = 1 - rate / base
        rows.append({"tool": name, "command": cmd, "error": None,
                     "requests_s": rate, "throughput": rate / base,
                     "cpu": (statistics.median(w[1] for w in ok) / d
                             if name != "no tool" else None)})
    goal = None
    if "Tachyon" in loss and "stacktop" in loss:
        goal = results.goal(loss["stacktop"] <= loss["Tachyon"],
                            loss["Tachyon"])
    return {"python_version": sid_version("python3.15"),
            "clients": WEB_CLIENTS, "seconds": WEB_S, "tool_s": d, "rate": r,
            "rounds": rounds, "rows": rows, "losses": loss, "goal": goal}
