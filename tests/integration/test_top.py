"""The live view in a real terminal (tmux at 80x24): the hot thread first and
its spinning function in the stack pane with no key pressed; sorting,
filtering, the process limit, the memory and full-stack pages; a resize to
60x20; q leaves no process behind and the terminal as it was."""

import os
import re
import time

from harness import check, check_running, python_interpreter, run, start_python, start_target, stacktop
from tui import Terminal, stack_pane, table


def first_row_is(lines, text):
    rows = table(lines)
    return bool(rows) and text in rows[0]


def row_count(lines):
    rows = table(lines)
    return len(rows)


def test():
    threads = start_target("threads")
    leak = start_target("leak", "1200")  # 20 MiB a second: the biggest RSS soon
    term = Terminal(f"{os.environ['STACKTOP']} -p {threads.pid},{leak.pid} -d 0.5")
    try:
        # The hot thread is the first row and its function is in the stack
        # pane. The selection stays on the task the first refresh put first
        # (on a loaded box that can be the leak's thread): Home takes the
        # first row, pressed only while another row is selected.
        def hot_selected(l):
            if not first_row_is(l, "st-hot"):
                return False
            if stack_pane(l) and not stack_pane(l)[0].startswith(
                    " stack of thread %s " % table(l)[0].split()[1]):
                term.keys("Home")
                return False
            return any("spin_forever" in s for s in stack_pane(l))

        lines = term.wait_for(hot_selected,
                              "the hot thread first with spin_forever in its stack pane")
        check(stack_pane(lines)[0].startswith(f" stack of thread "), "pane title")
        check(all(len(line) <= 80 for line in lines), "a line wider than 80 columns")

        # M: the leaking process's thread first; P: back to CPU.
        term.keys("M")
        term.wait_for(lambda l: first_row_is(l, str(leak.pid)) and "by RSS" in l[3],
                      "M sorts by memory: the leaking process first")
        term.keys("P")
        term.wait_for(lambda l: first_row_is(l, "st-hot") and "by %CPU" in l[3],
                      "P sorts by CPU again")

        # /name filters; Esc clears.
        term.keys("/", "st-idle-3", "Enter")
        lines = term.wait_for(lambda l: row_count(l) == 1 and "st-idle-3" in table(l)[0],
                              "the filter leaves the one matching thread")
        term.wait_for(lambda l: any("pthread_cond_wait" in s or "futex" in s
                                    for s in stack_pane(l)),
                      "the stack pane follows the selection to st-idle-3")
        term.keys("Escape")
        term.wait_for(lambda l: row_count(l) >= 9, "Esc clears the filter")

        # p: only the selected process (the threads target, selected as the
        # hottest); again p: all processes.
        term.keys("Home", "p")
        lines = term.wait_for(lambda l: "PID %d only" % threads.pid in l[3],
                              "p limits the table to the selected process")
        check(all(row.split()[0] == str(threads.pid) for row in table(lines)),
              "p: a row of another process is listed")
        term.keys("p")
        term.wait_for(lambda l: "only" not in l[3], "p again lists every process")

        # H: processes; the row count is the two processes.
        term.keys("H")
        term.wait_for(lambda l: "2 processes" in l[3] and row_count(l) == 2,
                      "H lists processes")
        term.keys("H")
        term.wait_for(lambda l: "threads by" in l[3], "H again lists threads")

        # Enter: the full stack page of the selected thread; q back.
        term.keys("Home", "Enter")
        term.wait_for(lambda l: "full stack" in l[0] and any("spin_forever" in s for s in l)
                      and any("start_thread" in s for s in l),
                      "Enter shows the whole stack of the hot thread")
        term.keys("q")
        term.wait_for(lambda l: first_row_is(l, "st-hot"), "q goes back to the table")

        # m: the memory page of the leaking process, which grows.
        term.keys("M", "Home")
        term.wait_for(lambda l: first_row_is(l, str(leak.pid)), "M again")
        term.keys("m")
        term.wait_for(lambda l: "memory" in l[0] and any("growing" in s for s in l),
                      "m shows the memory page with a growing verdict", timeout=30)
        term.keys("Escape")
        term.keys("P", "Home")  # the selection stayed on the leaking thread

        # h: help; any of q/Esc back.
        term.keys("h")
        term.wait_for(lambda l: "help" in l[0] and any("sort by" in s for s in l),
                      "h shows the help page")
        term.keys("Escape")

        # A smaller terminal keeps a usable screen: header, titles, the hot
        # row and the stack pane, nothing past the edge.
        term.resize(60, 20)
        lines = term.wait_for(
            lambda l: len(l) == 20 and first_row_is(l, "st-hot")
            and any("spin_forever" in s for s in stack_pane(l)),
            "at 60x20 the hot row and its stack")
        check(all(len(line) <= 60 for line in lines), "a line wider than 60 columns")
        check("%CPU" in next(l for l in lines if l.lstrip().startswith("PID ")),
              "the %CPU column is kept at 60 columns")

        # q quits: the process is gone, and the terminal is as it was.
        pid = term.pid()
        term.keys("q")
        check(term.exit_status() == 0, "stacktop exited with an error after q")
        check(not os.path.exists(f"/proc/{pid}"), "a stacktop process is left behind")
        check(term.stty("before") == term.stty("after"), "the tty settings were not restored")
        check(term.show("#{alternate_on}") == "0", "still on the alternate screen")
        for target in (threads, leak):
            with open(f"/proc/{target.pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            check(state not in "tT", f"target {target.pid} left stopped ({state})")
    finally:
        term.close()


def test_python():
    """A Python process: the pane merges its Python frames (function, file
    and line), and the memory page shows its objects by type."""
    app = start_python(python_interpreter("system"), "app.py")
    objects = start_python(python_interpreter("system"), "objects.py", 200000)  # the larger RSS by far
    term = Terminal(f"{os.environ['STACKTOP']} -p {app.pid},{objects.pid} -d 0.5")
    try:
        # (Its threading name first, "spinner (py-spinner)", cut at 80
        # columns.)
        term.wait_for(lambda l: first_row_is(l, "spinner (py-spi")
                      and any("spin_leaf (app.py:" in s for s in stack_pane(l)),
                      "the Python spinner first, its Python frames in the pane")
        # The objects process: first by memory; its memory page.
        term.keys("M", "Home")
        term.wait_for(lambda l: first_row_is(l, str(objects.pid)), "M: the objects process first")
        # The first census of a process waits for t, after saying how long
        # it will stop the process; not a class counted before that.
        term.keys("m")
        lines = term.wait_for(lambda l: "memory" in l[0] and
                              any("Press t to take it" in s for s in l),
                              "the memory page says what a census would stop")
        check(not any("StacktopLeakyWidget" in s for s in lines),
              "objects counted before t was pressed")
        expect = " ".join(lines)
        check(re.search(r"stops every thread of \d+ for about \d+ ms", expect),
              f"no expected stop: {expect}")
        term.keys("t")
        term.wait_for(lambda l: "memory" in l[0] and any("StacktopLeakyWidget" in s for s in l),
                      "t: the memory page lists the Python objects by type")
        # Agreed to once: the page opened again counts them at once.
        term.keys("q")
        term.wait_for(lambda l: first_row_is(l, str(objects.pid)), "q: back to the table")
        term.keys("m")
        term.wait_for(lambda l: "memory" in l[0] and any("StacktopLeakyWidget" in s for s in l),
                      "m again: the objects without asking")
        term.keys("q", "q")
        check(term.exit_status() == 0, "stacktop exited with an error")
    finally:
        term.close()


def two_censuses(term, before=None):
    """On a leaky.py's live view: the memory page, before(term) while it
    offers a census, then a census (t) and another a second later; returns
    the screen that shows the changes."""
    term.wait_for(lambda l: table(l), "the target listed")
    term.keys("m")
    term.wait_for(lambda l: "memory" in l[0] and any("Press t" in s for s in l),
                  "the memory page offers a census")
    if before is not None:
        before(term)
    term.keys("t")
    term.wait_for(lambda l: any("HxConn" in s for s in l), "t: the objects by type")
    time.sleep(1)
    term.keys("t")
    return term.wait_for(lambda l: any("changes since the census" in s for s in l),
                         "t again: the changes since the census before")


def growth_rows(lines):
    """The rows of the types' table with its growth columns (count, change,
    bytes, change, type)."""
    return [s for s in lines if re.match(r"\s*\d+\s+[+-]\d+\s+\d+\s+[+-]\d+\s+\S", s)]


def test_memory_growth():
    """The memory page's census taken again (t) says what grew since the one
    before: the leaking type first, with its change."""
    leaky = start_python(python_interpreter("system"), "leaky.py")
    term = Terminal(f"{os.environ['STACKTOP']} -p {leaky.pid} -d 0.5", width=120, height=50)
    try:
        rows = growth_rows(two_censuses(term))
        check(rows and rows[0].split()[-1] == "HxConn" and int(rows[0].split()[1]) > 500,
              f"HxConn is not first with its growth: {rows[:3]}")
        term.keys("q", "q")
    finally:
        term.close()


def test_memory_refs():
    """r on the memory page: what holds a type's objects, as mem
    --python-refs shows it. Refused (a note, no stop) before a census; after
    two, the type that grew most is offered; Enter shows its chains from
    the module's global, with the stop they took, kept (not taken again on
    every refresh); Esc goes back to the memory page, whose growth column
    is there, and is there again when the page opens again (its census
    against the last one); the target is not left stopped."""
    leaky = start_python(python_interpreter("system"), "leaky.py")
    term = Terminal(f"{os.environ['STACKTOP']} -p {leaky.pid} -d 0.5", width=120, height=50)
    try:
        def refused(term):
            term.keys("r")
            term.wait_for(lambda l: "needs a census" in l[-1], "r before a census: a note")

        two_censuses(term, before=refused)
        term.keys("r")
        term.wait_for(lambda l: re.match(rf"What holds type \(a stop of {leaky.pid} longer than a "
                                         r"census's \d+ ms\): HxConn_", l[-1]),
                      "r: the prompt offers HxConn, which grew most")
        term.keys("Enter")
        lines = term.wait_for(lambda l: any("Referrers of HxConn" in s for s in l) and
                              any("walked; stopped" in s for s in l),
                              "Enter: what holds HxConn")
        text = "\n".join(lines)
        check(re.search(r"\d+ of \d+ HxConn: module __main__, global REGISTRY \(dict\) -> value "
                        r"\(HxConn\)", text) and "e.g. __main__.REGISTRY[" in text,
              f"no chain through __main__.REGISTRY:\n{text}")
        check_running(leaky.pid)
        # Taken once: the leak grows every refresh, the chains' counts stay.
        walked = [s for s in lines if "walked; stopped" in s]
        time.sleep(1.5)
        lines = term.wait_for(lambda l: any("walked; stopped" in s for s in l),
                              "the chains still shown")
        check([s for s in lines if "walked; stopped" in s] == walked,
              f"the chains were taken again: {walked} then "
              f"{[s for s in lines if 'walked; stopped' in s]}")
        term.keys("Escape")
        lines = term.wait_for(lambda l: any("changes since the census" in s for s in l),
                              "Esc: back to the memory page")
        rows = growth_rows(lines)
        check(rows and rows[0].split()[-1] == "HxConn", f"no growth column: {rows[:3]}")
        term.keys("q")
        term.wait_for(lambda l: table(l), "q: back to the table")
        # Opened again: a census at once (agreed to), and what grew since
        # the last one of the page before.
        term.keys("m")
        lines = term.wait_for(lambda l: "memory" in l[0] and
                              any("changes since the census" in s for s in l),
                              "m again: the changes since the census of the last opening")
        check(growth_rows(lines)[:1] and growth_rows(lines)[0].split()[-1] == "HxConn",
              f"HxConn is not first: {growth_rows(lines)[:3]}")
        term.keys("q", "q")
        check(term.exit_status() == 0, "stacktop exited with an error")
        check_running(leaky.pid)
    finally:
        term.close()


def test_locks_page():
    """l: the selected process's locks, its ABBA deadlock found."""
    deadlock = start_target("deadlock", "abba")
    term = Terminal(f"{os.environ['STACKTOP']} -p {deadlock.pid} -d 0.5")
    try:
        term.wait_for(lambda l: any("locker-a" in row for row in table(l)), "the lockers listed")
        term.keys("l")
        lines = term.wait_for(lambda l: "locks" in l[0] and any("Found one deadlock" in s
                                                                for s in l),
                              "l shows the deadlock")
        check(any("locker-b" in s and "mutex" in s for s in lines), "locker-b's wait is missing")
        term.keys("q", "q")
        check(term.exit_status() == 0, "stacktop exited with an error")
    finally:
        term.close()


def test_no_terminal():
    """Without a terminal, the same command prints a report."""
    threads = start_target("threads")
    code, out, err = stacktop("top", "-p", threads.pid, "-d", "0.3")
    check(code == 0, f"stacktop top into a pipe exited {code}: {err}")
    check(out.startswith(b"stacktop report"), f"not a report: {out[:200]!r}")
    check(b"st-hot" in out, "the report lacks the hot thread")
    # Its help is the live view's, which says what it does without one.
    code, out, err = stacktop("top", "--help")
    check(code == 0 and out.startswith(b"usage: stacktop top") and b"Without a terminal" in out,
          f"stacktop top --help without a terminal: {code}, {out[:200]!r}")
    code, out, _ = stacktop("-V")
    check(code == 0 and out.startswith(b"stacktop "), f"stacktop -V: {code}, {out!r}")


def test_interval_kept():
    """An interval shorter than the live view can keep (1 ms) is never kept
    silently: the status line says the interval kept and what a refresh
    takes."""
    target = start_target("threads", "2")
    term = Terminal(f"{os.environ['STACKTOP']} -p {target.pid} -d 0.001", width=160)
    try:
        term.wait_for(lambda l: re.search(r"every 0\.001s asked, [\d.e-]+s kept \(a refresh "
                                          r"takes [\d.]+s\)", l[3]),
                      "the interval kept and the refresh's time on the status line")
    finally:
        term.keys("q")
        term.close()  # its tmux server too, not only stacktop
    target.kill()


def test_missing_pid():
    code, out, err = stacktop("top", "-p", "999999999")
    check(code != 0 and "no such process" in err and err.count("\n") == 1,
          f"a missing PID: exit {code}, {err!r}")


if __name__ == "__main__":
    run(test)
    run(test_python)
    run(test_memory_growth)
    run(test_memory_refs)
    run(test_locks_page)
    run(test_no_terminal)
    run(test_interval_kept)
    run(test_missing_pid)
