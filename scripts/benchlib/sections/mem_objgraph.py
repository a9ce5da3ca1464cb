"""mem-objgraph (issue 17): stacktop's `mem --python-types` and
`mem --python-refs HxConn` beside objgraph run inside the process, on one
heap shaped like a leaking service (tests/targets/python/hxheap.py): how
long stacktop stops the target, and how its whole command compares with
objgraph's in-process walk (most_common_types for the histogram,
find_backref_chain for the chains), which holds the GIL all along."""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile

from .. import results
from ..common import PY_TARGETS, BenchError
from ..procs import Target, timed
from .mem import MEM_GOAL_MS_PER_MILLION, MEM_OBJECTS

# Debian's python3: python3-objgraph is installed for it alone.
OBJGRAPH_PYTHON = "/usr/bin/python3"
HXHEAP = os.path.join(PY_TARGETS, "hxheap.py")
# Issue 17: the chains' whole command within 3x of objgraph's walk.
REFS_GOAL_RATIO = 3.0
REFS_TYPE = "HxConn"


class HxHeap(Target):
    """hxheap.py N under Debian's python3; objgraph(sig) has it run objgraph
    on itself and returns (the call's milliseconds, what it found)."""

    def __init__(self, n):
        super().__init__([OBJGRAPH_PYTHON, HXHEAP, str(n)], timeout=300)

    def objgraph(self, sig):
        self.proc.send_signal(sig)
        _, ms, found = self._ready_line().decode().split()
        return float(ms), found


def commands(st, pid):
    """{tool: argv}: the histogram (-d at its least: mem takes a census at
    each end of it) and the chains."""
    return {"types": [st, "mem", "-p", str(pid), "-d", "0.1", "--python-types",
                      "--json"],
            "refs": [st, "mem", "-p", str(pid), "--python-refs", REFS_TYPE,
                     "--json"]}


def refs_missing(st):
    """Why the refs rows cannot be measured (this stacktop has no
    --python-refs yet), or None."""
    out = subprocess.run([st, "mem", "--help"], capture_output=True,
                         text=True, timeout=30)
    if "--python-refs" in out.stdout + out.stderr:
        return None
    return "this stacktop's mem has no --python-refs yet"


def objgraph_missing():
    """Why objgraph cannot run in the target (not installed), or None."""
    out = subprocess.run([OBJGRAPH_PYTHON, "-c", "import objgraph"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode == 0:
        return None
    return ("%s cannot import objgraph (apt-get install python3-objgraph)"
            % OBJGRAPH_PYTHON)


def stacktop_once(ctx, argv):
    """One stacktop command: (wall ms, its JSON document)."""
    with tempfile.TemporaryFile() as out:
        wall, error = timed(argv, out)
        if error:
            raise BenchError("%s: %s" % (ctx.show(argv), error))
        out.seek(0)
        doc = json.load(out)
    return wall * 1e3, doc


def census(ctx, argv, doc):
    """(stopped ms, take ms or None, objects walked) of the census a mem or
    refs document describes under "python" (mem's is the last of its two:
    the ratios are of one). A partial walk or, for refs, no chain found is
    not a result to time."""
    py = doc["python"]
    if py.get("partial"):
        raise BenchError("%s: partial walk (%s)"
                         % (ctx.show(argv), py.get("partial_reason")))
    if doc.get("schema", "").startswith("stacktop.refs/") and \
            not doc.get("chains"):
        raise BenchError("%s: no chain to %s found" % (ctx.show(argv),
                                                       REFS_TYPE))
    return py["stopped_ms"], py.get("total_ms"), py["objects"]


def row(tool, n, samples, objgraph_ms, objects_walked):
    """One row of the table from a tool's samples [(wall, stop, take)]."""
    walls, stops, takes = zip(*samples)
    stop = statistics.median(stops)
    per_million = stop * 1e6 / objects_walked
    take = statistics.median(takes) if None not in takes else None
    wall = statistics.median(walls)
    peer = statistics.median(objgraph_ms)
    goals = {"stop": results.goal(per_million <= MEM_GOAL_MS_PER_MILLION,
                                  MEM_GOAL_MS_PER_MILLION)}
    if tool == "refs":
        goals["total"] = results.goal(wall / peer <= REFS_GOAL_RATIO,
                                      REFS_GOAL_RATIO)
    return {"tool": tool, "requested": n, "objects": objects_walked,
            "stop_ms": stop, "worst_stop_ms": max(stops),
            "per_million_ms": per_million, "take_ms": take, "wall_ms": wall,
            "objgraph_ms": peer, "worst_objgraph_ms": max(objgraph_ms),
            "take_ratio": results.ratio(take, peer),
            "wall_ratio": results.ratio(wall, peer), "goals": goals}


def measure_heap(ctx, n, tools):
    """The rows of one heap of n objects: each tool's stacktop command and
    its objgraph call, alternately, ctx.runs times after one of each that
    is not counted (objgraph's first find_backref_chain collects the
    garbage of building the heap; stacktop's first run reads the ELF files
    cold)."""
    peer_signal = {"types": signal.SIGUSR2, "refs": signal.SIGUSR1}
    samples = {tool: [] for tool in tools}
    peer_ms = {tool: [] for tool in tools}
    walked = {}
    with HxHeap(n) as target:
        argv = commands(ctx.stacktop, target.pid)
        for rnd in range(ctx.runs + 1):
            for tool in tools:
                wall, doc = stacktop_once(ctx, argv[tool])
                stop, take, objects = census(ctx, argv[tool], doc)
                ms, found = target.objgraph(peer_signal[tool])
                if tool == "refs" and found == "1":
                    raise BenchError("hxheap.py: find_backref_chain found "
                                     "no module above the HxConn")
                if rnd == 0:
                    continue
                samples[tool].append((wall, stop, take))
                peer_ms[tool].append(ms)
                walked[tool] = objects
                print("bench: mem objgraph %d %s: stacktop %.0f ms (stopped "
                      "%.0f), objgraph %.0f ms" % (n, tool, wall, stop, ms),
                      file=sys.stderr)
    return [row(tool, n, samples[tool], peer_ms[tool], walked[tool])
            for tool in tools]


def measure(ctx):
    """Both tools' rows for 100k and 1M objects.

    data: commands {tool: argv as shown}; refs_missing (why the refs rows
    are not there, or None); rows [{tool ("types" or "refs"), requested,
    objects (walked), stop_ms (median), worst_stop_ms, per_million_ms,
    take_ms (the census or walk alone, None if not reported), wall_ms (the
    command), objgraph_ms (median), worst_objgraph_ms, take_ratio,
    wall_ratio (stacktop / objgraph), goals {stop, total (refs)}}]."""
    res = results.new("mem-objgraph", ctx, ("python3", "python3-objgraph"))
    missing = objgraph_missing()
    if missing:
        res["data"] = {"not_measured": missing}
        return res
    refs_why = refs_missing(ctx.stacktop)
    if refs_why:
        print("bench: mem objgraph: no refs rows: %s" % refs_why,
              file=sys.stderr)
    tools = ("types",) if refs_why else ("types", "refs")
    rows = []
    for n in MEM_OBJECTS:
        rows += measure_heap(ctx, n, tools)
    res["data"] = {"commands": {tool: ctx.show(argv) for tool, argv in
                                commands(ctx.stacktop, "PID").items()},
                   "refs_missing": refs_why, "rows": rows}
    return res
