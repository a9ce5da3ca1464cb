"""ui: the live view against top -H and htop, on one terminal each: CPU
per refresh, memory and bytes sent to the terminal (what a slow ssh link
pays), and how soon the first screen shows."""
import os
import shlex
import signal
import statistics
import subprocess
import tempfile
import time

from .. import results
from ..common import TARGETS, BenchError
from ..procs import Target, cpu_ticks, status_kib

UI_PERIOD_S = 20      # the measured window, after the warm-up
UI_WARMUP_S = 3       # start-up costs are not a refresh's
GOAL_CPU = 0.1        # CPU per refresh, a share of top -H's
GOAL_HWM_MIB = 16
GOAL_FIRST_MS = 100


class Sessions:
    """A private tmux server for the tools, and every tool started in it,
    killed at the end whatever happens."""

    def __init__(self):
        self.tmux = ["tmux", "-L", "stacktop-bench-%d" % os.getpid()]
        self.started = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for pid in self.started:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(self.tmux + ["kill-server"], capture_output=True)

    def run(self, *args):
        return subprocess.run(self.tmux + list(args), check=True,
                              capture_output=True, text=True).stdout.strip()

    def start(self, name, argv, tmp):
        """Starts argv in a detached 80x24 tmux session under `script`,
        which copies every byte the tool writes to the terminal into a file,
        with the time of each write. Returns (tool pid, output file, timing
        file)."""
        out = os.path.join(tmp, name + ".out")
        timing = os.path.join(tmp, name + ".timing")
        command = "exec script -q -f -T %s -c %s %s" % (
            shlex.quote(timing), shlex.quote("exec " + shlex.join(argv)),
            shlex.quote(out))
        self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                 command)
        script_pid = int(self.run("display-message", "-p", "-t", name,
                                  "#{pane_pid}"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            children = subprocess.run(["pgrep", "-P", str(script_pid)],
                                      capture_output=True,
                                      text=True).stdout.split()
            if children:
                self.started.append(int(children[0]))
                return int(children[0]), out, timing
            time.sleep(0.01)
        raise BenchError("%s did not start under script" % " ".join(argv))

    def stop(self, name, pid):
        """Ends a tool and its session. `script` outlives a hangup (and
        keeps the tool's terminal open): the tool is killed first, by its
        pid."""
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        subprocess.run(self.tmux + ["kill-session", "-t", name],
                       capture_output=True)


def first_screen_ms(out, timing, marker):
    """When the write that completed the first screen happened, in ms after
    script started the tool: the first write that holds marker."""
    with open(out, "rb") as f:
        data = f.read()
    # script's log starts with a header line; the timing file's lines are
    # "DELAY BYTES" for each write after it.
    offset = data.index(b"\n") + 1 if data.startswith(b"Script started") else 0
    at = data.find(marker, offset)
    if at < 0:
        return None
    elapsed = 0.0
    with open(timing) as f:
        for line in f:
            delay, nbytes = line.split()[:2]
            elapsed += float(delay)
            offset += int(nbytes)
            if offset > at:
                return elapsed * 1000
    return None


def measure(ctx):
    """The live view at 80x24 with a 1 s refresh: CPU per refresh, memory
    and bytes sent to the terminal, against top -H and htop at the same time
    on the same 5,000-thread target; and how soon the first screen shows.

    data: threads, period_s, warmup_s; rows [{tool, cpu_ms (per refresh),
    ratio_cpu (over top -H's), rss_kib, hwm_kib, bytes_s, ratio_bytes}];
    first_screen {ms [each start], median, starts}, first_stack_ms
    (median); goals {cpu, hwm, bytes, first}."""
    res = results.new("ui", ctx, ("procps", "htop", "tmux"))
    tools = {
        "stacktop": [ctx.stacktop, "-d", "1"],
        "top -H": ["top", "-H", "-d", "1"],
        "htop": ["htop", "-d", "10"],
    }
    with Target([os.path.join(TARGETS, "threads"), "5000"]) as target, \
            tempfile.TemporaryDirectory() as tmp, Sessions() as tmux:
        nthreads = target.status("Threads")
        measured = {name: {"cpu": [], "bytes": [], "rss": [], "hwm": []}
                    for name in tools}
        for _ in range(ctx.runs):
            started = {name: tmux.start(name.split()[0], argv, tmp)
                       for name, argv in tools.items()}
            time.sleep(UI_WARMUP_S)
            before = {n: (cpu_ticks(p), os.path.getsize(o))
                      for n, (p, o, _) in started.items()}
            time.sleep(UI_PERIOD_S)
            for n, (p, o, _) in started.items():
                ticks, size = cpu_ticks(p), os.path.getsize(o)
                r = measured[n]
                r["cpu"].append((ticks - before[n][0])
                                / os.sysconf("SC_CLK_TCK") / UI_PERIOD_S)
                r["bytes"].append((size - before[n][1]) / UI_PERIOD_S)
                r["rss"].append(status_kib(p, "VmRSS"))
                r["hwm"].append(status_kib(p, "VmHWM"))
            for n, (p, _, _) in started.items():
                tmux.stop(n.split()[0], p)
        # The first screen: stacktop alone, started again and again.
        first, first_stack = [], []
        for i in range(max(ctx.runs, 5)):
            name = "first%d" % i
            pid, out, timing = tmux.start(name, tools["stacktop"], tmp)
            time.sleep(1.5)
            ms = first_screen_ms(out, timing, b" stack of")
            if ms is not None:
                first.append(ms)
            ms = first_screen_ms(out, timing, b"#0 ")
            if ms is not None:
                first_stack.append(ms)
            tmux.stop(name, pid)
    med = {n: {k: statistics.median(v) for k, v in r.items()}
           for n, r in measured.items()}
    top = med["top -H"]
    rows = [{"tool": n, "cpu_ms": m["cpu"] * 1000,
             "ratio_cpu": results.ratio(m["cpu"], top["cpu"]),
             "rss_kib": m["rss"], "hwm_kib": m["hwm"], "bytes_s": m["bytes"],
             "ratio_bytes": results.ratio(m["bytes"], top["bytes"])}
            for n, m in med.items()]
    st = med["stacktop"]
    first_median = statistics.median(first) if first else None
    res["data"] = {
        "threads": int(nthreads) if nthreads.isdigit() else None,
        "period_s": UI_PERIOD_S, "warmup_s": UI_WARMUP_S, "rows": rows,
        "first_screen": {"ms": first, "median": first_median,
                         "starts": len(first)},
        "first_stack_ms": (statistics.median(first_stack)
                           if first_stack else None),
        "goals": {
            "cpu": results.goal(st["cpu"] <= GOAL_CPU * top["cpu"], GOAL_CPU),
            "hwm": results.goal(st["hwm"] <= GOAL_HWM_MIB * 1024,
                                GOAL_HWM_MIB),
            "bytes": results.goal(st["bytes"] <= top["bytes"], 1),
            "first": results.goal(first_median is not None
                                  and first_median <= GOAL_FIRST_MS,
                                  GOAL_FIRST_MS)}}
    return res
