"""The stallprobe target (tests/targets/stallprobe.c), which the native
sections measure a tool's stall with, and what stacktop says of its own
stops."""
import collections
import os
import time

from .common import TARGETS, BenchError
from .procs import MappedTarget

Stats = collections.namedtuple("Stats",
                               "stall_ms iterations at worker_cpu worker_wait")


class StallProbe(MappedTarget):
    """tests/targets/stallprobe: idle threads, a worker counting loop
    iterations and a probe thread that keeps the longest time it could not
    run. Its numbers are read from a shared file, so reading them wakes no
    thread of the target, and nothing on stacktop's side helps.

    begin() starts a window, end() ends it; both return Stats: the longest
    stall in the window (ms, end() only, None without the probe), the
    worker's iteration count, our CLOCK_MONOTONIC (s), and the worker's time
    on a CPU and waiting for one (s)."""

    # struct stallprobe_stats in tests/targets/stallprobe.c, u64 each.
    WORKER_TID, ITERATIONS, PROBE_ROUNDS, MAX_STALL_NS, WINDOW, WINDOW_ACK = \
        range(6)

    def __init__(self, nidle, probe=True):
        super().__init__("stallprobe-", lambda path: [
            os.path.join(TARGETS, "stallprobe"), str(nidle), path] +
            ([] if probe else ["--no-probe"]))
        self.probe, self.window = probe, 0

    def mapped(self):
        self.worker_tid = self.fields[self.WORKER_TID]

    def begin(self):
        if self.probe:
            self.window += 1
            self.fields[self.WINDOW] = self.window
            self._wait(lambda: self.fields[self.WINDOW_ACK] == self.window)
        return self._sample(None)

    def end(self):
        stall = None
        if self.probe:
            # Two more probe sleeps: a freeze that just ended is then in the
            # maximum (the probe may resume after we do).
            rounds = self.fields[self.PROBE_ROUNDS]
            self._wait(lambda: self.fields[self.PROBE_ROUNDS] >= rounds + 2)
            stall = self.fields[self.MAX_STALL_NS] / 1e6
        return self._sample(stall)

    def _wait(self, done):
        deadline = time.monotonic() + 10
        while not done():
            if time.monotonic() > deadline:
                raise BenchError("stallprobe: the probe thread has not run "
                                 "for 10 s (left stopped by a tool?)")
            time.sleep(0.0002)

    def _sample(self, stall):
        iterations = self.fields[self.ITERATIONS]
        at = time.monotonic()
        # schedstat: time on a CPU and time runnable but waiting for one, in
        # nanoseconds. The worker never sleeps, so the rest of the wall time
        # is time it was held stopped.
        with open("/proc/%d/task/%d/schedstat"
                  % (self.pid, self.worker_tid)) as f:
            cpu, wait = (int(x) / 1e9 for x in f.read().split()[:2])
        return Stats(stall, iterations, at, cpu, wait)


def self_reported_stop(out):
    """stacktop dump's header says "stopped for X ms"; None if it does not."""
    out.seek(0)
    words = out.readline().decode(errors="replace").split()
    if "stopped" in words:
        i = words.index("stopped")
        if words[i + 1:i + 2] == ["for"] and words[i + 3:i + 4] == ["ms"]:
            return float(words[i + 2])
    return None
