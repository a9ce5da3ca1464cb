"""record: a CPU profile holds the hot thread's known call chain and no thread
that did not run; --idle adds every thread's last stack; folded, speedscope
and SVG outputs parse; hostile names stay safe; killing stacktop at random
moments never leaves the target stopped; a target that exits or execs during
the recording gives a profile and a clean message, one whose main thread
ended does not look gone; errors are one line."""

import json
import os
import random
import re
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

from harness import STACKTOP, assert_terminal_safe, check, fail, run, stacktop, start_target

SUMMARY = re.compile(r"stacktop record: PID (\d+) \((.*)\): (\d+) samples? in (\d+) rounds? "
                     r"over ([\d.]+) s \(([\d.]+) Hz of (\d+)\), (\d+) errors?, (\d+) distinct "
                     r"stacks?; target stopped ([\d.]+) ms per round on average "
                     r"\(max ([\d.]+) ms\)(?:; [^;]*)*?; (\w+) to (.*)")


def parse_folded(data, what):
    """[(frames root first, count)]; every line "a;b;c COUNT"."""
    text = data.decode()
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        check(stack and count.isdigit() and int(count) > 0, f"{what}: bad line {line!r}")
        stacks.append((stack.split(";"), int(count)))
    return stacks


def summary(err):
    m = SUMMARY.search(err)
    check(m is not None, f"no summary line in {err!r}")
    return m


def in_order(names, expected, what):
    at = 0
    for want in expected:
        check(want in names[at:], f"{what}: {want} missing or out of order in {names}")
        at = names.index(want, at) + 1


def thread_of(frames):
    return frames[0].split(" (")[0][len("thread "):]


def stopped_threads(pid):
    stopped = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            state = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if state in ("t", "T"):
            stopped[tid] = state
    return stopped


def hot_utime(pid):
    for tid in os.listdir(f"/proc/{pid}/task"):
        if open(f"/proc/{pid}/task/{tid}/comm").read().strip() == "st-hot":
            return int(open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()[11])
    fail("no st-hot thread")


def check_cpu_profile():
    """Only threads that ran are sampled: the hot thread, with its chain."""
    target = start_target("threads", "4")
    before = hot_utime(target.pid)
    code, out, err = stacktop("record", "-p", target.pid, "-d", 2, "-r", 100)
    used = hot_utime(target.pid) - before  # clock ticks: 100 a second
    check(code == 0, f"record exited {code}: {err}")
    stacks = parse_folded(out, "cpu profile")
    m = summary(err)
    check(int(m.group(1)) == target.pid and m.group(2) == "st-main", f"summary {m.group(0)}")
    check(int(m.group(3)) == sum(c for _, c in stacks), f"summary samples vs output: {err}")
    check(int(m.group(7)) == 100 and m.group(12) == "folded", m.group(0))
    hot = [(f, c) for f, c in stacks if thread_of(f) == "st-hot"]
    hot_samples = sum(c for _, c in hot)
    # A sample per 10 ms of CPU time: the hot thread always runs, as much
    # as a loaded machine lets it (its user time over the same seconds).
    check(hot_samples >= min(100, 0.7 * used) and hot_samples >= 10,
          f"only {hot_samples} samples of st-hot, which used {used} ticks: {stacks}")
    frames, count = max(hot, key=lambda s: s[1])
    check(frames[-1] == "spin_forever", f"hottest leaf is {frames[-1]}")
    in_order(frames, ["start_thread", "hot_main", "spin_forever"], "st-hot")
    for f, _ in stacks:
        check(thread_of(f) not in ("st-idle-0", "st-reader"),
              f"a thread that never ran was sampled: {f}")
    target.kill()


def check_idle_profile():
    """--idle: every thread, each counted once per round."""
    target = start_target("threads", "3")
    code, out, err = stacktop("record", "-p", target.pid, "-d", 1, "-r", 50, "--idle")
    check(code == 0, f"record --idle exited {code}: {err}")
    stacks = parse_folded(out, "idle profile")
    rounds = int(summary(err).group(4))
    per_thread = {}
    for f, c in stacks:
        per_thread[thread_of(f)] = per_thread.get(thread_of(f), 0) + c
    for name in ("st-main", "st-reader", "st-idle-0", "st-idle-2", "st-hot"):
        check(name in per_thread, f"--idle: no {name} in {sorted(per_thread)}")
    for name in ("st-reader", "st-idle-0", "st-main"):
        check(per_thread[name] == rounds, f"--idle: {name} counted {per_thread[name]} times "
              f"in {rounds} rounds")
    reader = [f for f, _ in stacks if thread_of(f) == "st-reader"][0]
    in_order(reader, ["start_thread", "reader_main", "block_in_read"], "st-reader")
    check("read" in reader[-1], f"reader blocked in {reader[-1]}")
    target.kill()


