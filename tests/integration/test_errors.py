"""Bad input: a PID that does not exist or exits mid-sample, bad usage, and no
permission. Each is one line on stderr with the documented exit code, and
says what the process is: a kernel thread, a zombie, stacktop itself, a
process another tracer holds."""

import ctypes
import json
import os
import re
import signal
import subprocess
import threading
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
    check_ranges()
    check_help_words()
    check_some_gone()
    check_plurals()

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


def usage(cmd):
    """The usage line of cmd, as its --help starts."""
    _, out, _ = stacktop(cmd, "--help")
    return out.decode().split("\n", 1)[0] + "\n"


def check_ranges():
    """A number out of its range, or no number, is a usage error that says
    the range, in one line and the usage line."""
    seconds = "must be more than 0 and at most 86400 seconds"
    for args, line in (
            (["report", "-d", "0"], f"-d 0: the interval {seconds}"),
            (["report", "-d", "-1"], f"-d -1: the interval {seconds}"),
            (["report", "-d", "1e9"], f"-d 1e9: the interval {seconds}"),
            (["report", "--delay=x"], f"--delay x: the interval {seconds}"),
            (["report", "-n", "0"], "-n 0: the thread count must be a whole number from 1 "
                                    "to 1000000"),
            (["report", "-n", "abc"], "-n abc: the thread count must be a whole number "
                                      "from 1 to 1000000"),
            (["report", "-c", "99999999999999999999"],
             "-c 99999999999999999999: the report count must be a whole number from 1 to "
             "1000000"),
            (["record", "-p", "1", "-r", "0"], "-r 0: the rate in Hz must be a whole number "
                                               "from 1 to 10000"),
            (["record", "-p", "1", "-d", "0"], f"-d 0: the duration {seconds}"),
            (["mem", "-p", "1", "--max-stop", "0.0001"],
             "--max-stop 0.0001: the longest stop must be between 0.001 and 86400 seconds")):
        code, out, err = stacktop(*args)
        want = f"stacktop {args[0]}: {line}\n" + usage(args[0])
        check(code == 2 and out == b"" and err == want, f"{args}: exit {code}, {err!r}")


def check_help_words():
    """version, help and help COMMAND are the options' words."""
    _, version, _ = stacktop("--version")
    for args in (["version"], ["-V"]):
        code, out, err = stacktop(*args)
        check(code == 0 and out == version and err == "", f"{args}: {code} {out!r} {err!r}")
    _, usage, _ = stacktop("--help")
    code, out, err = stacktop("help")
    check(code == 0 and out == usage and err == "", f"help: {code} {out!r} {err!r}")
    for cmd in ("top", "report", "dump", "mem", "locks", "record"):
        _, want, _ = stacktop(cmd, "--help")
        code, out, err = stacktop("help", cmd)
        check(code == 0 and out == want and want.startswith(f"usage: stacktop {cmd} ".encode()),
              f"help {cmd}: {code} {out[:80]!r} {err!r}")
    code, out, err = stacktop("help", "nosuch")
    check(code == 2 and out == b"" and err.startswith("stacktop help: unknown command 'nosuch'\n"
                                                      "usage: stacktop [COMMAND]"),
          f"help nosuch: {code} {err!r}")


