"""record --python of a service with many threads, few busy (argv[1]: the
interpreter, as in test_python.py): tests/targets/python/service.py with
100 threads parked in time.sleep and 2 computing, 30 frames deep. A CPU
profile is of the busy threads (the parked ones, which wake once a second,
at most 2% of it), from perf events and from /proc (STACKTOP_PERF=0); a
wall-clock profile has every thread, the parked ones where they sleep."""

import collections
import os
import sys
import tempfile

from harness import check, process_cpu_ticks, python_interpreter, run, stacktop, start_python
from stacks import thread_root

WANT = sys.argv[1]
PARKED, BUSY = 100, 2


def threads(pid, *args, env=None):
    """{thread name: samples}, {thread name: set of leaf functions} of a 2 s
    record, and the CPU time the process got meanwhile (clock ticks, 100 a
    second: as many samples at 100 Hz)."""
    with tempfile.NamedTemporaryFile(suffix=".folded") as out:
        before = process_cpu_ticks(pid)
        code, _, err = stacktop("record", "-p", pid, "--python", "-d", 2, "-o", out.name,
                                *args, env=env)
        used = process_cpu_ticks(pid) - before
        check(code == 0, f"record {args} exited {code}: {err}")
        counts, leaves = collections.Counter(), collections.defaultdict(set)
        for line in open(out.name):
            stack, n = line.rsplit(" ", 1)
            frames = stack.split(";")
            name = thread_root(frames[0])[0]
            counts[name] += int(n)
            leaves[name].add(frames[-1].split(" (")[0])
    print(f"{args} {env}: {sum(counts.values())} samples, {len(counts)} threads, "
          f"{used} ticks of CPU  [{err.strip()}]", flush=True)
    return counts, leaves, used


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "service.py", PARKED, BUSY)
    for env in (None, {"STACKTOP_PERF": "0"}):
        counts, leaves, used = threads(target.pid, "--mode", "cpu", env=env)
        busy = sum(n for name, n in counts.items() if name.startswith("py-work-"))
        total = sum(counts.values())
        # The busy threads share one GIL: about 100 samples of the 200 a
        # quiet box gives, fewer when every CPU is busy. Against the CPU
        # time the process got, as a box under load gives less.
        check(total >= max(10, 0.5 * used), f"cpu mode {env}: {total} samples of {used} ticks")
        # Parked threads wake now and then (the interpreter's own waits):
        # a few samples of them are true. Were they counted as if running,
        # they would take ~98% (100 of 102 threads).
        check(busy >= 0.95 * total,
              f"cpu mode {env}: the parked threads took {total - busy} of {total} samples: "
              f"{ {k: v for k, v in counts.items() if not k.startswith('py-work-')} }")
    counts, leaves, _ = threads(target.pid, "--mode", "wall")
    parked = [name for name in counts if name.startswith("py-park-")]
    check(len(parked) == PARKED, f"wall mode: {len(parked)} of {PARKED} parked threads")
    check(all(leaves[name] == {"park"} for name in parked),
          f"wall mode: parked threads not in park: "
          f"{ {n: leaves[n] for n in parked if leaves[n] != {'park'}} }")
    target.kill()


run(test)
