"""dump of a CPython process, for one interpreter (argv[1]: "3.11", "system"
for /usr/bin/python3, or "sid-3.14" for one of the Debian sid root, run in a
container): function names and lines of known frames, thread placement, the
GIL holder over several dumps (a free-threaded build said to be one, with
no holder), Python frames merged into the native stacks in the right order,
--python without a stop, --native without Python frames, record with
merged stacks and with Python frames alone, and a non-Python process
refused."""

import os
import sys
import time

from harness import (PYTHON_TARGETS, check, cpu_ticks, python_interpreter, run, stacktop,
                     stacktop_json, start_python, start_target)
from stacks import at_thread_start, shown_names, thread_root

APP = os.path.join(PYTHON_TARGETS, "app.py")
WANT = sys.argv[1]


def marked_lines():
    lines = {}
    with open(APP) as f:
        for number, text in enumerate(f, 1):
            if "# line: " in text:
                lines[text.split("# line: ")[1].strip()] = number
    return lines


LINES = marked_lines()


def start_app(python):
    app = start_python(python, "app.py")
    wait_main_sleeps(app.pid)
    return app


# The syscalls time.sleep sleeps in: select (2.7 and up to 3.10), pselect6,
# nanosleep, clock_nanosleep (3.11+), on x86-64.
SLEEP_SYSCALLS = {"23", "270", "35", "230"}


def wait_main_sleeps(pid):
    """The app prints "ready" just before its main thread enters idle_main;
    a dump taken at once (stacktop is that fast) can find it still between
    the two. Its next sleep is idle_main's: wait for it (5 s at most)."""
    for _ in range(500):
        try:
            with open(f"/proc/{pid}/syscall") as f:
                if f.read().split()[0] in SLEEP_SYSCALLS:
                    return
        except OSError:
            pass
        time.sleep(0.01)
    check(False, f"the main thread of {pid} never slept in idle_main")


def by_name(doc):
    return {t["name"]: t for t in doc["threads"]}


def python_frames(thread):
    return [(f["function"], f["line"]) for f in thread["stack"] if f["kind"] == "python"]


def function_names(thread):
    return [f["function"] or "" for f in thread["stack"]]


def check_mixed(pid, python):
    holders = 0
    for attempt in range(10):
        doc = stacktop_json("dump", "-p", pid)
        py = doc["python"]
        check(py is not None and py["version"].startswith(python.version),
              f"python {py} for {python.version}")
        check(py.get("readable", True) is True, f"stacktop cannot read it: {py}")
        # The python-ways runs ask for a way (STACKTOP_PYTHON_FIND): it is
        # the one that found it, not an earlier one.
        way = os.environ.get("STACKTOP_PYTHON_FIND", "symbol")
        check(py["found_by"] == way, f"found by {py['found_by']}, not {way}")
        threads = by_name(doc)
        for name in ("py-spinner", "py-sleeper"):
            check(name in threads, f"no thread {name} in {sorted(threads)}")
            check("native_stack" not in threads[name],
                  f"{name}: Python and native frames did not line up: {threads[name]}")
        spin = python_frames(threads["py-spinner"])
        check(spin[:2] == [("spin_leaf", LINES["spin"]), ("spin_middle", LINES["spin-call"])],
              f"spinner frames {spin}")
        sleep = python_frames(threads["py-sleeper"])
        check(sleep[:2] == [("sleep_leaf", LINES["sleep"]), ("sleeper", sleep[1][1])],
              f"sleeper frames {sleep}")
        # Merged in order: the sleep above sleep_leaf, above start_thread.
        # A dump may catch the thread just woken and waiting for the GIL the
        # spinner holds; a stripped python has no name for time_sleep.
        names = function_names(threads["py-sleeper"])
        at = names.index("sleep_leaf")
        check(any(n in ("time_sleep", "clock_nanosleep", "select", "__select", "nanosleep",
                        "pthread_cond_timedwait", "PyEval_RestoreThread")
                  for n in names[:at]), f"no sleep or GIL wait above sleep_leaf: {names}")
        check(at_thread_start(shown_names(threads["py-sleeper"])[at:]),
              f"start_thread not below sleep_leaf: {shown_names(threads['py-sleeper'])}")
        names = {t["name"]: t["python_thread_name"] for t in doc["threads"]}
        check(names["py-spinner"] == "spinner" and names["py-sleeper"] == "sleeper",
              f"threading names {names}")
        main = [t for t in doc["threads"] if t["tid"] == pid][0]
        check(main["python_thread_name"] == "MainThread", f"main {main['python_thread_name']}")
        check(("idle_main", LINES["main"]) in python_frames(main), f"main {python_frames(main)}")
        gil = [t["name"] for t in doc["threads"] if t["holds_gil"]]
        if python.free_threaded:
            # No GIL, so no holder: the build is said to be free-threaded.
            check(py.get("free_threaded") is True, f"free-threaded build not said: {py}")
            check(gil == [], f"GIL holders in a free-threaded build: {gil}")
            return
        check(py.get("free_threaded", False) is False, f"said free-threaded: {py}")
        check(len(gil) <= 1, f"several GIL holders: {gil}")
        check(all(t["holds_gil"] is not None for t in doc["threads"]), "holds_gil unknown")
        holders += gil == ["py-spinner"]
        if holders >= 2:
            break
    check(holders >= 1, "the spinning thread never held the GIL in 10 dumps")


