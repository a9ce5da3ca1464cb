"""record's time-ordered formats on real targets: --format chrometrace
(Trace Event Format) and --format gecko (the Firefox Profiler's Gecko
profile), chosen by name or by the file's ending (.trace.json,
.chrometrace.json, .gecko.json; .json stays speedscope).

chrometrace: every thread named (thread_name, process_name metadata), its
B and E events balanced and well nested, never going back in time; the
native target's hot thread spins in spin_forever under hot_main; the
Python program that alternates phase_one and phase_two every 0.25 s shows
their spans alternate in time, never overlapping.

gecko: the fields the profiler's Gecko format requires (meta with version,
interval, startTime, categories with Python, Native and Kernel; libs,
threads, processes, pausedRanges; per thread name, tid, pid, samples,
markers, frame, stack and string tables with their schemas), every index in
range, stacks' prefixes before them, samples in time order; the phases
alternate in sample order, Python frames are in the Python category with
their line, native ones in Native. Then the Firefox Profiler itself loads
it: its command-line client (@firefox-devtools/profiler-cli from npm,
which scripts/test installs into the test cache) runs the profiler's own
processing of a Gecko profile, and its view of the main thread has the
Python and Native categories and both phases as functions of phases.py.
Where that client is missing the test says so and checks the rest.

Both on a target whose names attack terminals and parsers (escapes, a
newline, C1 controls, invalid UTF-8): valid JSON with every control
escaped (no raw control byte in the file), the names that are valid UTF-8
kept exactly, the balance and the tables as above."""

import json
import os
import shutil
import subprocess
import tempfile
import time

from harness import (check, python_interpreter, run, stacktop, start_python,
                     start_target)
from trace_formats import chrometrace_spans, gecko_threads


def record(pid, path, *args, duration=2):
    code, out, err = stacktop("record", "-p", pid, "-d", duration, "-r", 100, "-o", path, *args)
    check(code == 0, f"record -o {os.path.basename(path)} {args}: {err}")
    return json.load(open(path))


NPM = os.path.join(os.environ.get("STACKTOP_TEST_CACHE", "/var/cache/stacktop-tests"), "npm")
PROFILER_CLI = os.path.join(NPM, "node_modules", "@firefox-devtools", "profiler-cli", "dist",
                            "profiler-cli.js")


def firefox_profiler(path):
    """The Firefox Profiler's hot functions of the profile's first thread
    (profiler-cli thread samples), or None where the client is missing."""
    if not os.path.exists(PROFILER_CLI) or shutil.which("node") is None:
        print(f"note: no {PROFILER_CLI} (scripts/test installs it from npm) or no node: "
              f"not loaded in the Firefox Profiler", flush=True)
        return None
    with tempfile.TemporaryDirectory() as sessions:
        env = {**os.environ, "PROFILER_CLI_SESSION_DIR": sessions, "HOME": sessions}

        def cli(*args):
            return subprocess.run(["node", PROFILER_CLI, *args, "--session", "stacktop"],
                                  capture_output=True, text=True, timeout=120, env=env,
                                  stdin=subprocess.DEVNULL)
        load = cli("load", path)
        try:
            # load waits 500 ms for its daemon to answer, then gives up
            # waiting while the daemon goes on loading: ask until it has.
            for _ in range(40):
                samples = cli("thread", "samples")
                if samples.returncode == 0 or "failed" in samples.stderr:
                    break
                time.sleep(0.25)
            check(samples.returncode == 0, f"the Firefox Profiler did not load {path}: "
                                           f"{load.stdout}{load.stderr}{samples.stderr}")
            return samples.stdout
        finally:
            cli("stop")


def runs(seq):
    return [p for i, p in enumerate(seq) if i == 0 or seq[i - 1] != p]


