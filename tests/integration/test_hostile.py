"""A target whose comm, thread names and command line attack the terminal:
text output carries no control bytes, JSON parses and keeps the real names,
and the stat parser is not fooled by ") R 1 (" or a newline in a name."""

import json
import os

from harness import assert_terminal_safe, check, run, stacktop, stacktop_json, start_target

ARGS = [b"--title=\x1b]0;pwned\x07", b"line1\nline2", b"bad\xff\xfe", b"\xc2\x9b" b"2J",
        b"\xe2\x80\xaeevil"]


def test():
    target = start_target("hostile", *ARGS)
    pid = target.pid
    real_comm = open(f"/proc/{pid}/comm", "rb").read().rstrip(b"\n")
    real_names = {int(tid): open(f"/proc/{pid}/task/{tid}/comm", "rb").read()[:-1]
                  for tid in os.listdir(f"/proc/{pid}/task")}

    code, out, err = stacktop("report", "-p", pid, "-d", 0.3)
    check(code == 0, f"report exited {code}: {err}")
    assert_terminal_safe(out, "report text")
    check(b"x) R 1 (?[31m" in out, f"sanitized comm missing:\n{out.decode()}")
    check(b"--title=?]0;pwned?" in out, "sanitized command line missing")

    doc = stacktop_json("report", "-p", pid, "-d", 0.3)
    proc = doc["processes"][0]
    check(proc["comm"] == real_comm.decode(errors="replace"), f"comm {proc['comm']!r}")
    check(proc["cmdline"].startswith(os.path.join(os.environ["TARGETS"], "hostile")),
          f"cmdline {proc['cmdline']!r}")
    check("line1\nline2" in proc["cmdline"], "the newline survives JSON escaping")
    check(len(proc["threads"]) == len(real_names), "every thread listed")
    for t in proc["threads"]:
        check(t["name"] == real_names[t["tid"]].decode(errors="replace"),
              f"thread {t['tid']}: {t['name']!r} != {real_names[t['tid']]!r}")
        # All of them sleep in pause(): a name with ") R 1 (" must not turn
        # into state R.
        check(t["state"] == "S", f"thread {t['name']!r} parsed as state {t['state']}")

    # The same document through --count: one valid document per line.
    code, out, err = stacktop("report", "-p", pid, "-d", 0.2, "-c", 2, "--json")
    check(code == 0, f"--count --json exited {code}: {err}")
    docs = [json.loads(line) for line in out.splitlines()]
    check(len(docs) == 2, f"{len(docs)} documents for --count 2")

    code, out, err = stacktop("mem", "-p", pid, "-d", 0.5)
    check(code == 0, f"mem exited {code}: {err}")
    assert_terminal_safe(out, "mem text")
    doc = stacktop_json("mem", "-p", pid, "-d", 0.5)
    check(doc["comm"] == real_comm.decode(errors="replace"), "mem comm")

    # Every other document parses and keeps the real names too: dump's
    # threads, locks', and record's summary on standard output.
    doc = stacktop_json("dump", "-p", pid)
    check(doc["comm"] == real_comm.decode(errors="replace"), f"dump comm {doc['comm']!r}")
    for t in doc["threads"]:
        check(t["name"] == real_names[t["tid"]].decode(errors="replace"),
              f"dump thread {t['tid']} name {t['name']!r}")
    doc = stacktop_json("locks", "-p", pid)
    check(doc["comm"] == real_comm.decode(errors="replace"), f"locks comm {doc['comm']!r}")
    code, out, err = stacktop("record", "-p", pid, "-d", 0.3, "-o", os.devnull,
                              "--json-summary", "-")
    check(code == 0, f"record --json-summary exited {code}: {err}")
    doc = json.loads(out)
    check(doc["comm"] == real_comm.decode(errors="replace"), f"record comm {doc['comm']!r}")


run(test)