def check_shortfall():
    """Asked for more than the box can give (1 kHz wall-clock of 2,000
    threads: a round reads every thread's CPU time), the summary says the
    rate achieved and why."""
    target = start_target("threads", "2000")
    code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "-r", 1000, "--mode", "wall",
                            "-o", os.devnull)
    check(code == 0, f"record exited {code}: {err}")
    hz = float(summary(err).group(6))
    check(hz < 950, f"2,000 threads at 1 kHz: {hz} Hz achieved")
    check(re.search(r"; short of the rate: \d+ of \d+ rounds took longer than the 1.000 ms "
                    r"interval \([\d.]+ ms on average, [\d.]+ ms at most, following 200\d "
                    r"threads\)", err), f"no reason for {hz} Hz of 1000: {err}")
    target.kill()


def check_formats():
    target = start_target("threads", "2")
    with tempfile.TemporaryDirectory() as tmp:
        svg = os.path.join(tmp, "p.svg")
        code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "-o", svg)
        check(code == 0 and summary(err).group(12) == "svg", f"svg: {code} {err}")
        root = ET.parse(svg).getroot()
        check(root.tag.endswith("svg"), f"svg root {root.tag}")
        titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
        check(any(t.startswith("spin_forever (") for t in titles), f"svg titles {titles}")
        check(any(t.startswith("all (") for t in titles), "svg has no root frame")

        speedscope = os.path.join(tmp, "p.json")
        code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "-o", speedscope)
        check(code == 0 and summary(err).group(12) == "speedscope", f"speedscope: {err}")
        doc = json.load(open(speedscope))
        check(doc["$schema"] == "https://www.speedscope.app/file-format-schema.json", "schema")
        frames = doc["shared"]["frames"]
        hot = [p for p in doc["profiles"] if p["name"].startswith("thread st-hot (")]
        check(len(hot) == 1, f"profiles {[p['name'] for p in doc['profiles']]}")
        p = hot[0]
        check(p["type"] == "sampled" and len(p["samples"]) == len(p["weights"]) and
              abs(sum(p["weights"]) - p["endValue"]) < 1e-3, "sampled profile shape")
        leaves = {frames[s[-1]]["name"] for s in p["samples"]}
        check("spin_forever" in leaves, f"speedscope leaves {leaves}")
        roots = {frames[s[0]]["name"] for s in p["samples"]}
        check(all("clone" in r for r in roots), f"speedscope roots {roots}")

        folded = os.path.join(tmp, "p.txt")
        code, _, err = stacktop("record", "-p", target.pid, "-d", 0.5, "-f", "folded",
                                "-o", folded)
        check(code == 0, f"folded to a file: {err}")
        check(parse_folded(open(folded, "rb").read(), "folded file"), "empty folded file")
    target.kill()


def check_hostile():
    """Thread names with escapes: folded text is terminal-safe, the summary
    too, and the SVG and speedscope documents still parse."""
    target = start_target("hostile")
    with tempfile.TemporaryDirectory() as tmp:
        code, out, err = stacktop("record", "-p", target.pid, "-d", 0.3, "--idle")
        check(code == 0, f"hostile record: {err}")
        assert_terminal_safe(out, "hostile folded")
        assert_terminal_safe(err.encode(), "hostile summary")
        check(len(parse_folded(out, "hostile")) == 6, f"hostile threads: {out!r}")
        for name in ("p.svg", "p.json"):
            path = os.path.join(tmp, name)
            code, _, err = stacktop("record", "-p", target.pid, "-d", 0.3, "--idle", "-o", path)
            check(code == 0, f"hostile {name}: {err}")
            if name.endswith(".svg"):
                ET.parse(path)
            else:
                names = {p["name"] for p in json.load(open(path))["profiles"]}
                check(any("\x1b]0;pwned\x07" in n for n in names), f"raw names lost: {names}")
    target.kill()


def check_sigkill():
    """SIGKILL stacktop at random moments of a recording, 25 times: no thread
    is left stopped and the target keeps running."""
    target = start_target("threads", "100")
    rng = random.Random(4321)
    for i in range(25):
        proc = subprocess.Popen([STACKTOP, "record", "-p", str(target.pid), "-d", "5",
                                 "-r", "1000", "--idle"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.005, 0.25))
        proc.kill()
        proc.wait()
        stopped = stopped_threads(target.pid)
        check(not stopped, f"kill {i}: threads left stopped: {stopped}")
    before = hot_utime(target.pid)
    time.sleep(0.3)
    check(hot_utime(target.pid) > before, "the hot thread made no progress")
    target.kill()


