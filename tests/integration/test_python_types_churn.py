"""mem --python-types against a process whose collector lists change all the
time (a thread allocating and dropping cycles, so collections run): every
walk ends with a sensible answer (complete, or partial with
its reason), the target runs on and is never left stopped; and a process
that is not Python is refused in one line."""

from harness import (check, python_interpreter, run, stacktop, stacktop_json, start_python,
                     start_target)

CLASS = "StacktopLeakyWidget"
COUNT = 200000


def state_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def test():
    python = python_interpreter("system")
    proc = start_python(python, "objects.py", COUNT, "--churn")
    partial = 0
    for attempt in range(10):
        py = stacktop_json("mem", "-p", proc.pid, "-d", 0.1, "--python-types")["python"]
        check(py["stop_ms"] < 3000, f"stopped {py['stop_ms']} ms")
        check(proc.poll() is None, "the target died")
        check(state_of(proc.pid) not in ("t", "T"), "the target was left stopped")
        if py["partial"]:
            partial += 1
            check(isinstance(py["partial_reason"], str) and py["partial_reason"],
                  f"partial without a reason: {py}")
        else:
            top = {row["type"]: row["count"] for row in py["types"]}
            check(abs(top.get(CLASS, 0) - COUNT) <= COUNT * 0.05,
                  f"complete walk counted {top.get(CLASS)} of {COUNT}: {py['types'][:3]}")
    print(f"{partial} of 10 walks partial")
    check(partial < 10, "every walk of a churning process was partial")
    proc.kill()

    target = start_target("threads", "1")
    code, out, err = stacktop("mem", "-p", target.pid, "-d", 0.1, "--python-types")
    check(code == 1 and f"PID {target.pid} is not a Python process" in err and
          err.count("\n") == 1 and out == b"", f"--python-types of a C process: {code} {err!r}")
    doc = stacktop_json("mem", "-p", target.pid, "-d", 0.1)
    check(doc["python"] is None, f"python {doc['python']} without --python-types")


run(test)
