"""Repeated samples skip threads that stay idle (see collector.c): a thread
that starts spinning after several idle samples is still seen at once, at
its real share of a CPU (no catch-up spike above 100%), and the idle ones
keep their rows."""

import json

from harness import check, run, stacktop, start_target


def test():
    target = start_target("threads", "200", "3")
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
        check(late[i] >= 20 and late[i] >= 0.4 * hot[i],
              f"st-late lost after it started: late {late}, hot {hot}")


run(test)
