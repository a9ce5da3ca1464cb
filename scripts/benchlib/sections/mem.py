"""mem: `mem --python-types` on a Python process holding many objects: how
long the target is stopped (what the census costs the service), the take
and the whole command, against the same histogram computed inside the
process (what objgraph would cost it)."""
import json
import os
import statistics
import subprocess
import tempfile

from .. import results
from ..common import PY_TARGETS, BenchError
from ..procs import Target, timed
from ..pytargets import interpreters

MEM_OBJECTS = (100000, 1000000)
MEM_GOAL_MS_PER_MILLION = 500
# objgraph.most_common_types() as the process itself would run it: the
# reference for what the same histogram costs from inside (it holds the GIL,
# so the process does nothing else meanwhile).
MEM_INSIDE = r"""
import collections, gc, sys, time
class StacktopLeakyWidget(object):
    def __init__(self, ref):
        self.ref = ref
keep = [StacktopLeakyWidget(None) for _ in range(int(sys.argv[1]))]
start = time.perf_counter()
collections.Counter(type(o).__name__ for o in gc.get_objects()).most_common(20)
sys.stdout.write("%.3f" % ((time.perf_counter() - start) * 1e3))
"""


def mem_interpreters():
    """The system python3 and the newest pyenv CPython: [(label, path)]."""
    found = interpreters()
    pyenv = [x for x in found if not x[1].startswith("/usr/")]
    system = [x for x in found if x[1].startswith("/usr/")]
    return system + pyenv[-1:]


def command(st, pid):
    return [st, "mem", "-p", str(pid), "-d", "0.1", "--python-types", "--json"]


def measure(ctx):
    """mem --python-types: how long the target is stopped, and the whole
    command, for 100k and 1M tracked objects.

    data: command (as shown); rows [{python, requested (the objects the
    target was asked to hold), objects (walked), stop_ms
    (median), worst_stop_ms, per_million_ms, take_ms, wall_ms, inside_ms
    (None if the inside run failed), goal}]."""
    objects_py = os.path.join(PY_TARGETS, "objects.py")
    res = results.new("mem", ctx, ("python3",))
    rows = []
    for label, exe in mem_interpreters():
        for n in MEM_OBJECTS:
            inside = subprocess.run([exe, "-c", MEM_INSIDE, str(n)],
                                    capture_output=True, text=True,
                                    timeout=300).stdout
            stops, takes, walls, walked = [], [], [], 0
            with Target([exe, objects_py, str(n)], timeout=300) as target:
                argv = command(ctx.stacktop, target.pid)
                for _ in range(ctx.runs):
                    with tempfile.TemporaryFile() as out:
                        wall, error = timed(argv, out)
                        if error:
                            raise BenchError("%s: %s" % (ctx.show(argv), error))
                        out.seek(0)
                        py = json.load(out)["python"]
                    if py["partial"]:
                        raise BenchError("%s: partial walk (%s)"
                                         % (ctx.show(argv), py["partial_reason"]))
                    stops.append(py["stop_ms"])
                    takes.append(py["total_ms"])
                    walls.append(wall * 1e3)
                    walked = py["objects"]
            per_million = statistics.median(stops) * 1e6 / walked
            try:
                inside_ms = float(inside)
            except ValueError:
                inside_ms = None
            rows.append({
                "python": label, "requested": n, "objects": walked,
                "stop_ms": statistics.median(stops), "worst_stop_ms": max(stops),
                "per_million_ms": per_million,
                "take_ms": statistics.median(takes),
                "wall_ms": statistics.median(walls), "inside_ms": inside_ms,
                "goal": results.goal(per_million <= MEM_GOAL_MS_PER_MILLION,
                                     MEM_GOAL_MS_PER_MILLION)})
    res["data"] = {"command": ctx.show(command(ctx.stacktop, "PID")),
                   "rows": rows}
    return res
