"""The live view with --tree (tmux at 120x30) on a multiprocessing master
and its workers (pool_tree.py replace: the master ends an idle worker after
a second and starts a hot one in its place): the processes view lists the
tree and follows the replacement (the new worker drawn, the ended one
gone); a TREE line under the header sums the tree (4 processes, RSS the
rows' as /proc says it, PSS no more than RSS) and names a hot worker, which
is also the first row; q leaves the targets running."""

import os
import re
import select
import time

from harness import check, python_interpreter, run, start_python
from tui import Terminal, table


def kib(text):
    """A size as the view draws it ("812K", "12.3M", "1.20G") in KiB."""
    units = {"K": 1, "M": 1024, "G": 1024 * 1024}
    return float(text[:-1]) * units[text[-1]]


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def vm_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def tree_line(lines):
    return next((l.strip() for l in lines if l.startswith("TREE ")), "")


def row_pids(lines):
    return [int(r.split()[0]) for r in table(lines) if r.split() and r.split()[0].isdigit()]


def test():
    python = python_interpreter("system")
    pool = start_python(python, "pool_tree.py", "replace")
    with open(f"/proc/{pool.pid}/task/{pool.pid}/children") as f:
        children = sorted(int(c) for c in f.read().split())
    check(len(children) == 3, f"pool_tree.py has children {children}")
    term = Terminal(f"{os.environ['STACKTOP']} -p {pool.pid} --tree -d 0.5", width=120,
                    height=30)
    try:
        term.wait_for(lambda l: tree_line(l).startswith(f"TREE {pool.pid}: 4 processes"),
                      "no TREE line for the 4 processes of the tree")
        term.keys("H")  # processes, hottest first
        ready, _, _ = select.select([pool.stdout], [], [], 15)
        line = pool.stdout.readline().decode() if ready else ""
        check(line.startswith("replaced "), f"pool_tree.py replace: {line!r}")
        old, new = map(int, line.split()[1:3])
        # The worker that spun from the start (the most CPU time of those
        # left), and the one started in the ended one's place.
        hot = {max((c for c in children if c != old), key=ticks), new}
        want = {pool.pid, new, *(c for c in children if c != old)}

        def followed(lines):
            pids = row_pids(lines)
            m = re.match(rf"TREE {pool.pid}: 4 processes, CPU [\d.]+%, RSS (\S+), PSS (\S+), "
                         rf"hottest (\d+) \(python3\) [\d.]+%$", tree_line(lines))
            return (set(pids) == want and len(pids) == 4 and pids[0] in hot and m is not None
                    and int(m.group(3)) in hot)

        lines = term.wait_for(followed, f"the view does not follow the tree {sorted(want)} "
                              f"(worker {old} replaced by {new}) with a hot worker of "
                              f"{sorted(hot)} first and named in the TREE line", timeout=20)
        m = re.search(r"RSS (\S+), PSS (\S+),", tree_line(lines))
        rss, pss = kib(m.group(1)), kib(m.group(2))
        now = sum(vm_rss(pid) for pid in want)
        # Python's RSS barely moves while it spins or sleeps: the sum drawn
        # and /proc's now differ by the rounding and little more.
        check(abs(rss - now) <= 0.15 * now, f"TREE RSS {m.group(1)} is not /proc's {now} KiB")
        # The workers share the master's pages (fork): PSS splits them.
        check(0 < pss <= rss, f"TREE PSS {m.group(2)} against RSS {m.group(1)}")
        term.keys("q")
        check(term.exit_status() == 0, "stacktop --tree exited with an error after q")
        for pid in want:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            check(state not in "tT", f"process {pid} of the tree left stopped ({state})")
    finally:
        term.close()
        pool.kill()


run(test)
