"""Stacks walked whole, or saying where and why not: a 60-deep direct
self-recursion (the same return address 60 times, no loop) walked to the
thread's root, as deep as eu-stack walks it; a thread blocked in a signal
handler walked through the kernel's signal frame (named
"<signal handler called>", as gdb does) to the code the signal interrupted
and on to the root; a recursion deeper than the depth cap cut with the
reason in text, JSON and profiles."""

import re
import shutil
import subprocess

from harness import check, run, stacktop, stacktop_json, start_target
from stacks import functions, in_order

DEPTH = 60
CAP = 8192


def thread_named(doc, name):
    for t in doc["threads"]:
        if t["name"] == name:
            return t
    check(False, f"no thread {name} in {[t['name'] for t in doc['threads']]}")


def eu_stack_frames(pid, tid):
    """The frames eu-stack shows for thread tid, or None without eu-stack."""
    if shutil.which("eu-stack") is None:
        return None
    out = subprocess.run(["eu-stack", "-p", str(pid)], capture_output=True, text=True,
                         timeout=60).stdout
    frames, current = {}, None
    for line in out.splitlines():
        m = re.match(r"TID (\d+):", line)
        if m:
            current = int(m.group(1))
            frames[current] = 0
        elif current is not None and re.match(r"#\d+\s", line):
            frames[current] += 1
    return frames.get(tid)


def check_recursion():
    target = start_target("deep", str(DEPTH))
    doc = stacktop_json("dump", "-p", target.pid)
    t = thread_named(doc, "dp-recurse")
    names = functions(t)
    deep = names.count("recurse_deep")
    # One frame per level: the walk must not take the repeated return
    # address for a loop (it stopped at 3 before).
    check(deep >= DEPTH, f"{deep} recurse_deep frames of {DEPTH}: {names}")
    in_order(names, ["recurse_deep", "recurse_main", "start_thread"], "dp-recurse")
    check(any("clone" in (f or "") for f in names[-2:]), f"no clone at the root: {names}")
    check(t["complete"] is True and t["cut"] is None, f"complete {t['complete']}, {t['cut']}")
    for other in doc["threads"]:
        check(other["complete"] is True, f"{other['name']}: cut {other['cut']}")
    theirs = eu_stack_frames(target.pid, t["tid"])
    if theirs is None:
        print("eu-stack is not installed (elfutils): frame count not compared")
    else:
        check(len(names) >= theirs, f"{len(names)} frames, eu-stack shows {theirs}")
        print(f"dp-recurse: {len(names)} frames, eu-stack {theirs}")

    code, out, err = stacktop("dump", "-p", target.pid)
    check(code == 0 and b"stack cut" not in out, f"text dump: {code} {err} {out[-300:]}")
    target.kill()


def check_signal():
    target = start_target("deep", "4")
    doc = stacktop_json("dump", "-p", target.pid)
    t = thread_named(doc, "dp-signal")
    names = functions(t)
    in_order(names, ["wait_in_handler", "on_usr1", "<signal handler called>",
                     "spin_until_signal", "signal_main", "start_thread"], "dp-signal")
    check(t["complete"] is True, f"dp-signal cut: {t['cut']}")
    code, out, _ = stacktop("dump", "-p", target.pid)
    text = out.decode()
    check(re.search(r"#\d+\s+0x[0-9a-f]+ in <signal handler called>\n", text), text)
    target.kill()


def check_depth_cap():
    target = start_target("deep", str(CAP + 500))
    doc = stacktop_json("dump", "-p", target.pid)
    t = thread_named(doc, "dp-recurse")
    check(len(t["stack"]) == CAP, f"{len(t['stack'])} frames, cap {CAP}")
    check(t["complete"] is False and t["cut"] == f"depth cap {CAP}",
          f"complete {t['complete']}, cut {t['cut']}")
    code, out, _ = stacktop("dump", "-p", target.pid)
    lines = out.decode().split("\n")
    at = next(i for i, line in enumerate(lines) if "(dp-recurse)" in line)
    check(lines[at + 1 + CAP] == f"... stack cut: depth cap {CAP}",
          f"after the last frame: {lines[at + CAP:at + CAP + 2]}")

    # A profile puts the cut at the root side: the partial stack is no
    # root of its own.
    code, out, err = stacktop("record", "-p", target.pid, "-d", "0.3", "--mode", "wall",
                              "-f", "folded")
    check(code == 0, f"record: {err}")
    rows = [line for line in out.decode().splitlines() if line.startswith("thread dp-recurse ")]
    check(rows, f"no dp-recurse stack in {out[:500]}")
    for row in rows:
        frames = row.rsplit(" ", 1)[0].split(";")
        check(frames[1] == f"[cut: depth cap {CAP}]", f"root side: {frames[:3]}")
    for row in out.decode().splitlines():
        if row.startswith("thread dp-main "):
            check("[cut:" not in row, f"a complete stack marked cut: {row}")
    target.kill()


def main():
    check_recursion()
    check_signal()
    check_depth_cap()


run(main)
