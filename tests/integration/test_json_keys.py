"""The JSON every command writes, against real targets: the set of key paths
of each document (dump, locks, mem, mem --python-refs as refs, report,
record --json-summary, tasks) is the one listed in
tests/golden/keys/COMMAND.txt, so that a key renamed or dropped fails here,
and a key added must be listed (schema /1 only grows).
Every document of stacktop's own starts with schema, taken_at (UTC, ISO
8601 with milliseconds) and stacktop_version; every address has its
_hex twin.

A key path is the keys from the document's root joined by ".", with "[]"
after an array of objects: "threads[].stack[].address_hex". In a list
file, a line "? PATH" is a key that only some runs have (native_stack:
only when Python frames could not be merged). STACKTOP_GOLDEN_UPDATE=1
rewrites the lists from what this run saw (keeping the "?" lines); review
`git diff tests/golden/keys` before committing."""

import json
import os
import re
import tempfile

from harness import check, fail, python_interpreter, run, stacktop, stacktop_json, \
    start_python, start_target

KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "keys")
UPDATE = os.environ.get("STACKTOP_GOLDEN_UPDATE") == "1"
TAKEN_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def key_paths(value, prefix=""):
    """Every key path of value (a parsed document)."""
    paths = set()
    if isinstance(value, dict):
        for key, member in value.items():
            paths.add(prefix + key)
            paths |= key_paths(member, prefix + key + ".")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                paths |= key_paths(item, prefix[:-1] + "[].")
    return paths


def check_addresses(value, where):
    """Every "x" number with an "x_hex" beside it: the same address."""
    if isinstance(value, dict):
        for key, member in value.items():
            if key.endswith("_hex"):
                number = value.get(key[:-4], "missing")
                want = None if number is None else hex(number) if isinstance(number, int) \
                    else "no number"
                check(member == want, f"{where}: {key} {member!r} beside {key[:-4]} {number!r}")
            check_addresses(member, where)
    elif isinstance(value, list):
        for item in value:
            check_addresses(item, where)


def compare(command, docs, version):
    """The union of docs' key paths against keys/COMMAND.txt."""
    seen = set()
    for doc in docs:
        check(doc["schema"] == f"stacktop.{command}/1", f"{command}: schema {doc['schema']}")
        check(list(doc)[:3] == ["schema", "taken_at", "stacktop_version"],
              f"{command}: starts with {list(doc)[:3]}")
        check(TAKEN_AT.match(doc["taken_at"]), f"{command}: taken_at {doc['taken_at']!r}")
        check(doc["stacktop_version"] == version,
              f"{command}: stacktop_version {doc['stacktop_version']!r}, not {version!r}")
        check_addresses(doc, command)
        seen |= key_paths(doc)
    path = os.path.join(KEYS, command + ".txt")
    required, optional = set(), set()
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line.startswith("? "):
                optional.add(line[2:])
            elif line:
                required.add(line)
    if UPDATE:
        os.makedirs(KEYS, exist_ok=True)
        with open(path, "w") as f:
            for key in sorted((seen - optional) | optional):
                f.write(("? " if key in optional else "") + key + "\n")
        return
    missing = sorted(required - seen)
    extra = sorted(seen - required - optional)
    check(not missing, f"{command}: keys dropped or renamed: {missing}")
    check(not extra, f"{command}: keys not in tests/golden/keys/{command}.txt: {extra}")


def test():
    code, out, err = stacktop("--version")
    check(code == 0 and out.decode().startswith("stacktop "), f"--version: {code} {out} {err}")
    version = out.decode().split()[1]
    python = python_interpreter("system")
    # A Python process with threads blocked on threading locks in a
    # deadlock (waits with Python thread names, a cycle), and a native one
    # whose threads wait in poll, epoll_wait and select (waits with fds).
    py = start_python(python, "locks.py", "deadlock")
    fds = start_target("deadlock", "fds")
    compare("locks", [stacktop_json("locks", "-p", py.pid),
                      stacktop_json("locks", "-p", fds.pid)], version)
    # asyncio tasks: waiting on sleeps, a TaskGroup, a Lock, each other.
    aio = start_python(python, "tasks.py")
    compare("tasks", [stacktop_json("tasks", "-p", aio.pid),
                      stacktop_json("tasks", "-p", aio.pid, "--locals")], version)
    # dump, and dump --tasks: those tasks under the thread running their loop.
    compare("dump", [stacktop_json("dump", "-p", py.pid),
                     stacktop_json("dump", "-p", aio.pid, "--tasks", "--locals")], version)
    compare("mem", [stacktop_json("mem", "-p", py.pid, "-d", "0.3", "--python-types")],
            version)
    compare("mem_tree", [stacktop_json("mem", "-p", py.pid, "--tree")], version)
    # What holds HxConn: chains from __main__.POOL, and cycles of Finalized
    # (with __del__) that nothing collects, so that every key is there.
    refs = start_python(python, "refs_service.py", 300)
    compare("refs", [stacktop_json("mem", "-p", refs.pid, "--python-refs", "HxConn")], version)
    compare("report", [stacktop_json("report", "-p", py.pid, "-d", "0.3", "--stacks"),
                       stacktop_json("report", "-p", py.pid, "-d", "0.3", "--tree")],
            version)
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "profile.folded")
        code, out, err = stacktop("record", "-p", py.pid, "-d", "0.5", "-r", "50", "--mode", "wall", "-o",
                                  profile, "--json-summary", "-")
        check(code == 0, f"record --json-summary -: exited {code}: {err}")
        try:
            summary = json.loads(out)
        except ValueError as e:
            fail(f"record --json-summary -: invalid JSON ({e}): {out[:500]!r}")
        check(summary["pid"] == py.pid and summary["output"]["file"] == profile and
              summary["output"]["format"] == "folded" and summary["rounds"] > 0,
              f"record summary: {summary}")
        check(os.path.getsize(profile) > 0, "record --json-summary: no profile written")
        compare("record", [summary], version)


run(test)
