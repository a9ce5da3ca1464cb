"""The live view's functions page (key f): on a process with a known hot
thread (threads: st-hot spinning in spin_forever) the hot function is the
first row, for the process, for the thread (t) and for the whole machine
(a); a thread of another process is not in the process's ranking; the
page's perf session (one event per CPU) runs only while the page is open."""

import os
import re
import time

from harness import check, run, skip, start_target
from tui import Terminal, table

STACKTOP = os.environ["STACKTOP"]


def rows(lines):
    """The ranking's rows: (self %, total %, function), first row first."""
    out, inside = [], False
    for line in lines:
        if line.strip().startswith("SELF%"):
            inside = True
            continue
        parts = line.split(None, 2)
        if inside and len(parts) == 3:
            try:
                out.append((float(parts[0]), float(parts[1]), parts[2].strip()))
            except ValueError:
                break
    return out


def perf_fds(pid):
    """How many perf events the process holds."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[perf_event]"
        except OSError:
            pass
    return n


def first_is(function, min_self):
    def predicate(lines):
        r = rows(lines)
        return bool(r) and r[0][2] == function and r[0][0] >= min_self
    return predicate


def check_functions_page():
    threads = start_target("threads", "2")
    other = start_target("cxxchain")
    term = Terminal(f"{STACKTOP} -p {threads.pid} -d 0.5", width=100, height=30)
    try:
        term.wait_for(lambda l: any("st-hot" in r for r in table(l)), "the hot thread listed")
        pid = term.pid()
        check(perf_fds(pid) == 0, "perf events open before the functions page")
        term.keys("f")
        lines = term.wait_for(lambda l: any("SELF%" in s or "cannot sample" in s for s in l),
                              "the functions page")
        if any("cannot sample every CPU" in s for s in lines):
            skip("perf events refused here: " +
                 next(s for s in lines if "cannot sample" in s).strip())
        check(perf_fds(pid) >= 1, "no perf event while the functions page is open")
        # The selected row is the hottest thread: the page is its process.
        lines = term.wait_for(first_is("spin_forever", 50),
                              "spin_forever first in the process's functions")
        # "1 sample, last 0 s" when the page is read at its first sample.
        header = next(s for s in lines if re.search(r" samples?, last ", s))
        check(f"process st-main ({threads.pid})" in header, f"not scoped to the process: {header}")
        check(not any("app::spin" in r[2] for r in rows(lines)),
              "another process's function in this process's ranking")
        hot = rows(lines)[0]
        check(hot[1] >= hot[0], f"total below self: {hot}")
        check(any(r[2] == "hot_main" and r[1] >= 50 for r in rows(lines)),
              f"hot_main's total not shown: {rows(lines)[:5]}")
        # The whole machine: cxxchain's spinner shows too.
        term.keys("a")
        lines = term.wait_for(lambda l: any("every process:" in s for s in l) and
                              any("app::spin" in r[2] for r in rows(l)),
                              "the whole machine's functions with the other target's")
        term.keys("f")
        term.wait_for(lambda l: any("st-hot" in r for r in table(l)), "back to the table")
        deadline = time.monotonic() + 5
        while perf_fds(pid) > 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        check(perf_fds(pid) == 0, "perf events still open after the page closed")
    finally:
        term.close()


run(check_functions_page)
