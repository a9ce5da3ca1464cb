"""record --python of a process that makes, runs and drops a function each
40 ms (argv[1]: the interpreter, as in test_python.py): a code object made
where a freed one was is told apart from it (its line table's address, read
with each running read's check), so each function keeps its own name in
the profile: nearly every function run while recording is named, none
counted under another's name."""

import collections
import re
import sys
import tempfile

from harness import check, python_interpreter, run, stacktop, start_python

WANT = sys.argv[1]


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "codechurn.py")
    with tempfile.NamedTemporaryFile(suffix=".folded") as out:
        code, _, err = stacktop("record", "-p", target.pid, "--python", "--mode", "wall",
                                "-r", 200, "-d", 3, "-o", out.name)
        check(code == 0, f"record exited {code}: {err}")
        names = collections.Counter()
        for line in open(out.name):
            stack, n = line.rsplit(" ", 1)
            for frame in stack.split(";"):
                m = re.match(r"f_(\d+) ", frame)
                if m:
                    names[int(m.group(1))] += int(n)
    check(names, f"no generated function in the profile: {err}")
    span = max(names) - min(names) + 1
    print(f"{len(names)} functions named of the {span} run while recording "
          f"(f_{min(names)} to f_{max(names)})")
    # Each ran 40 ms: about 8 rounds at 200 Hz. A stale name shows as a
    # function named for several, and the others missing.
    check(len(names) >= 0.95 * span, f"only {len(names)} of {span} functions named: "
          f"a code object's name taken for another's")
    target.kill()


run(test)
