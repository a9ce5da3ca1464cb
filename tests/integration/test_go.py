"""A stripped Go binary (-ldflags="-s -w", built at test-build time from
tests/targets/go/spin.go) named from .gopclntab: the spinning goroutine's
thread shows main.spinForever, main.spinCaller, main.main, runtime.main,
never gospin+0xOFFSET. Skipped, saying why, where go is not installed."""

import os
import shutil
import subprocess
import time

from harness import TARGETS, check, run, skip, stacktop, stacktop_json, start_target
from stacks import functions, in_order


def main():
    path = os.path.join(TARGETS, "gospin")
    if not os.path.exists(path):
        skip("go is not installed (Debian: golang-go), so tests/targets/go/spin.go was "
             "not built" if shutil.which("go") is None else f"{path} was not built")
    out = subprocess.run(["readelf", "-S", path], capture_output=True, text=True).stdout
    check(".gopclntab" in out and ".symtab" not in out, "gospin is not stripped, or has no "
          ".gopclntab")
    target = start_target("gospin")
    found = None
    for _ in range(20):
        doc = stacktop_json("dump", "-p", target.pid)
        for t in doc["threads"]:
            names = functions(t)
            if "main.spinForever" in names:
                found = t
        if found:
            break
        time.sleep(0.1)
    check(found is not None, f"no thread in main.spinForever: {[functions(t) for t in doc['threads']]}")
    names = functions(found)
    in_order(names, ["main.spinForever", "main.spinCaller", "main.main", "runtime.main"], "gospin")
    for t in doc["threads"]:
        for f in t["stack"]:
            if (f["module"] or "").endswith("/gospin"):
                check(f["function"] and (f["function"].startswith("main.") or
                                         f["function"].startswith("runtime.")),
                      f"{t['name']}: an unnamed or odd Go frame {f}")
    # As above: the goroutine may be off its thread at one instant.
    for _ in range(20):
        code, text, _ = stacktop("dump", "-p", target.pid)
        if code != 0 or b"main.spinForever+0x" in text:
            break
        time.sleep(0.1)
    check(code == 0 and b"main.spinForever+0x" in text, text[:500].decode(errors="replace"))
    print(f"gospin: {names}")
    target.kill()


run(main)
