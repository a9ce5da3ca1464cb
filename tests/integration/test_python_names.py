"""Python thread names wherever threads are named, for one interpreter
(argv[1]: "3.11", "system" for /usr/bin/python3, or "sid-3.14" for one of
the Debian sid root, run in a container): tests/targets/python/names.py,
whose threads are known apart by their threading names alone (no OS names
set: before 3.14 /proc shows each as the interpreter). report (text and
JSON), locks' text and record's thread roots (folded, speedscope; pprof: a label) show
each thread's threading name, its OS name beside it when they differ; a
name with terminal escapes reaches no terminal raw."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from harness import (assert_terminal_safe, check, python_interpreter, run, stacktop,
                     stacktop_json, start_python)
from stacks import thread_label, thread_root

WANT = sys.argv[1]
WORKERS, BUSY = 20, 2
HOSTILE = "esc-\x1b]0;pwned\x07-\x1b[2J-name"
NAMES = {"MainThread", "lock-holder", "lock-waiter", HOSTILE} | \
    {f"worker-{i}" for i in range(WORKERS)}


def comm(pid, tid):
    with open(f"/proc/{pid}/task/{tid}/comm") as f:
        return f.read().rstrip("\n")


def thread_names(pid):
    """{tid: threading name} as dump says (its thread states, read while
    stopped), checked against the process: its main thread is MainThread."""
    doc = stacktop_json("dump", "-p", pid, "--python")
    names = {t["tid"]: t["python_thread_name"] for t in doc["threads"]}
    check(set(names.values()) == NAMES, f"dump's names {sorted(map(str, names.values()))}")
    check(names[pid] == "MainThread", f"main thread {pid} named {names[pid]}")
    return names


def check_report(pid, names):
    """report --json names each thread as dump does (the busy ones are the
    hottest: the names are on the right threads); its text shows them."""
    doc = stacktop_json("report", "-p", pid, "-d", 0.5)
    threads = doc["processes"][0]["threads"]
    got = {t["tid"]: t.get("python_thread_name") for t in threads}
    check(got == names, f"report --json threading names {got}, not {names}")
    hottest = sorted(threads, key=lambda t: -t["cpu_pct"])[:BUSY]
    check({names[t["tid"]] for t in hottest} == {f"worker-{i}" for i in range(BUSY)},
          f"the hottest threads {[(names[t['tid']], t['cpu_pct']) for t in hottest]}")

    code, out, err = stacktop("report", "-p", pid, "-d", 0.3, "-n", 30)
    check(code == 0, f"report: {code} {err}")
    assert_terminal_safe(out, "report")
    rows = {int(line.split()[0]): line for line in out.decode().splitlines()
            if line.split() and line.split()[0].isdigit()}
    for tid, name in names.items():
        if name == HOSTILE:
            continue
        label = thread_label(comm(pid, tid), name)
        check(tid in rows and f" {label} " in rows[tid], f"report row of {tid}, not {label!r}: "
                                                         f"{rows.get(tid)!r}")
    print(out.decode(), flush=True)


def check_locks(pid, names):
    doc = stacktop_json("locks", "-p", pid)
    waiter = [w for w in doc["waits"] if names.get(w["tid"]) == "lock-waiter"]
    check(len(waiter) == 1, f"lock-waiter's wait: {doc['waits']}")
    code, out, err = stacktop("locks", "-p", pid)
    check(code == 0, f"locks: {code} {err}")
    assert_terminal_safe(out, "locks")
    text = out.decode()
    print(text, flush=True)
    rows = {int(line.split()[0]): line for line in text.splitlines()
            if line.split() and line.split()[0].isdigit()}
    check(waiter[0]["tid"] in rows, f"no locks row of lock-waiter {waiter[0]['tid']}")
    # A sleeping thread woken as either look was taken is in one alone.
    for w in doc["waits"]:
        name = names.get(w["tid"])
        if name is None or name == HOSTILE or w["tid"] not in rows:
            continue
        label = thread_label(comm(pid, w["tid"]), name)
        check(f" {label} " in rows.get(w["tid"], ""),
              f"locks row of {w['tid']}, not {label!r}: {rows.get(w['tid'])!r}")
    owner = waiter[0]["owner_tid"]
    if owner is not None:  # the RLock's holder (2.7: through its with block)
        check(names.get(owner) == "lock-holder", f"lock-waiter's owner {owner}")
        label = thread_label(comm(pid, owner), "lock-holder")
        check(f"{owner} ({label})" in rows[waiter[0]["tid"]],
              f"owner not {label!r}: {rows[waiter[0]['tid']]!r}")


def check_record(pid, names):
    """The busy threads' roots in a CPU profile, and every thread's in a
    wall-clock one (speedscope: a profile per thread)."""
    with tempfile.NamedTemporaryFile(suffix=".folded") as out:
        code, _, err = stacktop("record", "-p", pid, "-d", 1, "-o", out.name)
        check(code == 0, f"record: {code} {err}")
        roots = {line.split(";")[0] for line in open(out.name, encoding="utf-8")}
    busy = {tid for tid, name in names.items() if name in {f"worker-{i}" for i in range(BUSY)}}
    seen = {}
    for root in roots:
        os_name, python_name, tid = thread_root(root)
        if tid in busy:
            seen[tid] = root
            want = thread_label(comm(pid, tid), names[tid])
            check(root == f"thread {want} ({tid})", f"root {root!r}, not {want!r}")
    check(set(seen) == busy, f"busy threads {busy}, roots {sorted(roots)}")

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        code, _, err = stacktop("record", "-p", pid, "-d", 1, "--python", "--mode", "wall",
                                "--format", "speedscope", "-o", out.name)
        check(code == 0, f"record --format speedscope: {code} {err}")
        profiles = [p["name"] for p in json.load(open(out.name))["profiles"]]
    want = {f"thread {thread_label(comm(pid, tid), name)} ({tid})" for tid, name in names.items()}
    check(want <= set(profiles), f"speedscope profiles lack {sorted(want - set(profiles))}")

    # pprof: the threading name is a label of its own beside the OS name's.
    if shutil.which("go") is None:
        print("go is not installed: pprof's labels not checked", flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "names.pb.gz")
        code, _, err = stacktop("record", "-p", pid, "-d", 1, "-o", path)
        check(code == 0, f"record --format pprof: {code} {err}")
        traces = subprocess.run(["go", "tool", "pprof", "-symbolize=none", "-traces", path],
                                capture_output=True, text=True, timeout=120,
                                env=dict(os.environ, PPROF_TMPDIR=tmp)).stdout
    labels = set(re.findall(r"python_thread:\s+(\S+)", traces))
    check({f"worker-{i}" for i in range(BUSY)} <= labels, f"pprof python_thread labels {labels}")


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "names.py", WORKERS, BUSY)
    names = thread_names(target.pid)
    # Each on its own: STACKTOP_TEST_ONLY=report|locks|record.
    for name, part in (("report", check_report), ("locks", check_locks),
                       ("record", check_record)):
        if os.environ.get("STACKTOP_TEST_ONLY", name) == name:
            part(target.pid, names)
    target.kill()


run(test)
