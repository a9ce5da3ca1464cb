"""--tree --max-processes on a bounded fork bomb (tests/targets/forker: 300
sleeping children forked at once, then one killed and another forked every
20 ms; each dies with the forker, killed at the end): report, dump, record,
locks, mem and the live view follow 20 processes, say so in one line (stderr,
or the live view's TREE line) and end normally."""

import json
import os
import re
import tempfile
import time

from harness import check, run, stacktop, start_target
from tui import Terminal

CAP = 20


def cap_lines(err):
    return [l for l in err.splitlines() if "--max-processes" in l]


def check_said_once(what, code, err):
    check(code == 0, f"{what} exited {code}: {err}")
    lines = cap_lines(err)
    check(len(lines) == 1 and f"more than {CAP} processes" in lines[0],
          f"{what}: the cap is not said in one line: {err!r}")


def test():
    forker = start_target("forker", "300", "20", timeout=30)
    with open(f"/proc/{forker.pid}/task/{forker.pid}/children") as f:
        check(len(f.read().split()) == 300, "forker has not 300 children")
    cap = ("--tree", "--max-processes", str(CAP))

    code, out, err = stacktop("report", "-p", forker.pid, *cap, "-d", "0.3", "-n", "1")
    check_said_once("report", code, err)
    text = out.decode()
    rows = re.findall(r"^\s+PID USER.*\n\s+(\d+) ", text, re.M)
    check(len(rows) <= CAP and str(forker.pid) in rows, f"report follows {len(rows)}: {rows}")
    check(re.search(rf"^TREE {forker.pid}: {len(rows)} processes \(capped by --max-processes "
                    rf"{CAP}\), ", text, re.M), f"report: the TREE line:\n{text[-400:]}")

    code, out, err = stacktop("dump", "-p", forker.pid, *cap)
    check_said_once("dump", code, err)
    headers = re.findall(r"^=== process \d+ of (\d+) in the tree", out.decode(), re.M)
    check(len(headers) == CAP and set(headers) == {str(CAP)}, f"dump: {len(headers)} headers")

    code, out, err = stacktop("locks", "-p", forker.pid, *cap, "--json")
    check_said_once("locks", code, err)
    check(len(out.decode().splitlines()) <= CAP, "locks --tree: more documents than the cap")

    code, out, err = stacktop("mem", "-p", forker.pid, *cap, "--json")
    check_said_once("mem", code, err)
    tree = json.loads(out)
    check(1 < len(tree["processes"]) <= CAP and tree["tree"]["process_count"] ==
          len(tree["processes"]), f"mem --tree: {len(tree['processes'])} processes, "
          f"{tree['tree']['process_count']} counted")

    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = stacktop("record", "-p", forker.pid, *cap, "-d", "1.5", "-o",
                                  os.path.join(tmp, "bomb.folded"))
        check_said_once("record", code, err)

    term = Terminal(f"{os.environ['STACKTOP']} -p {forker.pid} {' '.join(cap)} -d 0.5",
                    width=120, height=30)
    try:
        term.keys("H")
        term.wait_for(lambda l: any(x.startswith(f"TREE {forker.pid}: {CAP} processes (capped "
                                                 f"by --max-processes {CAP}), ") for x in l)
                      and any(x.startswith(f"{CAP} processes by") for x in l),
                      f"the live view does not say it follows {CAP} processes")
        term.keys("q")
        check(term.exit_status() == 0, "the live view exited with an error after q")
    finally:
        term.close()

    # The bomb ends with its forker: no child outlives it.
    with open(f"/proc/{forker.pid}/task/{forker.pid}/children") as f:
        children = [int(c) for c in f.read().split()]
    forker.kill()
    forker.wait()
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{c}") for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    check(not any(os.path.exists(f"/proc/{c}") for c in children),
          "forker's children outlived it")


run(test)
