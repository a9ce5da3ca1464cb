"""record on a saturated machine (issue 14): a pool whose workers compute
~0.12 ms (work_encode, then work_query) and sleep 2 ms, with a CPU hog on
every CPU, so that a woken worker waits for a CPU. `perf record -g` on the
same process over the same seconds names the top function; stacktop's
profile (perf events) names the same one within 10 points of its share,
and the ptrace fallback (STACKTOP_PERF=0) names the same one. A worker
waiting for a CPU is never counted where it slept."""

import collections
import os
import re
import shutil
import subprocess
import tempfile
import threading

from harness import check, fail, run, skip, stacktop, start_target

SECONDS = 5
PERF_LINE = re.compile(r"^\s*([\d.]+)%\s+\[(.)\]\s+(\S.*?)\s*$")


def leaf_shares(folded):
    """{leaf function: share of samples in %} of a folded profile."""
    counts = collections.Counter()
    for line in folded.decode().splitlines():
        stack, _, count = line.rpartition(" ")
        counts[stack.split(";")[-1]] += int(count)
    total = sum(counts.values())
    check(total > 0, "stacktop's profile is empty")
    return {name: 100.0 * n / total for name, n in counts.items()}


def perf_shares(data):
    """perf's self shares by symbol, the kernel's symbols as one "[kernel]"
    (stacktop does not name kernel frames)."""
    out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "sym",
                          "-g", "none", "--stdio", "--percent-limit", "0"],
                         capture_output=True, text=True).stdout
    shares = collections.Counter()
    for line in out.splitlines():
        m = PERF_LINE.match(line)
        if m:
            name = "[kernel]" if m.group(2) == "k" else m.group(3)
            shares[name] += float(m.group(1))
    check(shares, f"no samples in perf's report: {out[-500:]!r}")
    return shares


def top(shares):
    return max(shares.items(), key=lambda kv: kv[1])


def profile_both(pool, env):
    """stacktop record and perf record -g over the same seconds: (stacktop's
    shares, its summary, perf's shares)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        got = {}

        def record():
            got["st"] = stacktop("record", "-p", pool.pid, "-d", SECONDS, "-r", 100)

        worker = threading.Thread(target=record)
        old = os.environ.copy()
        os.environ.update(env)
        worker.start()
        perf = subprocess.run(["perf", "record", "-g", "-q", "-o", data, "-p", str(pool.pid),
                               "--", "sleep", str(SECONDS)], capture_output=True, text=True)
        worker.join()
        os.environ.clear()
        os.environ.update(old)
        if perf.returncode != 0:
            skip(f"perf record is refused here: {perf.stderr.strip()[-300:]}")
        code, out, err = got["st"]
        check(code == 0, f"record exited {code}: {err}")
        return leaf_shares(out), err, perf_shares(data)


def test():
    if shutil.which("perf") is None:
        skip("perf is not installed (Debian: linux-perf): nothing to compare with")
    pool = start_target("pool", "8")
    hogs = [subprocess.Popen(["sh", "-c", "while :; do :; done"])
            for _ in range(os.cpu_count() or 1)]
    try:
        shares, err, perf = profile_both(pool, {})
        if "perf events refused" in err:
            skip(f"perf_event_open is refused to stacktop: {err.strip()}")
        check("; perf events;" in err, f"record did not use perf events: {err}")
        name, share = top(shares)
        pname, pshare = top(perf)
        print(f"perf events: top {name} {share:.1f}%; perf: {pname} {pshare:.1f}%")
        check(name == pname, f"top function {name} ({share:.1f}%), perf says {pname} "
              f"({pshare:.1f}%): {sorted(shares.items(), key=lambda kv: -kv[1])[:5]}")
        check(abs(share - pshare) <= 10, f"{name}: {share:.1f}% against perf's {pshare:.1f}%")

        shares, err, perf = profile_both(pool, {"STACKTOP_PERF": "0"})
        check("; ptrace stops, approximate (STACKTOP_PERF=0);" in err,
              f"STACKTOP_PERF=0 did not use ptrace stops: {err}")
        name, share = top(shares)
        pname, pshare = top(perf)
        print(f"ptrace stops: top {name} {share:.1f}%; perf: {pname} {pshare:.1f}%")
        check(name == pname, f"ptrace: top function {name} ({share:.1f}%), perf says {pname} "
              f"({pshare:.1f}%): {sorted(shares.items(), key=lambda kv: -kv[1])[:5]}")
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


run(test)