def check_python_only(pid):
    doc = stacktop_json("dump", "-p", pid, "--python")
    check(doc["stopped_ms"] == 0, f"--python stopped the target for {doc['stopped_ms']} ms")
    threads = by_name(doc)
    spin = threads["py-spinner"]
    check(all(f["kind"] == "python" for f in spin["stack"]), "--python has native frames")
    check(python_frames(spin)[:2] == [("spin_leaf", LINES["spin"]),
                                      ("spin_middle", LINES["spin-call"])],
          f"--python spinner {python_frames(spin)}")


def check_native_only(pid):
    doc = stacktop_json("dump", "-p", pid, "--native")
    check(doc["python"] is None, "--native reports Python")
    for t in doc["threads"]:
        check(all(f["kind"] == "native" for f in t["stack"]), f"--native: {t['stack']}")


def check_text(app, python):
    code, out, err = stacktop("dump", "-p", app.pid)
    check(code == 0, f"text dump: {code} {err}")
    text = out.decode()
    # The file as the interpreter was given it (in a container, its path
    # in there).
    check(f"in spin_leaf ({app.script}:{LINES['spin']})" in text, text)
    header = text.split("\n")[0]
    check(("free-threaded" in header) == python.free_threaded,
          f"free-threaded {python.free_threaded}, header {header!r}")


# The frame record puts between native and Python frames that do not line up.
UNPLACED = "[Python frames not placed]"


def folded(out):
    """[(frames root first, count)]; Python frames as "function (file:line)",
    given here as function alone, with the file and line checked."""
    stacks = []
    for line in out.decode().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = []
        for frame in stack.split(";"):
            name, _, where = frame.partition(" (app.py:")
            if where:
                check(where[:-1].isdigit(), f"frame {frame!r}")
                if name in ("spin_leaf", "spin_middle"):
                    want = LINES["spin" if name == "spin_leaf" else "spin-call"]
                    check(int(where[:-1]) == want, f"{frame}: not line {want}")
            frames.append(name if where else frame)
        stacks.append((frames, int(count)))
    return stacks


def check_record(pid, version):
    """record merges Python frames into the native stacks; --python samples
    them alone, without a stop, at a high rate."""
    code, out, err = stacktop("record", "-p", pid, "-d", 1)
    check(code == 0 and f"Python {version}" in err, f"record: {code} {err}")
    spin = [(f, c) for f, c in folded(out) if thread_root(f[0])[0] == "py-spinner"]
    check(spin, f"no spinner samples: {out[:2000]!r}")
    # Its root carries its threading name too.
    check(all(thread_root(f[0])[1] == "spinner" for f, _ in spin),
          f"spinner roots {set(f[0] for f, _ in spin)}")
    for frames, _ in spin:
        at = frames.index("spin_leaf") if "spin_leaf" in frames else -1
        # Root first; on 3.10 and before, native frames (call_function)
        # sit between Python frames.
        check(at > 0 and "spin_middle" in frames[:at], f"merged spinner stack {frames}")
        check(at_thread_start(frames[at:0:-1]),
              f"no native root under the Python frames: {frames}")
        check(UNPLACED not in frames, f"Python frames not placed among the native ones: "
                                      f"{frames}; {err}")
    check("not placed" not in err, f"record: {err}")

    before = cpu_ticks(pid, "py-spinner")
    code, out, err = stacktop("record", "-p", pid, "-d", 1, "-r", 500, "--python")
    used = cpu_ticks(pid, "py-spinner") - before  # clock ticks: 100 a second
    check(code == 0 and "frames only" in err and "target stopped 0.000 ms" in err,
          f"record --python: {code} {err}")
    spin = [(f, c) for f, c in folded(out) if thread_root(f[0])[0] == "py-spinner"]
    # A sample for each 2 ms of CPU the spinner had (on a busy box it has
    # less than the whole second), half of them at least.
    total = sum(c for _, c in spin)
    check(total * 2 >= used * 5 and (total > 0 or used == 0),
          f"record --python at 500 Hz: {total} samples for {used} ticks of CPU: {spin}")
    for frames, _ in spin:
        check(frames[-2:] == ["spin_middle", "spin_leaf"], f"--python spinner stack {frames}")
        check(not at_thread_start(frames[:0:-1]), f"--python has native frames: {frames}")


def check_report_stacks(pid):
    """report --stacks merges Python frames too, for the hottest thread only
    (before 3.11 its thread state is still matched among all threads)."""
    doc = stacktop_json("report", "-p", pid, "-d", 0.3, "-n", 1, "--stacks")
    hot = doc["processes"][0]["threads"][0]
    check(hot["name"] == "py-spinner", f"hottest thread {hot['name']}")
    frames = [(f["function"], f["line"]) for f in hot["stack"] if f["kind"] == "python"]
    check(frames[:2] == [("spin_leaf", LINES["spin"]), ("spin_middle", LINES["spin-call"])],
          f"report --stacks spinner {frames}")


def check_not_python():
    target = start_target("threads", "1")
    for args in (["dump", "--python"], ["dump", "--mixed"], ["record", "--python", "-d", 1]):
        code, _, err = stacktop(*args, "-p", target.pid)
        check(code == 1 and f"PID {target.pid} is not a Python process" in err and
              err.count("\n") == 1, f"{args} of a C process: {code} {err!r}")
    target.kill()


def test():
    python = python_interpreter(WANT)
    app = start_app(python)
    check_mixed(app.pid, python)
    check_python_only(app.pid)
    check_native_only(app.pid)
    check_text(app, python)
    check_report_stacks(app.pid)
    # The python-ways runs (STACKTOP_PYTHON_FIND) check the way that found
    # the interpreter, above; what record does with it once found, and a
    # process that is not Python, are the same for every way: the run
    # without a way checks them.
    if "STACKTOP_PYTHON_FIND" not in os.environ:
        check_record(app.pid, python.version)
        check_not_python()


run(test)
