"""A 1,000-deep Python recursion, for one interpreter (argv[1], as in
test_python.py): dump merges all its Python frames into the native stack
and reaches the thread's start (before 3.11 each Python call is several C
calls, some 5,000 native frames), and record's merged samples of it too,
with no part left unplaced or cut."""

import sys

from harness import check, python_interpreter, run, stacktop, stacktop_json, start_python
from stacks import at_thread_start, by_name, shown_names, thread_root

DEPTH = 1000
WANT = sys.argv[1]


def python_functions(thread):
    return [f["function"] for f in thread["stack"] if f["kind"] == "python"]


def check_dump(pid):
    doc = stacktop_json("dump", "-p", pid, "--mixed")
    threads = by_name(doc)
    for name, leaf in (("py-deep-spin", "spin"), ("py-deep-sleep", "rest")):
        check(name in threads, f"no thread {name} in {sorted(threads)}")
        t = threads[name]
        check("native_stack" not in t, f"{name}: Python and native frames did not line up")
        check(t["complete"] is True, f"{name}: stack cut: {t.get('cut')}")
        py = python_functions(t)
        check(py[:DEPTH + 2] == [leaf] + ["down"] * DEPTH + ["start"],
              f"{name}: Python frames {py[:3]}... ({len(py)}), not {leaf}, "
              f"{DEPTH} down, start")
        names = shown_names(t)
        last_python = max(i for i, f in enumerate(t["stack"]) if f["kind"] == "python")
        check(at_thread_start(names[last_python:]),
              f"{name}: no thread start below the Python frames: {names[-5:]}")


def check_record(pid):
    code, out, err = stacktop("record", "-p", pid, "-d", 1, "-f", "folded")
    check(code == 0, f"record: {code} {err}")
    rows = [line for line in out.decode().splitlines()
            if thread_root(line.split(";")[0])[0] == "py-deep-spin"]
    check(rows, f"no py-deep-spin samples: {out[:500]!r} {err}")
    for row in rows:
        frames = row.rsplit(" ", 1)[0].split(";")
        odd = [f for f in frames if f.startswith(("[cut", "[Python frames not placed"))]
        check(not odd, f"a merged sample cut or not placed: {odd}")
        downs = sum(1 for f in frames if f.startswith("down ("))
        check(downs == DEPTH, f"a merged sample has {downs} down frames, not {DEPTH}")
        check(at_thread_start(frames[:0:-1]), f"no thread start at the root: {frames[:4]}")


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "deep.py", str(DEPTH))
    check_dump(target.pid)
    check_record(target.pid)
    target.kill()


run(test)
