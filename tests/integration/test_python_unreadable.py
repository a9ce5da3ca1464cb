"""A CPython stacktop cannot read is said so in every command, never shown
as a silently native-only process: a copy of the sid root's python3.15
whose published version (Py_Version and _Py_DebugOffsets.version) says
3.16.0 runs tests/targets/python/app.py in its container. dump (text, and
JSON python {version, readable: false, reason}), locks, report --stacks,
record's summary: a line that names the version; dump --python, record
--python and mem --python-types: exit 1 with one line."""

import os
import shutil
import struct
import subprocess
import tempfile

from harness import (SID_ROOT, Python, check, fail, run, skip, stacktop, stacktop_json,
                     start_python)

SOURCE = "/usr/bin/python3.15"
FAKE = 0x031000f0  # 3.16.0 final


def dynamic_symbol(path, name):
    out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    fail(f"{name} is not in {path}'s dynamic symbols")


def file_offset(data, vaddr):
    """Where virtual address vaddr is in an ELF64 file's bytes."""
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        kind, _, off, va, _, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if kind == 1 and va <= vaddr < va + filesz:
            return off + vaddr - va
    fail(f"{vaddr:#x} is in no loaded segment")


def make_316():
    """The patched copy, in a directory of the root; its path inside it."""
    if not os.path.exists(SID_ROOT + SOURCE):
        skip(f"no {SOURCE} in the sid root {SID_ROOT}: scripts/test-pythons puts it there")
    host = tempfile.mkdtemp(prefix="stacktop-316-", dir=os.path.join(SID_ROOT, "tmp"))
    import atexit
    atexit.register(shutil.rmtree, host, True)
    data = bytearray(open(SID_ROOT + SOURCE, "rb").read())
    runtime = file_offset(data, dynamic_symbol(SID_ROOT + SOURCE, "_PyRuntime"))
    check(data[runtime:runtime + 8] == b"xdebugpy", "no _Py_DebugOffsets at _PyRuntime")
    struct.pack_into("<Q", data, runtime + 8, FAKE)
    struct.pack_into("<I", data, file_offset(data, dynamic_symbol(SID_ROOT + SOURCE,
                                                                    "Py_Version")), FAKE)
    path = os.path.join(host, "python3.16")
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o755)
    os.chmod(host, 0o755)
    return "/" + os.path.relpath(path, SID_ROOT)


def one_line_error(args, what):
    code, out, err = stacktop(*args)
    lines = err.strip().splitlines()
    check(code == 1 and len(lines) == 1 and "3.6 to 3.15" in lines[0],
          f"{what}: exit {code}, stderr {err!r}")


def test():
    if not os.path.isdir(SID_ROOT):
        skip(f"no Debian sid root at {SID_ROOT}: scripts/test-pythons makes it")
    python = Python("3.16 (patched 3.15)", make_316(), SID_ROOT)
    pid = start_python(python, "app.py").pid
    reason = "CPython 3.16.0 is a version stacktop cannot read"

    code, out, err = stacktop("dump", "-p", pid)
    text = out.decode()
    check(code == 0 and reason in text, f"dump: exit {code}, no reason line:\n{text}{err}")
    check("clock_nanosleep" in text or "libc" in text, f"dump keeps the native frames:\n{text}")
    doc = stacktop_json("dump", "-p", pid)
    py = doc["python"]
    check(py is not None and py["version"] == "3.16.0" and py["readable"] is False and
          reason in py["reason"], f"dump --json python: {py}")
    check(all(f["kind"] == "native" for t in doc["threads"] for f in t["stack"]),
          "no Python frame is made up")

    code, out, err = stacktop("locks", "-p", pid)
    check(code == 0 and reason in out.decode(), f"locks: exit {code}: {out.decode()}{err}")
    code, out, err = stacktop("report", "-p", pid, "--stacks", "-d", 0.2)
    check(code == 0 and reason in out.decode(), f"report --stacks: {out.decode()}{err}")
    doc = stacktop_json("report", "-p", pid, "--stacks", "-d", 0.2)
    check(doc["processes"][0]["python"]["readable"] is False, f"report --json: {doc}")
    code, out, err = stacktop("record", "-p", pid, "-d", 0.3, "-o", os.devnull)
    check(code == 0 and reason in err, f"record: exit {code}, summary {err!r}")

    one_line_error(("dump", "-p", pid, "--python"), "dump --python")
    one_line_error(("record", "-p", pid, "--python", "-d", 0.3), "record --python")
    one_line_error(("mem", "-p", pid, "--python-types", "-d", 0.1), "mem --python-types")


run(test)