def check_target_exits():
    target = start_target("threads", "2")
    proc = subprocess.Popen([STACKTOP, "record", "-p", str(target.pid), "-d", "30"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1)
    target.kill()
    target.wait()
    out, err = proc.communicate(timeout=10)
    err = err.decode()
    check(proc.returncode == 0, f"record of an exiting target exited {proc.returncode}: {err}")
    check(f"PID {target.pid} exited after" in err, f"no message about the exit: {err!r}")
    check(any(thread_of(f) == "st-hot" for f, _ in parse_folded(out, "partial")),
          "the partial profile lost the hot thread")
    summary(err)


def check_exec():
    """The target execs mid-recording: both programs' functions show."""
    target = start_target("execer", "0.7")
    code, out, err = stacktop("record", "-p", target.pid, "-d", 2)
    check(code == 0, f"record across exec: {code} {err}")
    # Leaves may be clock_gettime's (and, under sanitizers, their helpers).
    seen = {name for f, _ in parse_folded(out, "exec") for name in f}
    check("before_exec" in seen and "after_exec" in seen, f"functions across exec: {seen}")
    target.kill()


def check_vdso():
    """before_exec spends its time in clock_gettime, in the vDSO, which is no
    file: its frames are named from the kernel's image and unwinding goes on
    through them to the caller."""
    target = start_target("execer", "30")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p.json")
        code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "-o", path)
        check(code == 0, f"record of clock_gettime: {err}")
        doc = json.load(open(path))
    frames = doc["shared"]["frames"]
    vdso = [s for p in doc["profiles"] for s in p["samples"]
            if any(frames[i].get("file") == "[vdso]" for i in s)]
    check(vdso, f"no sample in the vDSO: {frames}")
    check(any(frames[i]["name"] == "clock_gettime" and frames[i].get("file") == "[vdso]"
              for s in vdso for i in s), f"no vDSO frame named clock_gettime: {frames}")
    for s in vdso:
        names = [frames[i]["name"] for i in s]
        check("before_exec" in names, f"unwinding stopped in the vDSO: {names}")
    target.kill()


def check_leader_exit():
    """A main thread that ended is a zombie, but the process lives on."""
    target = start_target("leaderexit")
    code, out, err = stacktop("record", "-p", target.pid, "-d", 1)
    check(code == 0 and "exited" not in err, f"record with a zombie main thread: {code} {err}")
    stacks = parse_folded(out, "leader exit")
    check(any(thread_of(f) == "st-orphan" and f[-1] == "orphan_spin" for f, _ in stacks),
          f"the working thread is missing: {stacks}")
    target.kill()


def check_churn():
    """Threads born and ending during sampling: no failure, nothing stopped."""
    target = start_target("churn")
    code, out, err = stacktop("record", "-p", target.pid, "-d", 2, "-r", 200, "--idle")
    check(code == 0, f"record of churn exited {code}: {err}")
    check(int(summary(err).group(3)) > 0, f"no samples: {err}")
    check(not stopped_threads(target.pid), "churn threads left stopped")
    target.kill()


def check_unprivileged():
    """An unprivileged user records its own process with perf events where
    perf_event_paranoid allows them (<= 2: user space only): the kernel's
    part refused, the events are opened again without it, for every
    thread (a refusal once left none open: 0 samples, said to be from
    perf events)."""
    paranoid = int(open("/proc/sys/kernel/perf_event_paranoid").read())
    if paranoid > 2:
        print(f"perf_event_paranoid {paranoid}: perf events are refused to users; "
              f"the unprivileged record is not checked")
        return
    target = start_target("threads", "2", user="nobody")
    code, _, err = stacktop("record", "-p", target.pid, "-d", 1, user="nobody")
    check(code == 0, f"record as nobody of nobody's process: {code} {err}")
    check("; perf events;" in err, f"not from perf events: {err}")
    check(int(summary(err).group(3)) > 5, f"no samples as nobody: {err}")
    target.kill()


def check_errors():
    code, _, err = stacktop("record", "-p", 4000000, "-d", 1)
    check(code == 1 and "no such process" in err and err.count("\n") == 1, f"{code} {err!r}")
    target = start_target("threads", "1")
    code, _, err = stacktop("record", "-p", target.pid, "-d", 1, user="nobody")
    check(code == 1 and err.count("\n") == 1, f"unprivileged record: {code} {err!r}")
    for remedy in ("root", "CAP_SYS_PTRACE", "kernel.yama.ptrace_scope"):
        check(remedy in err, f"unprivileged record: no '{remedy}' in {err!r}")
    for args in (["-r", "0"], ["-r", "5000"], ["-f", "pdf"], ["-d", "x"], []):
        code, _, err = stacktop("record", "-p", target.pid, *args) if args else \
            stacktop("record")
        check(code == 2 and "usage:" in err, f"record {args}: {code} {err!r}")
    code, _, err = stacktop("record", "-p", target.pid, "-d", 1, "-o", "/nonexistent/dir/x")
    check(code == 2 and "cannot write /nonexistent/dir/x" in err, f"bad -o: {code} {err!r}")
    check(not stopped_threads(target.pid), "the target is stopped after the error cases")
    target.kill()


def test():
    check_cpu_profile()
    check_idle_profile()
    check_shortfall()
    check_formats()
    check_hostile()
    check_sigkill()
    check_target_exits()
    check_exec()
    check_vdso()
    check_leader_exit()
    check_churn()
    check_unprivileged()
    check_errors()


run(test)
