"""mem --python-types sizes as sys.getsizeof gives them, on one interpreter
(argv[1]: "3.11", "system", "sid-3.14" ...): sizes.py makes generators,
coroutines, async generators (whose frames are inside them on 3.11+), lists
with spare capacity, sets, dicts, tuples, deques, OrderedDicts (3.x),
instances of int and str subclasses and of two classes named Conn in two
modules, and prints its own sys.getsizeof sums over gc.get_objects() per
type. Each of those rows of the census must be within 2% of the target's
own count and bytes, no object of them may have been refused as an
implausible size, and the two Conn classes are two rows."""

import json
import sys

from harness import check, python_interpreter, run, stacktop_json, start_python

WANT = sys.argv[1]
TOLERANCE = 0.02


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "sizes.py")
    own = json.loads(target.stdout.readline())
    py = stacktop_json("mem", "-p", target.pid, "-d", 0.1, "--python-types",
                       "--top", 100000)["python"]
    check(py["reason"] is None and not py["partial"],
          f"{WANT}: census not complete: {py['reason']} {py['partial_reason']}")
    rows = {r["type"]: r for r in py["types"]}
    print(f"{python.version}: stop {py['stop_ms']} ms, {py['objects']} objects")
    bad = []
    for name, want in sorted(own.items()):
        got = rows.get(name)
        print(f"  {name:22} target {want['count']:6} {want['bytes']:10}  "
              f"stacktop {got and got['count']!s:>6} {got and got['bytes']!s:>10}")
        if got is None:
            bad.append(f"{name}: no row")
            continue
        for key in ("count", "bytes"):
            if abs(got[key] - want[key]) > want[key] * TOLERANCE:
                bad.append(f"{name}: {key} {got[key]}, the target's sys.getsizeof sum "
                           f"says {want[key]} ({(got[key] - want[key]) / want[key]:+.1%})")
        if got.get("size_errors"):
            bad.append(f"{name}: {got['size_errors']} implausible sizes")
    check(not bad, f"{WANT}: " + "; ".join(bad))
    minor = tuple(int(x) for x in python.version.split("."))
    made = ["generator", "list", "set", "dict", "tuple", "stacktop_conn_a.Conn",
            "stacktop_conn_b.Conn"]
    made += ["coroutine"] if minor >= (3, 5) else []
    made += ["async_generator"] if minor >= (3, 6) else []
    for name in made:
        check(name in own, f"{WANT}: the target made no {name}")
    check(rows["stacktop_conn_a.Conn"]["count"] == 400 and
          rows["stacktop_conn_b.Conn"]["count"] == 250 and "Conn" not in rows,
          f"{WANT}: Conn rows {[(k, r['count']) for k, r in rows.items() if 'Conn' in k]}")


run(test)
