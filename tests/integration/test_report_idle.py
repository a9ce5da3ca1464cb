"""Repeated samples skip threads that stay idle (see collector.c): a thread
that starts spinning after several idle samples is still seen at once, at
its real share of a CPU (no catch-up spike above 100%), and the idle ones
keep their rows."""

import json
import os
import shutil
import subprocess
import tempfile

from harness import STACKTOP, check, run, skip, stacktop, start_target

IDLE = 200


def syscalls(pid, reports):
    """The system calls of `report -c REPORTS` (one thread shown) of pid."""
    # LeakSanitizer stops the threads of the program it checks with ptrace,
    # which a program strace traces refuses: no leak check under strace.
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    with tempfile.NamedTemporaryFile() as out:
        subprocess.run(["strace", "-f", "-c", "-o", out.name, STACKTOP, "report", "-p",
                        str(pid), "-n", "1", "-c", str(reports), "-d", "0.2", "--json"],
                       capture_output=True, check=True, env=env)
        total = [line for line in open(out.name) if line.rstrip().endswith("total")]
    return int(total[0].split()[-3 if len(total[0].split()) > 5 else -2])


def check_skipping(pid):
    """Skipping happens (the stat path): a report past the first costs far
    fewer system calls than reading the idle threads would: a stat read and
    its switches and run-queue wait (two more files opened, read and
    closed), 7 a thread. Skipped, each is read once in ten samples."""
    if os.environ.get("STACKTOP_TASKSTATS") != "0":
        print("taskstats: queries go out in batches, so system calls do not show "
              "skipping; int_report_idle_procfs counts them on the stat path")
        return
    if shutil.which("strace") is None:
        skip("strace is not installed (Debian package strace): cannot count the reads")
    per_thread = 3
    per_report = (syscalls(pid, 12) - syscalls(pid, 2)) / 10
    print(f"{per_report:.0f} system calls a report past the first, {IDLE} idle threads")
    check(per_report < per_thread * IDLE, f"{per_report:.0f} system calls a report for {IDLE} "
          f"idle threads: they are read, not skipped")


def test():
    target = start_target("threads", str(IDLE), "3")
    check_skipping(target.pid)
    target.kill()
    target = start_target("threads", str(IDLE), "3")
    code, out, err = stacktop("report", "-p", target.pid, "-c", "14", "-d", "0.5", "--json")
    check(code == 0, f"report exited {code}: {err}")
    reports = [json.loads(line) for line in out.splitlines()]
    check(len(reports) == 14, f"{len(reports)} reports, not 14")
    late, hot = [], []
    for r in reports:
        threads = {t["name"]: t for t in r["processes"][0]["threads"]}
        check(len(r["processes"][0]["threads"]) >= 200, "idle threads are missing")
        late.append(threads["st-late"]["cpu_pct"])
        hot.append(threads["st-hot"]["cpu_pct"])
    check(max(late) <= 110, f"st-late above one CPU in an interval: {late}")
    check(late[0] < 5, f"st-late spinning from the start: {late}")
    # It starts 3 s after the target (about the 7th report; a loaded
    # sanitizer run starts later): from the interval after, every report
    # shows it spinning, with a share like st-hot's (two spinners may share
    # a CPU with whatever else runs on the machine).
    started = next((i for i, v in enumerate(late) if v >= 10), None)
    check(started is not None and started <= 11, f"st-late never seen spinning: {late}")
    for i in range(started + 1, len(late)):
        # (No absolute floor beyond a sign of life: at load 10 on 2 CPUs
        # both spinners got ~20% each, a true answer.)
        check(late[i] >= 5 and late[i] >= 0.4 * hot[i],
              f"st-late lost after it started: late {late}, hot {hot}")


run(test)
