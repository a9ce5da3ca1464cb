"""The Python target (tests/targets/python/bench.py) and the interpreters
to run it under: what both Python sections share."""
import os
import subprocess
import time

import pythons  # scripts/pythons.py: scripts/ is on the path (scripts/bench)

from .common import PY_TARGETS, BenchError
from .procs import MappedTarget

PY_TARGET = os.path.join(PY_TARGETS, "bench.py")
# What the Python targets import (thread names, the ready line).
PY_TARGET_SHARED = os.path.join(PY_TARGETS, "target_threads.py")
# The busy thread's rate is counted in slices of this many seconds.
PY_SLICE_S = 0.25
CHUNK = 10000           # iterations of the hot line per call (bench.py)


def python_version(exe):
    out = subprocess.run([exe, "-c", "import sys; sys.stdout.write("
                          "'%d %d %d' % sys.version_info[:3])"],
                         capture_output=True, text=True, timeout=30)
    return tuple(int(x) for x in out.stdout.split())


def interpreters():
    """[(label, executable)]: every CPython in `pyenv root`/versions, oldest
    first, then /usr/bin/python3."""
    found = sorted((python_version(path), name, path)
                   for name, path in pythons.pyenv_pythons())
    out = [(name, path) for _, name, path in found]
    if os.access("/usr/bin/python3", os.X_OK):
        out.append(("%s (/usr/bin/python3)" % ".".join(
            map(str, python_version("/usr/bin/python3"))), "/usr/bin/python3"))
    return out


def hot_line():
    """The line of bench.py marked "# line: hot"."""
    with open(PY_TARGET) as f:
        for number, text in enumerate(f, 1):
            if text.rstrip().endswith("# line: hot"):
                return number
    raise BenchError("%s: no '# line: hot' marker" % PY_TARGET)


class PyTarget(MappedTarget):
    """tests/targets/python/bench.py under one interpreter: a busy thread
    whose calls of hot() we read from a shared counter file, without waking
    the target."""

    def __init__(self, python):
        super().__init__("pybench-", lambda path: [python, PY_TARGET, path])

    def mapped(self):
        self.busy_tid = self._busy_tid()
        self.nthreads = len(os.listdir("/proc/%d/task" % self.pid))

    def _busy_tid(self):
        for tid in os.listdir("/proc/%d/task" % self.pid):
            with open("/proc/%d/task/%s/comm" % (self.pid, tid)) as f:
                if f.read().strip() == "py-busy":
                    return int(tid)
        raise BenchError("%s: no thread named py-busy" % " ".join(self.argv))

    def sample(self):
        """(hot-line iterations so far, our CLOCK_MONOTONIC, the busy thread's
        seconds on a CPU and waiting for one)."""
        calls = self.fields[0]
        at = time.monotonic()
        with open("/proc/%d/task/%d/schedstat"
                  % (self.pid, self.busy_tid)) as f:
            cpu, wait = (int(x) / 1e9 for x in f.read().split()[:2])
        return calls * CHUNK, at, cpu, wait
