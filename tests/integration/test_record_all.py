"""record -a: every process on the machine from per-CPU perf events. Two C
targets with different names and known hot chains (threads: st-hot in
hot_main -> spin_forever; cxxchain: cx-hot down to app::spin<int>), the
second started while the recording runs, each appear under their own
process and thread roots with their own hot function, and stacktop's own
process is a small share; a Python process's frames are merged in (not
with --native). -a with -p, or with a mode it does not sample,
is a one-line usage error, and refused perf events one line with the
remedy. Short-lived processes (awk runs between two rounds) are counted
under their names."""

import os
import re
import signal
import subprocess
import tempfile
import time

from harness import (STACKTOP, check, cpu_ticks, python_interpreter, run, skip, stacktop,
                     start_python, start_target)
from stacks import thread_root

ROOT = re.compile(r"^process (.*) \((\d+)\)$")


def parse(path):
    """[(pid, process, tid, thread, frames root first, count)]."""
    stacks = []
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            check(stack and count.isdigit(), f"bad folded line {line!r}")
            frames = stack.split(";")
            check(len(frames) >= 3, f"no process and thread root in {line!r}")
            m = ROOT.match(frames[0])
            check(m is not None and len(frames) >= 2,
                  f"root is not 'process NAME (PID);thread NAME (TID)': {line!r}")
            # A Python thread's: "thread PYNAME (NAME) (TID)" (stacks.thread_root).
            thread, _, tid = thread_root(frames[1])
            stacks.append((int(m[2]), m[1], tid, thread, frames[2:], int(count)))
    return stacks


