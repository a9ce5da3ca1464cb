"""mem --python-types --max-stop: the census never holds the target stopped
past its bound. A process with 300,000 tracked objects and a bound of 1 ms
(far less than walking them takes: each object is several reads) gives a
census marked partial, saying that the stop's bound was reached, in JSON and
in text, with fewer objects than the process has; and the target runs on
afterwards (no thread left in state t or T). Without the bound, the same
process is counted completely. No wall-clock limit is asserted: the bound
is the program's own promise, checked by what it reports."""


from harness import (check, check_running, python_interpreter, run, stacktop, stacktop_json,
                     start_python)

COUNT = 300000


def test():
    python = python_interpreter("system")
    target = start_python(python, "objects.py", COUNT)
    full = stacktop_json("mem", "-p", target.pid, "-d", 0.1, "--python-types")["python"]
    check(not full["partial"] and full["objects"] >= COUNT,
          f"without a small bound: partial {full['partial']} ({full['partial_reason']}), "
          f"{full['objects']} objects")
    check(full["max_stop_ms"] == 2000, f"default bound {full['max_stop_ms']} ms")
    for attempt in range(3):
        py = stacktop_json("mem", "-p", target.pid, "-d", 0.1, "--python-types",
                           "--max-stop", 0.001)["python"]
        print(f"bound 1 ms: {py['objects']} of {full['objects']} objects, stop "
              f"{py['stop_ms']} ms (longest {py['longest_stop_ms']} ms), "
              f"{py['partial_reason']}")
        check(py["max_stop_ms"] == 1, f"bound {py['max_stop_ms']} ms")
        # The bound reached in the walk, or (under load: a thread waiting
        # for a CPU) no thread stopped within it, in every attempt.
        check(py["partial"] is True and "the stop's time bound" in py["partial_reason"],
              f"not partial for the bound: {py['partial']} ({py['partial_reason']})")
        check(py["objects"] < full["objects"],
              f"{py['objects']} objects counted within the bound, all {full['objects']}")
        check(target.poll() is None, "the target died")
        check_running(target.pid)
    code, out, err = stacktop("mem", "-p", target.pid, "-d", 0.1, "--python-types",
                              "--max-stop", 0.001)
    check(code == 0 and "partial: " in out.decode() and "the stop's time bound" in out.decode(),
          f"text: exit {code}: {out.decode()[:800]}{err}")
    check_running(target.pid)
    for bad in ("0", "0.0005", "x"):
        code, out, err = stacktop("mem", "-p", target.pid, "--python-types", "--max-stop", bad)
        check(code == 2 and "--max-stop" in err, f"--max-stop {bad}: exit {code}: {err}")


run(test)
