"""Threads born and ending hundreds of times a second: report --count 50
-d 0.1 never fails, and stacktop's open fds stay flat (no fd kept for a dead
thread)."""

import os
import subprocess
import tempfile
import time

from harness import STACKTOP, check, fail, run, start_target


# fd_series samples every 20 ms: ten samples are 200 ms.
WINDOW_SAMPLES = 10


def thread_births(pid, seconds):
    """How many threads the target makes per second (from its task ids)."""
    seen = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            seen.update(os.listdir(f"/proc/{pid}/task"))
        except FileNotFoundError:
            fail("the churn target died")
    return len(seen) / seconds


def box_threads():
    """Threads on the whole machine (the total in /proc/loadavg)."""
    return int(open("/proc/loadavg").read().split()[3].split("/")[1])


def box_processes():
    """Processes on the whole machine."""
    return sum(name.isdigit() for name in os.listdir("/proc"))


def fd_series(args):
    """Runs stacktop with args, counting its open fds every 20 ms, each with
    the number of threads on the machine at that moment: the larger of the
    counts just before and just after (threads another process starts and
    ends between the two reads showed as a leak of a few dozen fds); or, with
    taskstats, the processes (a stat file is kept open per process)."""
    per_thread = os.environ.get("STACKTOP_TASKSTATS") == "0" or os.geteuid() != 0
    box = box_threads if per_thread else box_processes
    # Output goes to files: a pipe nobody reads while we poll would fill up.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([STACKTOP, *args], stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        counts = []
        while proc.poll() is None:
            try:
                before = box()
                fds = len(os.listdir(f"/proc/{proc.pid}/fd"))
                counts.append((fds, max(before, box())))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.02)
        proc.wait()
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read().decode(), counts


def test():
    target = start_target("churn")
    rate = thread_births(target.pid, 0.5)
    print(f"churn target: ~{rate:.0f} threads seen per second")
    check(rate > 100, f"the target churns too slowly ({rate:.0f}/s) to test anything")

    for scope in (["-p", str(target.pid)], []):
        code, out, err, series = fd_series(["report", *scope, "-d", "0.1", "--count", "50"])
        # For the whole machine stacktop rightly holds an fd per live thread
        # on the stat path, and per live process with taskstats (root):
        # another process starting threads or processes meanwhile is not a
        # leak, so the machine's count of them is taken out of what must
        # stay flat (a CI run saw 82 -> 98 fds as 16 processes came). Its
        # fds follow the machine at its refreshes (every 100 ms, and a
        # refresh takes a while): the largest count of the last 200 ms is
        # taken out (a CI run saw 95 -> 119 as 30 threads of another
        # process ended, between two refreshes).
        window = WINDOW_SAMPLES if not scope else 0
        fds = [n - (max(b for _, b in series[max(0, i - window):i + 1]) if not scope else 0)
               for i, (n, _) in enumerate(series)]
        what = "report " + " ".join(scope)
        check(code == 0, f"{what} exited {code}: {err}")
        reports = sum(line.startswith(b"stacktop report ") for line in out.splitlines())
        check(reports == 50, f"{what}: {reports} reports of 50")
        check(len(fds) > 10, f"{what}: too few fd samples ({len(fds)})")
        half = len(fds) // 2
        print(f"{what}: open fds (and threads on the machine) over the run: {series}")
        # Flat: the second half never exceeds the first half's peak by more
        # than the few threads alive at any one time.
        check(max(fds[half:]) <= max(fds[:half]) + 12,
              f"{what}: fds grew from {max(fds[:half])} to {max(fds[half:])}")
    check(target.poll() is None, "the target survived")


run(test)
