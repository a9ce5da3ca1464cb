"""dump --locals on one interpreter (argv[1]: "3.11", "system" for
/usr/bin/python3, or "sid-3.14" for one of the Debian sid root, run in a
container): tests/targets/python/locals.py's hold() has an argument or a
local of each kind, and every one is described exactly, in text and JSON,
merged with the native frames (read in the stop) and with --python (read
running): None, bools, small and big ints, floats, a str with non-ASCII and
a control character, bytes, containers and objects by type, length and
address (the ids the target printed), a closure's cell by its contents. A
str of terminal escapes reaches no terminal raw."""

import re
import sys

from harness import (assert_terminal_safe, check, check_running, python_interpreter, run,
                     stacktop, stacktop_json, start_python)

WANT = sys.argv[1]
ARGS = ["count", "label", "rest", "options"]


def expected(two, ids):
    """{name: (type, repr)} of hold()'s variables as Python's repr writes
    them (2.7: str is bytes, unicode is u'', a long has its L)."""
    return {
        "count": ("int", "1"),
        "label": ("str", "'two'"),
        "rest": ("tuple", "<tuple len=1 at %s>" % ids["rest"]),
        "options": ("dict", "<dict len=1 at %s>" % ids["options"]),
        "nothing": ("NoneType", "None"),
        "flag": ("bool", "True"),
        "off": ("bool", "False"),
        "small": ("int", "-7"),
        "big": ("long" if two else "int", "1267650600228229401496703205376" + ("L" if two else "")),
        "negbig": ("long" if two else "int",
                   "-1267650600228229401496703205376" + ("L" if two else "")),
        "ratio": ("float", "3.25"),
        "tiny": ("float", "1e-05"),
        "text": ("unicode", "u\"caf\\xe9\\x07 'q'\"") if two else ("str", "\"caf\u00e9\\x07 'q'\""),
        "raw": ("str", "'ab\\x00\\xff'") if two else ("bytes", "b'ab\\x00\\xff'"),
        "items": ("list", "<list len=3 at %s>" % ids["items"]),
        "table": ("dict", "<dict len=1 at %s>" % ids["table"]),
        "thing": ("Thing", "<Thing at %s>" % ids["thing"]),
        "hostile": ("str", "'\\x1b[31mred\\x1b]0;pwned\\x07'"),
        "inner": ("function", "<function at %s>" % ids["inner"]),
        "captured": ("str", "'boxed'"),
    }


def hold_frame(doc):
    frames = [f for t in doc["threads"] for f in t["stack"]
              if f["kind"] == "python" and f["function"] == "hold"]
    check(len(frames) == 1, f"{len(frames)} frames of hold() in the dump")
    check("locals" in frames[0], f"hold()'s frame has no locals: {frames[0]}")
    return frames[0]


def check_json(pid, want, *mode):
    doc = stacktop_json("dump", "-p", pid, "--locals", *mode)
    frame = hold_frame(doc)
    got = {v["name"]: (v["type"], v["repr"]) for v in frame["locals"]}
    names = [v["name"] for v in frame["locals"]]
    check(len(names) == len(set(names)), f"a variable listed twice: {names}")
    check(names[:len(ARGS)] == ARGS, f"the arguments first, in order: {names}")
    for name in sorted(set(want) | set(got)):
        check(got.get(name) == want.get(name),
              f"{' '.join(mode) or 'merged'}: {name}: {got.get(name)} != {want.get(name)}")
    check(frame["locals_omitted"] == 0, f"{frame['locals_omitted']} omitted")
    # Frames without fast locals (the module's) still say so: an empty list.
    others = [f for t in doc["threads"] for f in t["stack"] if f["kind"] == "python"]
    check(all("locals" in f for f in others), "a Python frame without locals")
    return doc["stopped_ms"]


def check_text(pid, want):
    code, out, err = stacktop("dump", "-p", pid, "--locals")
    check(code == 0, f"dump --locals: exit {code}: {err}")
    assert_terminal_safe(out, "dump --locals")
    text = out.decode()
    block = re.search(r"^#\d+ +\(python\) +in hold \(.*\n((?: {8}.*\n)*)", text, re.M)
    check(block is not None, f"no frame of hold() in:\n{text}")
    lines = block.group(1).splitlines()
    wanted = ["        %s = %s" % (name, rep) for name, (_, rep) in want.items()]
    check(sorted(lines) == sorted(wanted),
          "text locals:\n%s\nnot\n%s" % ("\n".join(lines), "\n".join(wanted)))


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "locals.py")
    line = target.stdout.readline().decode()
    check(line.startswith("ids "), f"no ids line: {line!r}")
    ids = dict(item.split("=") for item in line.split()[1:])
    want = expected(python.version.startswith("2."), ids)
    pid = target.pid

    with_locals = check_json(pid, want)
    check_running(pid)
    check_text(pid, want)
    check_json(pid, want, "--python")
    without = stacktop_json("dump", "-p", pid)["stopped_ms"]
    check_running(pid)
    print(f"stopped {with_locals:.2f} ms with --locals, {without:.2f} ms without", flush=True)


run(test)
