"""JIT frames named from the runtime's /tmp/perf-PID.map, and walked through
by the frame-pointer chain (no unwind tables cover JIT code): node with
--perf-basic-prof spinning in a compiled function; a JVM (if java is
installed) with -XX:+PreserveFramePointer, first without a map (the dump
names `jcmd PID Compiler.perfmap`), then after that command. Each case is
skipped, saying why, when its runtime is missing."""

import os
import select
import shutil
import subprocess
import tempfile
import time

import harness
from harness import check, run, skip, stacktop, stacktop_json

JIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "targets", "jit")
WORK = tempfile.TemporaryDirectory(prefix="stacktop-jit-")


def start(argv, cwd, timeout=30):
    """Starts argv and waits for its "ready PID" line; killed with the others."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    harness._children.append(proc)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline().decode() if ready else ""
    check(line.startswith("ready "), f"{argv[0]} did not start: {line!r}")
    return proc


def map_has(pid, word):
    try:
        with open(f"/tmp/perf-{pid}.map", errors="replace") as f:
            return any(word in line for line in f)
    except OSError:
        return False


def main_stack(pid, thread_filter):
    doc = stacktop_json("dump", "-p", pid, "--native")
    return [t for t in doc["threads"] if thread_filter(t)], doc


def wait_for_named(pid, word, thread_filter, what, refresh=None):
    """Dumps until a thread's innermost frames name word (the function must
    first be compiled, then be caught running); returns that thread.
    refresh, when given, is called every 8 dumps: a JIT that compiles the
    function again (a higher tier) runs it from code the map written
    before does not name."""
    last = None
    for i in range(60):
        if refresh is not None and i > 0 and i % 8 == 0:
            refresh()
        threads, _ = main_stack(pid, thread_filter)
        for t in threads:
            names = [f["function"] or "" for f in t["stack"][:3]]
            if any(word in n for n in names):
                return t
            last = [f["function"] for f in t["stack"][:6]]
        time.sleep(0.25)
    check(False, f"{what}: {word} never named; innermost frames {last}")


def check_node():
    node = shutil.which("node")
    if node is None:
        print("SKIP node: not installed")
        return False
    # Run elsewhere: node may leave files (isolate-*.log) in its directory.
    proc = start([node, "--perf-basic-prof", os.path.join(JIT, "spin.js")], WORK.name)
    pid = proc.pid
    try:
        for _ in range(100):
            if map_has(pid, "hotSpinner"):
                break
            time.sleep(0.1)
        check(map_has(pid, "hotSpinner"), f"node wrote no hotSpinner to /tmp/perf-{pid}.map")
        t = wait_for_named(pid, "hotSpinner", lambda t: t["tid"] == pid, "node")
        names = [f["function"] or "" for f in t["stack"]]
        # The walk goes on from the JIT frame (frame pointers) to the root.
        check(any(n.startswith("node::Start") for n in names), f"node::Start missing: {names}")
        check(t["complete"] is True, f"node's main stack cut: {t['cut']} {names}")
        print(f"node: {names[0]!r}, {len(names)} frames to {names[-1]}")
    finally:
        stop(proc)
    return True


def stop(proc):
    """Kills a runtime and removes the perf map it wrote."""
    proc.kill()
    proc.wait()
    try:
        os.unlink(f"/tmp/perf-{proc.pid}.map")
    except OSError:
        pass


def check_jvm():
    java, jcmd = shutil.which("java"), shutil.which("jcmd")
    if java is None or jcmd is None:
        print("SKIP JVM: java or jcmd not installed")
        return False
    proc = start([java, "-XX:+PreserveFramePointer", "-Xss4m", os.path.join(JIT, "Spin.java")],
                 WORK.name, timeout=60)
    pid = proc.pid
    try:
        code, out, err = stacktop("dump", "-p", pid)
        check(code == 0, f"dump of the JVM: {err}")
        hint = f"run `jcmd {pid} Compiler.perfmap`"
        check(hint in out.decode(), f"no jcmd hint without a map: {out[:400]!r}")
        def perfmap():
            subprocess.run([jcmd, str(pid), "Compiler.perfmap"], capture_output=True,
                           timeout=30)

        # Give the JIT time to compile hotSpinner, then ask for the map.
        for _ in range(40):
            perfmap()
            if map_has(pid, "Spin.hotSpinner"):
                break
            time.sleep(0.25)
        check(map_has(pid, "Spin.hotSpinner"), "jcmd Compiler.perfmap wrote no Spin.hotSpinner")
        t = wait_for_named(pid, "Spin.hotSpinner", lambda t: True, "JVM", refresh=perfmap)
        names = [f["function"] or "" for f in t["stack"]]
        check("start_thread" in names, f"the Java thread's walk ends early: {names}")
        code, out, _ = stacktop("dump", "-p", pid)
        check(hint not in out.decode(), "the jcmd hint stays after the map was written")
        print(f"JVM: {names[0]!r}, {len(names)} frames")
    finally:
        stop(proc)
    return True


def main():
    ran = [check_node(), check_jvm()]
    if not any(ran):
        skip("neither node nor a JDK (java, jcmd) is installed")


run(main)
