"""Python stacks read without stopping the target are stacks the program had,
on one interpreter (argv[1]: "3.11", "system", "sid-3.14" …), under a CPU
hog on every CPU: tests/targets/python/grammar.py's threads race down a
fixed call grammar (worker, s1, s2a|s2b, … s7a|s7b, leaf) while `record
--python -r 1000` reads them. Every stack of a worker must be the thread's
bootstrap, worker, then consecutive levels (a leaf only under s7): a walk
torn by the thread's calls and returns (s7b;s6a;s4b;s3a, no root) must have
been read again or dropped, and the summary counts the dropped."""

import os
import re
import subprocess
import sys
import tempfile

from harness import check, python_interpreter, run, stacktop, start_python

WANT = sys.argv[1]


def bad_stack(names):
    """Why a worker's stack (root first) is not one of the grammar's, or None."""
    if "worker" not in names:
        return "no worker frame"
    if not names[0].endswith("_bootstrap"):
        return "not rooted in the thread's bootstrap"
    levels = []
    rest = names[names.index("worker") + 1:]
    for i, name in enumerate(rest):
        m = re.fullmatch(r"s(\d)[ab]?", name)
        if m:
            levels.append(int(m.group(1)))
        elif name != "leaf" or i != len(rest) - 1 or levels[-1:] != [7]:
            return f"{name} out of place"
    if levels != list(range(1, len(levels) + 1)):
        return f"levels {levels}"
    return None


def workers_ticks(pid):
    """utime + stime of the py-grammar threads of pid (clock ticks)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat.split("(", 1)[1].rsplit(")", 1)[0] == "py-grammar":
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "grammar.py", 3)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 2)]
    try:
        with tempfile.NamedTemporaryFile(suffix=".folded") as out:
            before = workers_ticks(target.pid)
            code, _, err = stacktop("record", "-p", target.pid, "--python", "-r", 1000,
                                    "-d", 2, "-o", out.name)
            used = workers_ticks(target.pid) - before  # clock ticks: 10 ms each
            check(code == 0, f"record exited {code}: {err}")
            lines = open(out.name).read().splitlines()
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    print(err.strip(), flush=True)
    total = 0
    for line in lines:
        stack, n = line.rsplit(" ", 1)
        frames = stack.split(";")
        if "py-grammar" not in frames[0]:
            continue
        names = [re.sub(r" \(.*", "", f) for f in frames[1:]]
        why = bad_stack(names)
        check(why is None, f"a stack the program never had ({why}): {';'.join(names)}")
        total += int(n)
    # A sample per ms the workers ran (1000 Hz), a third of them at least:
    # on a saturated box they run for less than the 2 s.
    check(total >= min(300, 3 * used) and total >= 30,
          f"too few samples of the workers: {total} for {used} ticks of their CPU")
    print(f"{total} worker samples, all of the grammar", flush=True)


run(test)
