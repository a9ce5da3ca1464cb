"""mem --python-types on one interpreter (argv[1]: "3.11", "system" for
/usr/bin/python3, or "sid-3.14" for one of the Debian sid root, run in a
container): a process holding 50,000 instances of a uniquely named
class shows that class first, within 5% of 50,000, with plausible bytes;
the collector's generations and thresholds, gc.garbage's length (3 saved
cycles) and gc.freeze()'s objects (3.7+) are read; the stop is measured and
the target runs on afterwards; the JSON follows the stacktop.mem/1 contract."""

import sys

import harness
from harness import (check, check_running, python_interpreter, run, stacktop, stacktop_json,
                     start_python)

WANT = sys.argv[1]
CLASS = "StacktopLeakyWidget"
COUNT = 50000


def check_contract(py, version):
    check(isinstance(py, dict), f"python is {py!r}")
    check(py["version"].startswith(version), f"version {py['version']} for {version}")
    for key in ("gc_generations", "gc_thresholds"):
        check(isinstance(py[key], list) and len(py[key]) == 3 and
              all(isinstance(v, int) for v in py[key]), f"{key} = {py[key]}")
    check(py["gc_thresholds"][0] > 0, f"thresholds {py['gc_thresholds']}")
    check(isinstance(py["garbage"], int), f"garbage = {py['garbage']}")
    check(isinstance(py["stop_ms"], (int, float)) and 0 < py["stop_ms"] < 5000,
          f"stop_ms = {py['stop_ms']}")
    check(py["partial"] is False and py["partial_reason"] is None,
          f"partial {py['partial']} ({py['partial_reason']})")
    check(isinstance(py["types"], list) and 0 < len(py["types"]) <= 20,
          f"{len(py['types'])} types (--top is 20 by default)")
    for row in py["types"]:
        # With a census at each end of -d, each row also has the start's
        # and the change (test_python_growth checks those).
        check(set(row) == {"type", "count", "bytes", "size_errors", "count_before",
                           "bytes_before", "count_delta", "bytes_delta"} and
              isinstance(row["type"], str) and isinstance(row["count"], int) and
              row["count"] > 0 and row["size_errors"] == 0, f"row {row}")
    counts = [row["count"] for row in py["types"]]
    check(counts == sorted(counts, reverse=True), f"not largest first: {counts}")


def check_widgets(py, what):
    top = py["types"][0]
    check(top["type"] == CLASS, f"{what}: first type {top}, want {CLASS}")
    check(abs(top["count"] - COUNT) <= COUNT * 0.05, f"{what}: {top['count']} of {COUNT}")
    # An instance with a __dict__ or its values: 32 to 128 bytes with its
    # collector header, whatever the version (sys.getsizeof says 48 to 64).
    each = top["bytes"] / top["count"]
    check(32 <= each <= 128, f"{what}: {each} bytes per {CLASS}")
    check(py["objects"] >= top["count"], f"{what}: objects {py['objects']}")


def test():
    python = python_interpreter(WANT)
    version = python.version
    minor = tuple(int(x) for x in version.split("."))

    plain = start_python(python, "objects.py", COUNT)
    doc = stacktop_json("mem", "-p", plain.pid, "-d", 0.2, "--python-types")
    check(doc["schema"] == "stacktop.mem/1" and doc["pid"] == plain.pid, "schema and pid")
    py = doc["python"]
    if python.free_threaded:
        # Its objects are in per-thread mimalloc heaps, not collector
        # lists: one line says so, and no count is made up.
        check(py["version"] == doc["python"]["version"] and py["reason"] and
              "free-threaded" in py["reason"] and py["types"] == [] and py["objects"] == 0,
              f"free-threaded: {py}")
        code, out, err = stacktop("mem", "-p", plain.pid, "-d", 0.2, "--python-types")
        check(code == 0 and "free-threaded CPython keeps its objects" in out.decode(),
              f"free-threaded text: exit {code}: {out.decode()}{err}")
        check_running(plain.pid)
        return
    check(py["reason"] is None, f"a reason where objects were counted: {py['reason']}")
    print(f"{version}: {py['types'][:3]} stop {py['stop_ms']} ms, gc {py['gc_generations']}")
    check_contract(py, version)
    check_widgets(py, "plain")
    # Two classes named StacktopTwin in two modules are two rows, each
    # named with its module.
    rows = {r["type"]: r["count"] for r in
            stacktop_json("mem", "-p", plain.pid, "-d", 0.1, "--python-types",
                          "--top", 100000)["python"]["types"]}
    for module, count in (("stacktop_twin_a", 300), ("stacktop_twin_b", 200)):
        got = rows.get(module + ".StacktopTwin")
        check(got == count, f"{module}.StacktopTwin: {got} rows, want {count} "
              f"({[k for k in rows if 'Twin' in k]})")
    check(py["garbage"] == 0, f"garbage {py['garbage']} in a process without any")
    check((py["frozen"] is None) == (minor < (3, 7)), f"frozen {py['frozen']} on {version}")
    check_running(plain.pid)

    code, out, err = stacktop("mem", "-p", plain.pid, "-d", 0.2, "--python-types", "--top", 5)
    check(code == 0, f"text exited {code}: {err}")
    text = out.decode()
    harness.assert_terminal_safe(out, "text")
    for words in (CLASS, "target stopped for", "gc.garbage: 0", "count/threshold"):
        check(words in text, f"text lacks {words!r}:\n{text}")
    rows = text.split("  type\n")[1].splitlines()
    check(len(rows) == 6 and rows[0].split()[-1] == CLASS and "more types" in rows[5],
          f"--top 5 rows: {rows}")
    check_running(plain.pid)
    plain.kill()

    # Cycles kept in gc.garbage, and (3.7+) the instances frozen: they are in
    # the permanent generation, which the walk includes.
    kept = start_python(python, "objects.py", COUNT, "--garbage", "--freeze")
    py = stacktop_json("mem", "-p", kept.pid, "-d", 0.2, "--python-types")["python"]
    check_contract(py, version)
    check_widgets(py, "frozen")
    check(py["garbage"] >= 3, f"gc.garbage {py['garbage']}, want the 3 saved cycles")
    if minor >= (3, 7):
        check(py["frozen"] >= COUNT, f"frozen {py['frozen']} after gc.freeze()")
    check_running(kept.pid)


run(test)
