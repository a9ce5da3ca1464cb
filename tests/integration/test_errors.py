"""Bad input: a PID that does not exist or exits mid-sample, bad usage, and no
permission. Each is one line on stderr with the documented exit code, and
says what the process is: a kernel thread, a zombie, stacktop itself, a
process another tracer holds."""

import ctypes
import os
import signal
import subprocess
import time

from harness import STACKTOP, check, run, stacktop, start_target

# Commands that examine one process from outside.
EXAMINE = (["dump"], ["locks"], ["record", "-d", 0.2, "-o", os.devnull], ["mem", "-d", 0.2])


def dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def one_line(err, what):
    check(err.count("\n") == 1 and err.startswith("stacktop"), f"{what}: not one line: {err!r}")


def test():
    pid = dead_pid()
    for args in (["report", "-p", pid, "-d", 0.1], ["mem", "-p", pid, "-d", 0.2]):
        code, out, err = stacktop(*args)
        check(code == 1, f"{args}: exit {code}")
        one_line(err, f"{args}")
        check("no such process" in err, f"{args}: {err!r}")
        check(out == b"", f"{args}: printed {out!r}")

    # A process that exits during the interval.
    sleeper = subprocess.Popen(["sleep", "0.3"])
    code, out, err = stacktop("report", "-p", sleeper.pid, "-d", 1)
    sleeper.wait()
    check(code == 1, f"exit mid-sample: exit {code}")
    one_line(err, "exit mid-sample")
    check(str(sleeper.pid) in err and "exited" in err, f"exit mid-sample: {err!r}")

    for args in (["report", "-p", "abc"], ["report", "-d", "-1"], ["report", "-d", "x"],
                 ["report", "--bogus"], ["report", "-p"], ["mem"], ["mem", "-p", "1,2"],
                 ["nosuchcommand"], ["report", "extra"]):
        code, out, err = stacktop(*args)
        check(code == 2, f"{args}: exit {code} for bad usage")
        check("usage:" in err, f"{args}: no usage line: {err!r}")

    for args in (["--help"], ["report", "--help"], ["mem", "--help"]):
        code, out, err = stacktop(*args)
        check(code == 0 and b"usage: stacktop" in out, f"{args}: {code} {out!r}")
    code, out, err = stacktop("--version")
    check(code == 0 and out.startswith(b"stacktop "), f"--version: {out!r}")

    # No permission: an unprivileged user asking for a root process's memory.
    target = start_target("threads", "1")
    code, out, err = stacktop("mem", "-p", target.pid, "-d", 0.2, user="nobody")
    check(code == 1, f"unprivileged mem: exit {code}: {err}")
    one_line(err, "unprivileged mem")
    for remedy in ("root", "CAP_SYS_PTRACE", "kernel.yama.ptrace_scope"):
        check(remedy in err, f"unprivileged mem: no '{remedy}' in {err!r}")
    # report still works unprivileged: what it may not read stays unknown.
    code, out, err = stacktop("report", "-p", target.pid, "-d", 0.2, user="nobody")
    check(code == 0, f"unprivileged report: exit {code}: {err}")

    check_true_errors()

    # Without a command and without a terminal, stacktop prints a report.
    code, out, err = stacktop("-d", 0.2, "-P", 1)
    check(code == 0 and out.startswith(b"stacktop report "), f"no command: {code} {out[:80]!r}")


def zombie():
    """A child of ours that exited and that we do not reap (yet)."""
    child = subprocess.Popen(["true"])
    for _ in range(200):
        with open(f"/proc/{child.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return child
        time.sleep(0.01)
    return child


def traced_sleeper():
    """A sleep that we trace (PTRACE_TRACEME before its exec), let run on."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    pid = os.fork()
    if pid == 0:
        libc.ptrace(0, 0, None, None)  # PTRACE_TRACEME
        os.execv("/bin/sleep", ["sleep", "30"])
    os.waitpid(pid, 0)  # stopped by its exec
    libc.ptrace(7, pid, None, None)  # PTRACE_CONT
    return pid


def check_true_errors():
    for args in EXAMINE:
        cmd, rest = args[0], args[1:]
        code, _, err = stacktop(cmd, "-p", 2, *rest)
        check(code == 1 and "PID 2 (kthreadd) is a kernel thread" in err,
              f"{cmd} -p 2: exit {code}, {err!r}")
        one_line(err, f"{cmd} -p 2")

    child = zombie()
    for args in EXAMINE + (["report", "-d", 0.1],):
        cmd, rest = args[0], args[1:]
        code, _, err = stacktop(cmd, "-p", child.pid, *rest)
        check(code == 1 and f"PID {child.pid} is a zombie" in err and
              f"its parent (PID {os.getpid()})" in err, f"{cmd} on a zombie: {code}, {err!r}")
        one_line(err, f"{cmd} on a zombie")
    child.wait()

    # stacktop itself: sh's PID is stacktop's once it execs.
    proc = subprocess.run(["sh", "-c", f'exec "{STACKTOP}" dump -p $$'], capture_output=True,
                          text=True)
    check(proc.returncode == 1 and "is stacktop itself" in proc.stderr,
          f"dump of itself: {proc.returncode}, {proc.stderr!r}")

    traced = traced_sleeper()
    try:
        code, _, err = stacktop("dump", "-p", traced)
        check(code == 1 and f"already traced by PID {os.getpid()}" in err,
              f"dump of a traced process: {code}, {err!r}")
        one_line(err, "a traced process")
    finally:
        os.kill(traced, signal.SIGKILL)
        os.waitpid(traced, 0)


run(test)