def check_two_processes():
    first = start_target("threads", "2")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.folded")
        rec = subprocess.Popen([STACKTOP, "record", "-a", "-d", "3", "-o", out],
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        # A process that appears during the recording is followed too.
        time.sleep(1)
        second = start_target("cxxchain")
        _, err = rec.communicate(timeout=60)
        err = err.decode(errors="replace")
        if rec.returncode != 0 and "cannot sample every CPU" in err:
            skip(f"perf events refused here: {err.strip()}")
        check(rec.returncode == 0, f"record -a exited {rec.returncode}: {err}")
        check("stacktop record -a:" in err and "Python frames merged in" in err,
              f"no -a summary: {err!r}")
        stacks = parse(out)
    total = sum(s[5] for s in stacks)
    check(total > 0, "no samples")

    def share(pid, function):
        mine = [s for s in stacks if s[0] == pid]
        hot = sum(s[5] for s in mine if function in s[4][-1])
        return mine, hot

    for target, process, thread, function, chain in (
            (first, "st-main", "st-hot", "spin_forever", ["hot_main", "spin_forever"]),
            (second, None, "cx-hot", "app::spin<int>", ["app::hot_thread(void*)",
                                                       "app::Worker::run()"])):
        mine, hot = share(target.pid, function)
        check(mine, f"nothing under process {target.pid}: "
                    f"{sorted({(s[0], s[1]) for s in stacks})}")
        # A spinning thread: most of its process's samples (few of them when
        # other work saturates the box).
        check(hot >= 5 and hot * 2 >= sum(s[5] for s in mine),
              f"{function} is {hot} of {sum(s[5] for s in mine)} samples of {target.pid}")
        for pid, name, _, tname, frames, _ in mine:
            if function in frames[-1]:
                check(tname == thread, f"{function} under thread {tname}, not {thread}")
                if process is not None:
                    check(name == process, f"process named {name}, not {process}")
                names = frames
                at = 0
                for want in chain:
                    check(any(want in f for f in names[at:]),
                          f"{want} missing from {names}")
                    at = next(i for i, f in enumerate(names) if want in f) + 1
        # Other engineers' targets may spin in the same function: only the
        # other target of ours is sure not to.
        other = second if target is first else first
        wrong = sum(s[5] for s in stacks if s[0] == other.pid and function in s[4][-1])
        check(wrong == 0, f"{function} under the other target ({wrong} samples)")
    # Other engineers' stacktops may run too: ours is the one we started.
    own = sum(s[5] for s in stacks if s[0] == rec.pid)
    check(own * 10 < total, f"stacktop itself is {own} of {total} samples")
    check(not any(s[1] == "swapper" or "swapper" in s[3] for s in stacks),
          "the idle task was sampled")
    print(f"record -a: {total} samples; stacktop itself {own}")


def check_python():
    """A Python process's samples have its Python frames merged in, as
    record -p merges them; --native leaves them out."""
    app = start_python(python_interpreter("system"), "app.py")
    with tempfile.TemporaryDirectory() as tmp:
        for native in (False, True):
            out = os.path.join(tmp, "py.folded")
            before = cpu_ticks(app.pid, "py-spinner")
            code, _, err = stacktop("record", "-a", "-d", 3, "-o", out,
                                    *(["--native"] if native else []))
            used = cpu_ticks(app.pid, "py-spinner") - before
            check(code == 0, f"record -a exited {code}: {err}")
            mine = [s for s in parse(out) if s[0] == app.pid and s[3] == "py-spinner"]
            total = sum(s[5] for s in mine)
            # As many as the CPU time it had (clock ticks: 100 a second,
            # as the rate): little when other work saturates the box.
            check(total >= min(5, used // 4),
                  f"py-spinner has {total} samples for {used} ticks of CPU: {err}")
            if total == 0:
                print(f"py-spinner had {used} ticks of CPU: nothing to check")
                continue
            merged = sum(s[5] for s in mine
                         if any(f.startswith("spin_leaf (app.py:") for f in s[4]))
            if native:
                check(merged == 0 and "native frames only" in err,
                      f"--native: {merged} samples with Python frames; {err!r}")
                continue
            check("Python frames merged in" in err, f"no Python note: {err!r}")
            # Merged, not side by side: spin_middle calls spin_leaf.
            def merged_chain(frames):
                mid = [i for i, f in enumerate(frames) if f.startswith("spin_middle (app.py:")]
                return mid and any(f.startswith("spin_leaf (app.py:")
                                   for f in frames[mid[0]:])
            chain = sum(s[5] for s in mine if merged_chain(s[4]))
            check(chain * 10 >= total * 8,
                  f"spin_middle -> spin_leaf in {chain} of {total} py-spinner samples")
            print(f"record -a, Python: {chain} of {total} py-spinner samples merged")


def check_short_lived():
    """Processes that start and end between two rounds (awk runs of ~20 ms
    each, one after another) are counted under their own name: those read
    in time with their frames, those that ended first as one frame."""
    import resource
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "short.folded")
        # Recorded until the runs end (Ctrl-C ends a recording): on a
        # saturated box they take several times their CPU time, and a fixed
        # duration ended the recording before them (CI: 53 samples for 137).
        rec = subprocess.Popen([STACKTOP, "record", "-a", "-d", "120", "-o", out],
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        time.sleep(0.5)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["sh", "-c", "i=0; while [ $i -lt 40 ]; do "
                        "awk 'BEGIN{for(i=0;i<1500000;i++)x+=i}'; i=$((i+1)); done"],
                       check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        rec.send_signal(signal.SIGINT)
        _, err = rec.communicate(timeout=60)
        check(rec.returncode == 0, f"record -a exited {rec.returncode}: {err}")
        stacks = parse(out)
    used = (after.ru_utime - before.ru_utime) * 100  # in samples at 100 Hz
    awk = sum(s[5] for s in stacks if s[1] in ("awk", "mawk", "gawk"))
    ended = sum(s[5] for s in stacks
                if s[1] in ("awk", "mawk", "gawk") and s[4] == ["[ended before it was read]"])
    print(f"short-lived: {awk} awk samples ({ended} ended before read) for "
          f"{used:.0f} samples' worth of CPU")
    names = {}
    for st in stacks:
        names[st[1]] = names.get(st[1], 0) + st[5]
    # Samples the kernel dropped (a ring full while stacktop waited for a
    # CPU: a box other tests saturate) are no one's: the CPU time is scaled
    # by the share kept.
    text = err.decode(errors="replace")
    m = re.search(r"-a: (\d+) samples?.*?; (\d+) samples? lost", text)
    kept = int(m[1]) / (int(m[1]) + int(m[2])) if m else 1.0
    check(awk * 2 >= used * kept, f"{awk} awk samples for {used:.0f} samples' worth of CPU: "
          f"{text}; by process name: "
          f"{sorted(names.items(), key=lambda kv: -kv[1])[:8]}")


def check_usage_errors():
    target = start_target("threads", "1")
    for args, word in ((["-a", "-p", target.pid], "exclude"),
                       (["-a", "--mode", "wall"], "-a samples"),
                       (["-a", "--python"], "-a samples")):
        code, out, err = stacktop("record", *args, "-d", 1)
        check(code == 2, f"record {args} exited {code}, not 2: {err}")
        first = err.strip().splitlines()[0] if err.strip() else ""
        check(word in first, f"record {args}: no one-line reason: {err!r}")
        check(out == b"", f"record {args} wrote a profile")


def check_refused():
    """Unprivileged under perf_event_paranoid above 0: one line that says
    what would allow it."""
    with open("/proc/sys/kernel/perf_event_paranoid") as f:
        paranoid = int(f.read())
    if paranoid <= 0 or os.geteuid() != 0:
        print(f"refusal not checked: perf_event_paranoid is {paranoid} and euid "
              f"{os.geteuid()} (it needs root to drop to nobody, and a paranoid above 0)")
        return
    code, out, err = stacktop("record", "-a", "-d", 1, user=65534)
    check(code == 1, f"unprivileged record -a exited {code}, not 1: {err}")
    lines = err.strip().splitlines()
    check(len(lines) == 1 and "cannot sample every CPU" in lines[0] and
          "CAP_PERFMON" in lines[0] and f"(it is {paranoid})" in lines[0],
          f"not one line with the remedy: {err!r}")


def main():
    check_usage_errors()
    check_refused()
    check_two_processes()
    check_short_lived()
    check_python()


run(main)
