"""Bad input: a PID that does not exist or exits mid-sample, bad usage, and no
permission. Each is one line on stderr with the documented exit code."""

import subprocess

from harness import check, run, stacktop, start_target


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

    # Without a command and without a terminal, stacktop prints a report.
    code, out, err = stacktop("-d", 0.2, "-P", 1)
    check(code == 0 and out.startswith(b"stacktop report "), f"no command: {code} {out[:80]!r}")


run(test)
