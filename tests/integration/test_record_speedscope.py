"""record's speedscope file as speedscope reads it: valid against
speedscope's own schema (file-format-schema.json from the speedscope npm
package, checked with ajv: both installed by scripts/test), each thread's
samples in the order they were taken with weights in seconds (a Python
program that alternates two phases shows them alternate), the busiest
thread first, and Python frames with their function, full path and line.
Skipped, saying why, where the npm packages are missing."""

import json
import os
import re
import subprocess
import tempfile

from harness import PYTHON_TARGETS, check, python_interpreter, run, skip, stacktop, start_python

NPM = os.path.join(os.environ.get("STACKTOP_TEST_CACHE", "/var/cache/stacktop-tests"), "npm")
SCHEMA = os.path.join(NPM, "node_modules", "speedscope", "dist", "release",
                      "file-format-schema.json")

# Validates argv[1] against the schema in argv[2] with ajv; prints the errors.
VALIDATE = """
const Ajv = require(process.argv[3]);
const fs = require('fs');
const schema = JSON.parse(fs.readFileSync(process.argv[2]));
const doc = JSON.parse(fs.readFileSync(process.argv[1]));
const ajv = new (Ajv.default || Ajv)({strict: false, allErrors: true});
const ok = ajv.validate(schema, doc);
console.log(ok ? 'valid' : JSON.stringify(ajv.errors).slice(0, 2000));
"""


def validate(path):
    out = subprocess.run(["node", "-e", VALIDATE, path, SCHEMA,
                          os.path.join(NPM, "node_modules", "ajv")],
                         capture_output=True, text=True, timeout=60)
    check(out.stdout.strip() == "valid", f"speedscope's schema rejects {path}: "
                                         f"{out.stdout} {out.stderr[-500:]}")


def test():
    if not os.path.exists(SCHEMA) or not os.path.isdir(os.path.join(NPM, "node_modules", "ajv")):
        skip(f"speedscope and ajv are not in {NPM} (scripts/test installs them from npm)")
    python = python_interpreter("system")
    target = start_python(python, "phases.py")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "p.json")
        code, _, err = stacktop("record", "-p", target.pid, "-d", 2, "-r", 200, "-o", path)
        check(code == 0, f"record -o .json: {err}")
        validate(path)
        doc = json.load(open(path))
    target.kill()
    frames = doc["shared"]["frames"]
    first = doc["profiles"][doc["activeProfileIndex"]]
    check(first["unit"] == "seconds", f"unit {first['unit']}")
    totals = [p["endValue"] for p in doc["profiles"]]
    check(totals == sorted(totals, reverse=True), f"not busiest first: {totals}")
    check(abs(sum(first["weights"]) - first["endValue"]) < 1e-3,
          f"weights {sum(first['weights'])} vs endValue {first['endValue']}")
    # Samples are 5 ms of the 2 s each (200 Hz): the weights add up to
    # about the time the thread was sampled, which on a loaded box runs
    # past the 2 s by the last round's lateness (a CI run: 2.23 s).
    check(0.5 < first["endValue"] <= 2.5, f"endValue {first['endValue']} s for 2 s")

    # The phases, in the order sampled: 0.25 s each over 2 s, so they
    # alternate several times (a table of distinct stacks has each once).
    def phase(sample):
        names = [frames[i]["name"] for i in sample]
        return "one" if "phase_one" in names else "two" if "phase_two" in names else None
    seq = [p for p in map(phase, first["samples"]) if p is not None]
    runs = [p for i, p in enumerate(seq) if i == 0 or seq[i - 1] != p]
    check(len(runs) >= 4, f"the phases do not alternate in time order: {runs}")

    lines = {}
    for n, text in enumerate(open(os.path.join(PYTHON_TARGETS, "phases.py")), 1):
        m = re.match(r"def (\w+)\(", text)
        if m:
            lines[m.group(1)] = n
    py = [f for f in frames if f.get("name") in ("phase_one", "phase_two", "spin_until")]
    check(py, f"no Python frames: {frames[:20]}")
    for f in py:
        check(os.path.realpath(f.get("file", "")) ==
              os.path.realpath(os.path.join(PYTHON_TARGETS, "phases.py")) and
              isinstance(f.get("line"), int) and
              f["line"] > lines[f["name"]], f"Python frame {f}")


if __name__ == "__main__":
    run(test)
