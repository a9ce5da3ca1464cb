"""record --mode cpu|wall|gil on one interpreter (argv[1]: "3.11", "system",
"sid-3.14" …), with tests/targets/python/gilmodes.py: py-spin holds the GIL
whenever it runs, py-bz2 is on a CPU almost always without it (bz2 releases
the GIL while it compresses), the main thread sleeps.
  gil   (with --python, and merged): py-spin's samples, hardly any of
        py-bz2's; a free-threaded build is refused in one line
  cpu   both threads on a CPU, not the sleeping main thread (the threads
        on a CPU told by perf events, and by /proc with STACKTOP_PERF=0)
  wall  the sleeping main thread too
and the usage errors (an unknown mode, gil with --native)."""

import collections
import os
import sys
import tempfile

from harness import check, python_interpreter, run, stacktop, start_python
from stacks import thread_root

WANT = sys.argv[1]


def profile(pid, *args, env=None):
    """{thread name: samples} of a 1 s record with args."""
    with tempfile.NamedTemporaryFile(suffix=".folded") as out:
        code, _, err = stacktop("record", "-p", pid, "-d", 1, "-r", 300, "-o", out.name,
                                *args, env=env)
        check(code == 0, f"record {' '.join(map(str, args))} exited {code}: {err}")
        counts = collections.Counter()
        for line in open(out.name):
            stack, n = line.rsplit(" ", 1)
            thread = stack.split(";")[0]
            counts[thread_root(thread)[0]] += int(n)
    print(f"{' '.join(map(str, args))}: {dict(counts)}  [{err.strip()}]", flush=True)
    check(sum(counts.values()) > 50, f"too few samples with {args}: {dict(counts)}")
    return counts, err


def share(counts, name):
    return counts[name] / max(1, sum(counts.values()))


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "gilmodes.py")
    pid = target.pid

    for env, how in ((None, "on-CPU threads from perf events"),
                     ({"STACKTOP_PERF": "0"}, "approximate (STACKTOP_PERF=0)")):
        cpu, summary = profile(pid, "--python", "--mode", "cpu", env=env)
        check(how in summary, f"cpu mode summary: {summary}")
        check(share(cpu, "py-bz2") >= 0.2 and share(cpu, "py-spin") >= 0.2,
              f"cpu mode ({how}): both threads run: {dict(cpu)}")
        asleep = sum(n for name, n in cpu.items() if name not in ("py-spin", "py-bz2"))
        check(asleep <= 0.02 * sum(cpu.values()),
              f"cpu mode ({how}): the sleeping main thread counted: {dict(cpu)}")
    wall, _ = profile(pid, "--python", "--mode", "wall")
    main = [name for name in wall if name not in ("py-spin", "py-bz2")]
    check(main, f"wall mode counts the sleeping main thread too: {dict(wall)}")

    if python.free_threaded:
        code, _, err = stacktop("record", "-p", pid, "-d", 0.5, "--mode", "gil", "-o",
                                os.devnull)
        check(code == 1 and "free-threaded" in err and len(err.strip().splitlines()) == 1,
              f"gil mode on a free-threaded build: exit {code}, {err!r}")
    else:
        for args in (("--python", "--mode", "gil"), ("--mode", "gil")):
            gil, summary = profile(pid, *args)
            check(share(gil, "py-spin") >= 0.8 and share(gil, "py-bz2") <= 0.15,
                  f"{args}: the GIL holder's samples: {dict(gil)}")
            check("GIL holder" in summary, f"the summary names the mode: {summary}")

    code, _, err = stacktop("record", "-p", pid, "--mode", "idle")
    check(code == 2 and "cpu, wall or gil" in err, f"unknown mode: exit {code}, {err!r}")
    code, _, err = stacktop("record", "-p", pid, "--mode", "gil", "--native")
    check(code == 2 and "--native" in err, f"gil with --native: exit {code}, {err!r}")


run(test)
