"""dump: every thread's native stack, in the right order, reaching
start_thread; the same binary stripped (module+offset, never a wrong name),
with MiniDebugInfo and with a debuglink file, and built without unwind tables
(frame pointers only); a blocked thread shows the libc call it is blocked
in."""

import os
import random
import subprocess
import time

from harness import STACKTOP, assert_terminal_safe, check, run, stacktop, stacktop_json, \
    start_target
from stacks import by_name, check_frames, functions, in_order, settle

IDLE = 2


def check_full_symbols(variant):
    target = start_target(variant, str(IDLE))
    settle(target.pid)
    doc = stacktop_json("dump", "-p", target.pid)
    check(doc["schema"] == "stacktop.dump/1" and doc["pid"] == target.pid, "schema and pid")
    check(len(doc["threads"]) == IDLE + 3, f"{len(doc['threads'])} threads")
    threads = by_name(doc)
    check_frames(doc, variant)
    hot = functions(threads["st-hot"])
    check(hot[0] == "spin_forever", f"{variant}: hot thread is in {hot[0]}, not spin_forever")
    in_order(hot, ["spin_forever", "hot_main", "start_thread"], f"{variant} st-hot")
    check(any("clone" in (f or "") for f in hot[-2:]), f"{variant}: no clone at the root {hot}")
    reader = functions(threads["st-reader"])
    check("read" in (reader[0] or ""), f"{variant}: reader blocked in {reader[0]}, not read")
    in_order(reader, ["block_in_read", "reader_main", "start_thread"], f"{variant} st-reader")
    idle = functions(threads["st-idle-0"])
    check(any("pthread_cond_wait" in (f or "") for f in idle), f"{variant}: idle {idle}")
    in_order(idle, ["idle_main", "start_thread"], f"{variant} st-idle-0")
    main = functions(threads["st-main"])
    check("pause" in (main[0] or ""), f"{variant}: main in {main[0]}")
    in_order(main, ["main"], f"{variant} st-main")
    module = threads["st-hot"]["stack"][0]["module"]
    check(module and module.endswith("/" + variant), f"{variant}: module {module}")
    target.kill()


def check_stripped():
    """Without symbols, the target's own frames are module+offset: never the
    name of some other function."""
    target = start_target("threads-stripped", str(IDLE))
    settle(target.pid)
    doc = stacktop_json("dump", "-p", target.pid)
    for t in doc["threads"]:
        for f in t["stack"]:
            if f["module"] and f["module"].endswith("/threads-stripped"):
                check(f["function"] is None, f"stripped binary named a frame {f['function']}")
                check(f["offset"] > 0, "module+offset has an offset")
        # libc's frames still have names (its debug file, by build-id).
        check("start_thread" in functions(t) or t["name"] == "st-main",
              f"{t['name']}: {functions(t)}")
    target.kill()


def thread_state(pid, tid):
    return open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()[0]


def check_text_and_stopped():
    target = start_target("threads", str(IDLE))
    settle(target.pid)
    code, out, err = stacktop("dump", "-p", target.pid)
    check(code == 0, f"text dump exited {code}: {err}")
    assert_terminal_safe(out, "dump text")
    text = out.decode()
    check(f"Thread {target.pid} (st-main)" in text and "spin_forever+0x" in text, text)

    # A target stopped by SIGSTOP is dumped and left stopped. Each thread
    # enters the group stop when it next runs: on a busy box, some time
    # after the signal.
    os.kill(target.pid, 19)  # SIGSTOP
    tids = os.listdir(f"/proc/{target.pid}/task")
    for _ in range(500):
        if all(thread_state(target.pid, tid) == "T" for tid in tids):
            break
        time.sleep(0.01)
    before = thread_states(target.pid)
    doc = stacktop_json("dump", "-p", target.pid)
    check(all(t["stack"] for t in doc["threads"]), "a stopped target has stacks")
    # Detaching wakes a group-stopped thread so that it re-enters the stop
    # in the kernel, before any of its own code runs: on a busy box it shows
    # R until it gets a CPU to do so. It must get back to T, having run no
    # user code (its utime, field 14, unchanged).
    for _ in range(500):
        if all(thread_state(target.pid, tid) == "T" for tid in tids):
            break
        time.sleep(0.01)
    after = thread_states(target.pid)
    for tid in tids:
        state = after[int(tid)][0]
        check(state == "T", f"thread {tid} is {state} after the dump, not stopped (T)")
        check(after[int(tid)][11] == before[int(tid)][11],
              f"thread {tid} ran its own code while stopped: utime "
              f"{before[int(tid)][11]} -> {after[int(tid)][11]}")
    os.kill(target.pid, 18)  # SIGCONT
    target.kill()


def thread_states(pid):
    states = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
        except FileNotFoundError:
            continue
        states[int(tid)] = stat.rsplit(")", 1)[1].split()
    return states


def check_sigkill():
    """SIGKILL stacktop at random moments of a dump, 25 times: the kernel
    releases every seized thread; none is left stopped and the target keeps
    running."""
    target = start_target("threads", "200")
    rng = random.Random(1234)
    for i in range(25):
        proc = subprocess.Popen([STACKTOP, "dump", "-p", str(target.pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 0.004))
        proc.kill()
        proc.wait()
        # The kernel detaches a dead tracer's tracees as it reaps it.
        stopped = {tid: st[0] for tid, st in thread_states(target.pid).items()
                   if st[0] in ("t", "T")}
        check(not stopped, f"kill {i}: threads left stopped: {stopped}")
    hot = [tid for tid in thread_states(target.pid)
           if open(f"/proc/{target.pid}/task/{tid}/comm").read().strip() == "st-hot"]
    check(len(hot) == 1, "no st-hot thread")
    before = int(thread_states(target.pid)[hot[0]][11])  # utime, field 14
    time.sleep(0.3)
    after = int(thread_states(target.pid)[hot[0]][11])
    check(after > before, f"the hot thread made no progress ({before} -> {after})")
    target.kill()


def check_leader_exit():
    """A process whose main thread ended: the main thread has no stack, the
    live one has its whole chain."""
    target = start_target("leaderexit")
    doc = stacktop_json("dump", "-p", target.pid)
    threads = by_name(doc)
    orphan = functions(threads["st-orphan"])
    in_order(orphan, ["orphan_spin", "orphan_main", "start_thread"], "st-orphan")
    target.kill()


def check_errors():
    code, out, err = stacktop("dump", "-p", 4000000)
    check(code == 1 and "no such process" in err and err.count("\n") == 1, f"{code} {err!r}")
    target = start_target("threads", "1")
    code, out, err = stacktop("dump", "-p", target.pid, user="nobody")
    check(code == 1 and err.count("\n") == 1, f"unprivileged dump: {code} {err!r}")
    for remedy in ("root", "CAP_SYS_PTRACE", "kernel.yama.ptrace_scope"):
        check(remedy in err, f"unprivileged dump: no '{remedy}' in {err!r}")
    target.kill()


def test():
    # threads-fp and threads-fp-noeh: no unwind tables for the program's own
    # code, so the walk follows its frame pointers (and finds the frameless
    # leaf spin_forever's caller).
    for variant in ("threads", "threads-minidebug", "threads-debuglink", "threads-fp",
                    "threads-fp-noeh"):
        check_full_symbols(variant)
    check_stripped()
    check_text_and_stopped()
    check_sigkill()
    check_leader_exit()
    check_errors()


run(test)