def check_native(tmp):
    target = start_target("threads", "2")
    # The ending picks each format; wall mode samples every thread.
    trace = record(target.pid, os.path.join(tmp, "n.trace.json"), "--mode", "wall")
    gecko = record(target.pid, os.path.join(tmp, "n.gecko.json"), "--mode", "wall")
    speedscope = record(target.pid, os.path.join(tmp, "n.json"), duration=0.3)
    target.kill()
    check("$schema" in speedscope, ".json is no longer speedscope")

    spans, names = chrometrace_spans(trace)
    check({"st-main", "st-hot", "st-reader", "st-idle-0"} <= set(names.values()),
          f"thread names {sorted(names.values())}")
    hot = [k for k, n in names.items() if n == "st-hot"][0]
    hot_names = [s[0] for s in spans[hot]]
    check("spin_forever" in hot_names and "hot_main" in hot_names, f"st-hot spans {hot_names}")
    # spin_forever runs under hot_main: one inside the other in time.
    outer = [s for s in spans[hot] if s[0] == "hot_main"]
    for name, begin, end, depth in spans[hot]:
        if name == "spin_forever":
            check(any(b <= begin and end <= e and d < depth for _, b, e, d in outer),
                  f"spin_forever [{begin}, {end}] outside hot_main {outer}")

    threads = gecko_threads(gecko)
    by_name = {t["name"]: (t, s) for t, s in threads}
    check({"st-main", "st-hot", "st-reader"} <= set(by_name), f"gecko threads {list(by_name)}")
    t, samples = by_name["st-hot"]
    check(t["tid"] == hot[1] and t["pid"] == target.pid, f"st-hot tid {t['tid']} pid {t['pid']}")
    leaves = [s[-1] for s in samples if s]
    check(any(loc.startswith("spin_forever") and cat == "Native" for loc, cat, _ in leaves),
          f"st-hot leaves {leaves[:5]}")
    check(any(" (in threads" in loc for loc, _, _ in leaves), f"no library in {leaves[:5]}")


def check_python(tmp):
    python = python_interpreter("system")
    target = start_python(python, "phases.py")
    trace = record(target.pid, os.path.join(tmp, "p.chrometrace.json"))
    gecko = record(target.pid, os.path.join(tmp, "p.out"), "--format", "gecko")
    target.kill()

    spans, names = chrometrace_spans(trace)
    main = (target.pid, target.pid)
    check(main in spans, f"no spans of the main thread: {list(spans)}")
    phases = sorted((b, e, n.split(" (")[0]) for n, b, e, _ in spans[main]
                    if n.split(" (")[0] in ("phase_one", "phase_two"))
    for (b1, e1, _), (b2, _, _) in zip(phases, phases[1:]):
        check(e1 <= b2, f"phase spans overlap: {phases}")
    order = runs([p for _, _, p in phases])
    check(len(order) >= 4, f"the phases do not alternate in time: {order}")
    check(all(n.endswith("(phases.py)") for n, *_ in spans[main] if n.startswith("phase_")),
          f"Python spans not named function (file): {spans[main][:5]}")

    threads = gecko_threads(gecko)
    t, samples = threads[0]
    check(t["tid"] == target.pid, f"busiest gecko thread {t['tid']}, not the main one")

    def phase(sample):
        for loc, cat, line in sample:
            for p in ("phase_one", "phase_two"):
                if loc.startswith(p + " ("):
                    check(cat == "Python" and isinstance(line, int) and line > 0,
                          f"Python frame {loc} {cat} {line}")
                    check(os.path.realpath(loc[len(p) + 2:].rsplit(":", 1)[0]) ==
                          os.path.realpath(target.script), f"file of {loc}")
                    return p
        return None
    order = runs([p for p in map(phase, samples) if p is not None])
    check(len(order) >= 4, f"the phases do not alternate in sample order: {order}")

    view = firefox_profiler(os.path.join(tmp, "p.out"))
    if view is not None:
        for want in ("Python", "Native", "phases.py!phase_one", "phases.py!phase_two"):
            check(want in view, f"the Firefox Profiler shows no {want}: {view[:3000]}")


def check_hostile(tmp):
    target = start_target("hostile")
    tids = os.listdir(f"/proc/{target.pid}/task")
    names = {open(f"/proc/{target.pid}/task/{t}/comm", "rb").read()[:-1] for t in tids}
    files = {}
    for ending in ("trace.json", "gecko.json"):
        files[ending] = os.path.join(tmp, "h." + ending)
        record(target.pid, files[ending], "--mode", "wall", duration=0.5)
    target.kill()
    for path in files.values():
        raw = open(path, "rb").read()
        bad = [b for b in raw if b < 0x20 and b != 0x0a]
        check(not bad and raw.count(b"\n") == 1 and b"\xc2\x9b" not in raw,
              f"{path}: raw control bytes {bad[:5]}")
    _, traced = chrometrace_spans(json.load(open(files["trace.json"])))
    gecko = [t["name"] for t, _ in gecko_threads(json.load(open(files["gecko.json"])))]
    for name in names:
        try:
            text = name.decode()
        except UnicodeDecodeError:
            continue  # made valid (U+FFFD): compared in unit_golden_profile
        check(text in traced.values(), f"chrometrace lost {text!r}: {list(traced.values())}")
        check(text in gecko, f"gecko lost {text!r}: {gecko}")


def test():
    with tempfile.TemporaryDirectory() as tmp:
        check_native(tmp)
        check_python(tmp)
        check_hostile(tmp)


if __name__ == "__main__":
    run(test)
