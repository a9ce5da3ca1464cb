"""mem --python-types -d: which types grow, on one interpreter (argv[1] as
test_python_types takes it). A process that keeps 2,000 HxConn instances a
second in a registry it never cleans (tests/targets/python/leaky.py), and
makes and drops as many Decoy instances, is counted at the start and the
end of a 2 s window: HxConn comes first in the order of growth (JSON
types_growth and the text table), its count_delta within 30% of 2,000 x
the seconds between the two censuses (interval_s), the Decoy's change near
0; the RssAnon verdict is growing and names HxConn (text and JSON); the
rows' changes are their ends' difference; both stops are reported and the
target runs on. A free-threaded build, whose objects cannot be counted,
says so and makes up no change."""

import sys

import harness
from harness import (check, check_running, python_interpreter, run, stacktop, stacktop_json,
                     start_python)

WANT = sys.argv[1]
RATE = 2000  # HxConn kept a second (leaky.py's default)
WINDOW = 2
LEAK = "HxConn"
DECOY = "Decoy"
BATCH = 20  # leaky.py makes its Decoys this many at a time


def growth_key(row):
    return (-row["count_delta"], -row["bytes_delta"], -row["count"], row["type"])


def check_rows(py):
    for key in ("types", "types_growth"):
        for row in py[key]:
            check(set(row) == {"type", "count", "bytes", "size_errors", "count_before",
                               "bytes_before", "count_delta", "bytes_delta"},
                  f"{key} row {row}")
            check(row["count_delta"] == row["count"] - row["count_before"] and
                  row["bytes_delta"] == row["bytes"] - row["bytes_before"],
                  f"{key}: a change that is not the difference of its ends: {row}")
    counts = [row["count"] for row in py["types"]]
    check(counts == sorted(counts, reverse=True), f"types not largest first: {counts}")
    check(py["types_growth"] == sorted(py["types_growth"], key=growth_key),
          f"types_growth not in the order of growth: "
          f"{[(r['type'], r['count_delta'], r['bytes_delta']) for r in py['types_growth']]}")


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "leaky.py", RATE)
    doc = stacktop_json("mem", "-p", target.pid, "-d", WINDOW, "--python-types",
                        "--top", 100000)
    py = doc["python"]
    check_running(target.pid)
    if python.free_threaded:
        check(py["reason"] and "free-threaded" in py["reason"] and py["types"] == [] and
              py["types_growth"] == [] and py["before"]["objects"] == 0 and
              doc["growth"]["growing_types"] == [], f"free-threaded: {py}")
        return
    before = py["before"]
    check(before is not None and not before["partial"] and not py["partial"],
          f"partial censuses: start {before}, end {py['partial_reason']}")
    check(abs(doc["stopped_ms"] - (py["stopped_ms"] + before["stopped_ms"])) < 0.01,
          f"stopped_ms {doc['stopped_ms']} is not both stops, {before['stopped_ms']} + "
          f"{py['stopped_ms']}")
    check_rows(py)
    rows = {row["type"]: row for row in py["types_growth"]}
    first = py["types_growth"][0]
    interval = py["interval_s"]
    # The RssAnon window lies between the two censuses' stops.
    check(isinstance(interval, float) and interval >= WINDOW,
          f"interval_s {interval} for -d {WINDOW}")
    want = RATE * interval
    print(f"{python.version}: {[(r['type'], r['count_delta'], r['bytes_delta']) for r in py['types_growth'][:4]]}"
          f", {interval} s apart: want {want:.0f} {LEAK}; growth {doc['growth']}")
    check(first["type"] == LEAK, f"first in growth: {first}, want {LEAK}")
    check(abs(first["count_delta"] - want) <= 0.3 * want,
          f"{LEAK} +{first['count_delta']} in {interval} s, want {want:.0f} +-30%")
    check(first["bytes_delta"] > 0 and first["count"] >= first["count_delta"],
          f"{LEAK}: {first}")
    # The decoys live for one batch: at most one batch at either end.
    decoy = rows.get(DECOY, {"count_delta": 0})["count_delta"]
    check(abs(decoy) <= BATCH, f"{DECOY} changed by {decoy}, made and dropped as fast")
    growth = doc["growth"]
    check(growth["verdict"] == "growing" and growth["growing_types"][:1] == [LEAK],
          f"growth {growth}")

    code, out, err = stacktop("mem", "-p", target.pid, "-d", WINDOW, "--python-types")
    check(code == 0, f"text exited {code}: {err}")
    harness.assert_terminal_safe(out, "text")
    text = out.decode()
    verdict = [line for line in text.splitlines() if line.startswith("growing types:")]
    check(verdict and verdict[0].startswith(f"growing types: {LEAK} +"),
          f"the verdict names no {LEAK}:\n{text}")
    table = text.split("  type\n")[1].splitlines()
    check(table[0].split()[4] == LEAK and int(table[0].split()[1]) > 0,
          f"first row {table[0]!r}, want {LEAK}:\n{text}")
    check("at the start and" in text and "at the end" in text, f"both stops:\n{text}")
    check_running(target.pid)


run(test)