def check_some_gone():
    """-p with several PIDs: one that does not exist, exits during the
    interval, or is a zombie gets its line on stderr and the others are
    reported (exit 0); none left is exit 1."""
    target = start_target("threads", "1")
    dead = dead_pid()
    code, out, err = stacktop("report", "-p", f"{target.pid},{dead}", "-d", 0.1)
    check(code == 0 and err == f"stacktop: PID {dead}: no such process (it does not exist or "
          "exited)\n", f"report -p GOOD,DEAD: exit {code}, {err!r}")
    check(f"\n{target.pid:7d} ".encode() in out and f"\n{dead:7d} ".encode() not in out,
          f"report -p GOOD,DEAD: {out!r}")

    # Reaped as soon as it exits: a process gone, not a zombie.
    sleeper = subprocess.Popen(["sleep", "0.3"])
    reaper = threading.Thread(target=sleeper.wait)
    reaper.start()
    code, out, err = stacktop("report", "-p", f"{sleeper.pid},{target.pid}", "-d", 1, "--json")
    reaper.join()
    check(code == 0 and err == f"stacktop: PID {sleeper.pid}: no such process (it does not "
          "exist or exited)\n", f"exit mid-sample of two: exit {code}, {err!r}")
    pids = [p["pid"] for p in json.loads(out)["processes"]]
    check(pids == [target.pid], f"exit mid-sample of two: reported {pids}")

    child = zombie()
    code, out, err = stacktop("report", "-p", f"{child.pid},{target.pid}", "-d", 0.1)
    check(code == 0 and err == f"stacktop: PID {child.pid} is a zombie: it exited, and its "
          f"parent (PID {os.getpid()}) has not reaped it yet\n",
          f"report -p ZOMBIE,GOOD: exit {code}, {err!r}")
    check(f"\n{target.pid:7d} ".encode() in out, f"report -p ZOMBIE,GOOD: {out!r}")
    child.wait()

    other = dead_pid()
    code, out, err = stacktop("report", "-p", f"{dead},{other}", "-d", 0.1)
    check(code == 1 and out == b"" and err.count("\n") == 2 and
          f"stacktop: PID {dead}: no such process" in err and
          f"stacktop: PID {other}: no such process" in err, f"report -p DEAD,DEAD: {code} {err!r}")

    # A process whose main thread ended is alive: its leader shows as Z.
    leader = start_target("leaderexit")
    code, out, err = stacktop("report", "-p", leader.pid, "-d", 0.1)
    check(code == 0 and err == "" and
          re.search(rf"\n +{leader.pid} leaderexit +Z ".encode(), out) is not None,
          f"report -p LEADEREXIT: {code} {err!r} {out!r}")

    # The commands aimed at one process take one PID.
    for cmd, rest in (("dump", []), ("locks", []), ("mem", ["-d", 0.2]),
                      ("record", ["-d", 0.2, "-o", os.devnull])):
        code, out, err = stacktop(cmd, "-p", f"{target.pid},{dead}", *rest)
        check(code == 2 and err.startswith(f"stacktop {cmd}: -p takes one PID\nusage: "),
              f"{cmd} -p A,B: {code} {err!r}")


def check_plurals():
    """One of a thing is said in the singular: a process with one thread,
    a wall-clock profile of it with one distinct stack."""
    one = subprocess.Popen(["sleep", "30"])
    try:
        code, out, err = stacktop("dump", "-p", one.pid, "--native")
        first = out.decode().split("\n", 1)[0]
        check(code == 0 and re.match(rf"PID {one.pid} \(sleep\): 1 thread, stopped for ", first),
              f"dump: {code} {first!r} {err!r}")
        code, out, err = stacktop("locks", "-p", one.pid)
        first = out.decode().split("\n", 1)[0]
        check(code == 0 and re.match(rf"PID {one.pid} \(sleep\): 1 thread, \d+ blocked", first),
              f"locks: {code} {first!r} {err!r}")
        code, out, err = stacktop("report", "-p", one.pid, "-d", 0.1)
        check(code == 0 and "\ntasks: 1 process, 1 thread" in out.decode(),
              f"report: {code} {out!r}")
        code, out, err = stacktop("record", "-p", one.pid, "-d", 0.3, "--mode", "wall", "-r", 20,
                                  "--native")
        check(code == 0 and ", 0 errors, 1 distinct stack; target stopped" in err and
              out.decode().count("\n") == 1, f"record: {code} {err!r} {out!r}")
    finally:
        one.kill()
        one.wait()


run(test)
