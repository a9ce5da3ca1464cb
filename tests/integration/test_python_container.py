"""dump of a CPython process inside its own PID and mount namespaces (made
with unshare, as a container runtime would): the interpreter knows its
threads by their ids in that namespace, stacktop by ours; Python frames
and thread names must still land on the right threads (NSpid). Runs a
3.11+ interpreter (native_thread_id) and an older one (glibc's struct
pthread), whichever are installed."""

import os
import signal
import subprocess
import time

from harness import check, fail, run, skip, stacktop_json

import pythons  # scripts/pythons.py, on the path the harness set

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "targets", "python",
                   "app.py")
_started = []


def interpreters():
    installed = pythons.pyenv_pythons(("python",))
    found = []
    for want in ("3.12", "3.13", "3.11", "3.9", "3.8", "3.10", "2.7"):
        paths = [path for name, path in installed if name.startswith(want + ".")]
        if paths:
            found.append((want, paths[-1]))
    new = [f for f in found if pythons.version_key(f[0]) >= (3, 11)][:1]
    old = [f for f in found if pythons.version_key(f[0]) < (3, 11)][:1]
    if not new and not old:
        skip(f"no CPython under {root}/versions")
    return new + old


def start_in_namespace(python):
    proc = subprocess.Popen(["unshare", "--pid", "--mount-proc", "--fork", "--kill-child", python, APP],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    _started.append(proc)
    line = proc.stdout.readline().decode()
    if not line.startswith("ready "):
        err = proc.stderr.read().decode(errors="replace") if proc.poll() is not None else ""
        if "Operation not permitted" in err or proc.poll() not in (None, 0):
            skip(f"unshare --pid --mount-proc is not permitted here: {err.strip()!r}")
        fail(f"app did not start in a namespace: {line!r} {err!r}")
    check(line.split()[1] == "1", f"not in a new PID namespace: {line!r}")
    # Our id of the interpreter: unshare's child.
    for _ in range(100):
        children = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
        if children:
            return int(children[0])
        time.sleep(0.01)
    fail("no child of unshare")


def check_version(version, python):
    pid = start_in_namespace(python)
    nspid = [line for line in open(f"/proc/{pid}/status") if line.startswith("NSpid:")]
    check(nspid and nspid[0].split()[-1] == "1", f"{version}: NSpid {nspid}")
    doc = stacktop_json("dump", "-p", pid)
    names = {t["name"]: t for t in doc["threads"]}
    spin = names["py-spinner"]
    frames = [f["function"] for f in spin["stack"] if f["kind"] == "python"]
    check(frames[:2] == ["spin_leaf", "spin_middle"], f"{version} in a namespace: {frames}")
    check(spin["python_thread_name"] == "spinner", f"{version}: name {spin['python_thread_name']}")
    main = [t for t in doc["threads"] if t["tid"] == pid][0]
    check(main["python_thread_name"] == "MainThread", f"{version}: main {main}")
    os.kill(pid, signal.SIGKILL)  # pid 1 of its namespace ignores SIGTERM


def test():
    try:
        for version, python in interpreters():
            check_version(version, python)
    finally:
        for proc in _started:
            try:
                proc.kill()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass


run(test)
