"""The live view's htop keys for acting and ordering, in a real terminal
(tmux) on processes this test starts: k/F9 sends the signal chosen from a
list once y confirms it (n sends nothing), refusals are one status line
(itself, another user's process, a lower nice without privilege), F8/F7
renice, t/F5 draws a child under its parent, < > and I change the order,
1 shows a meter a CPU."""

import os
import re
import signal
import subprocess
import time

import harness
from harness import check, run, start_target
from tui import Terminal, table

STACKTOP = os.environ["STACKTOP"]


def start(*argv):
    """A process of our own (it dies with the test)."""
    # Not our stdout: a grandchild left holding it would keep meson waiting.
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, preexec_fn=harness._die_with_us)
    harness._children.append(proc)
    return proc


def status(lines):
    """The status line: the one after the header (and the per-CPU meters)."""
    for line in lines:
        if not line.startswith(("stacktop ", "CPU", "Mem ")):
            return line
    return ""


def row_pids(lines):
    return [int(row.split()[0]) for row in table(lines)]


def stat_field(pid, field):
    """Field (numbered as in proc(5)) of /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return rest[field - 3]


def exit_code(proc):
    """How proc ended (-N: signal N), or None when it is still running."""
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return None


def test_kill():
    target = start("sleep", "600")
    term = Terminal(f"{STACKTOP} -p {target.pid} -d 0.3")
    try:
        term.wait_for(lambda l: str(target.pid) in "\n".join(table(l)), "the target listed")
        # k: the list, SIGTERM first; Enter asks; n sends nothing.
        term.keys("k")
        lines = term.wait_for(lambda l: any("Send signal:" in s for s in l), "k opens the menu")
        check(any("SIGKILL" in s for s in lines) and any("SIGUSR2" in s for s in lines),
              "the menu lists the signals")
        term.keys("Enter")
        term.wait_for(lambda l: f"Send SIGTERM to PID {target.pid} (sleep)? y/n" in status(l),
                      "Enter on SIGTERM asks to confirm, naming the target")
        term.keys("n")
        term.wait_for(lambda l: "y/n" not in status(l), "n answers the question")
        time.sleep(0.5)
        check(target.poll() is None, "n sent the signal anyway")
        # F9, Down (SIGKILL), Esc: nothing; then k, Down, Enter, y: SIGKILL.
        term.keys("F9", "Down", "Escape")
        term.wait_for(lambda l: not any("Send signal:" in s for s in l), "Esc closes the menu")
        check(target.poll() is None, "Esc sent a signal")
        term.keys("k", "Down", "Enter")
        term.wait_for(lambda l: f"Send SIGKILL to PID {target.pid} (sleep)? y/n" in status(l),
                      "Down chose SIGKILL")
        term.keys("y")
        code = exit_code(target)
        check(code == -9, f"the target did not die of SIGKILL (exit {code})")
        # The view goes on; SIGTERM, the default, on a second target.
        second = start("sleep", "601")
        term.keys("q")
        term.exit_status()
    finally:
        term.close()
    term = Terminal(f"{STACKTOP} -p {second.pid} -d 0.3")
    try:
        term.wait_for(lambda l: str(second.pid) in "\n".join(table(l)), "the second listed")
        term.keys("k", "Enter")
        term.wait_for(lambda l: "Send SIGTERM" in status(l), "the question for SIGTERM")
        term.keys("y")
        code = exit_code(second)
        check(code == -15, f"the target did not die of SIGTERM (exit {code})")
    finally:
        term.close()


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_refusals():
    """Each refusal is one line on the status bar, and nothing is done:
    stacktop on itself (-p $$ is its own pid: the shell execs it), a signal
    and a nice to another user's process, a lower nice without privilege."""
    if os.geteuid() != 0:
        harness.skip("needs root, to run stacktop as another user")
    term = Terminal(f"{STACKTOP} -p $$ -d 0.3")
    try:
        term.wait_for(lambda l: table(l), "stacktop lists itself")
        term.keys("k")
        term.wait_for(lambda l: "stacktop does not signal itself" in status(l),
                      "k on stacktop's own row says it does not signal itself")
        check(not any("Send signal:" in s for s in term.screen()), "a menu opened anyway")
    finally:
        term.close()
    root_owned = start("sleep", "600")
    mine = start(*NOBODY, "sleep", "601")
    term = Terminal(" ".join(NOBODY + [STACKTOP, "-p", f"{root_owned.pid},{mine.pid}",
                                       "-d", "0.3"]), width=200)
    try:
        term.wait_for(lambda l: len(table(l)) == 2, "both listed")
        sort_to(term, "<", "PID")  # root's first: the smaller PID
        term.keys("Home", "k", "Enter", "y")
        term.wait_for(lambda l: f"cannot send SIGTERM to PID {root_owned.pid} (sleep): "
                      "another user's" in status(l), "EPERM said on the status line")
        check(root_owned.poll() is None, "root's process got the signal")
        term.keys("F8")
        term.wait_for(lambda l: f"cannot renice PID {root_owned.pid} (sleep) to 1: another "
                      "user's" in status(l), "F8 on another user's process refused")
        check(stat_field(root_owned.pid, 19) == "0", "root's process was reniced")
        term.keys("End", "F8")
        term.wait_for(lambda l: f"PID {mine.pid} (sleep): nice 0 -> 1" in status(l),
                      "F8 on its own process")
        term.keys("F7")
        term.wait_for(lambda l: "lowering nice needs root or CAP_SYS_NICE" in status(l),
                      "F7 without privilege says what it needs")
        check(stat_field(mine.pid, 19) == "1", "the nice was lowered without privilege")
    finally:
        term.close()


def test_renice():
    target = start("sleep", "600")
    check(stat_field(target.pid, 19) == "0", "the target does not start at nice 0")
    term = Terminal(f"{STACKTOP} -p {target.pid} -d 0.3", width=160)
    try:
        lines = term.wait_for(lambda l: str(target.pid) in "\n".join(table(l)),
                              "the target listed")
        titles = next(s for s in lines if s.lstrip().startswith("PID "))
        check(" NI " in titles, "no NI column at 160 columns")
        term.keys("F8")
        deadline = time.monotonic() + 10
        while stat_field(target.pid, 19) != "1" and time.monotonic() < deadline:
            time.sleep(0.1)
        check(stat_field(target.pid, 19) == "1", "F8 did not raise the nice to 1")
        term.wait_for(lambda l: "nice 0 -> 1" in status(l), "F8 says what it did")
        if os.geteuid() == 0:
            term.keys("F7")
            deadline = time.monotonic() + 10
            while stat_field(target.pid, 19) != "0" and time.monotonic() < deadline:
                time.sleep(0.1)
            check(stat_field(target.pid, 19) == "0", "F7 did not lower the nice to 0")
    finally:
        term.close()


def children_of(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(stat_field(int(entry), 4)) == pid:
                    kids.append(int(entry))
            except (OSError, IndexError):
                pass
    return kids


def sort_to(term, key, title):
    """Presses key until the status line says it sorts by title; each press
    must change the sort."""
    for _ in range(16):
        before = status(term.screen())
        if f"by {title}," in before or f"by {title} " in before:
            return
        term.keys(key)
        term.wait_for(lambda l: status(l) != before, f"{key} changes the sort")
    check(False, f"{key} never reached {title}")


def test_tree():
    parent = start("sh", "-c", "sleep 600 & wait")
    deadline = time.monotonic() + 10
    while not children_of(parent.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    kids = children_of(parent.pid)
    check(len(kids) == 1, f"the parent's child not found ({kids})")
    child = kids[0]
    term = Terminal(f"{STACKTOP} -p {parent.pid},{child} -d 0.3")
    try:
        term.wait_for(lambda l: len(table(l)) == 2, "both listed")
        # By PID, reversed: the child (the larger PID) first.
        sort_to(term, "<", "PID")
        term.keys("I")
        term.wait_for(lambda l: row_pids(l) == [child, parent.pid], "I: the child first")
        term.keys("t")
        lines = term.wait_for(lambda l: row_pids(l) == [parent.pid, child] and "tree" in status(l),
                              "t: the parent first, the child under it")
        rows = table(lines)
        check(re.search(r"(└─|`-)sleep", rows[1]) is not None,
              f"the child is not drawn indented under its parent: {rows[1]!r}")
        check("─" not in rows[0] and "`-" not in rows[0], "the parent is drawn indented")
        term.keys("F5")
        term.wait_for(lambda l: row_pids(l) == [child, parent.pid] and "tree" not in status(l),
                      "F5: the tree off again")
    finally:
        term.close()
        os.kill(child, signal.SIGKILL)  # the parent's child is not ours to reap


def test_sort_keys():
    idle = start("sleep", "600")  # the smaller PID, no CPU
    hot = start_target("threads")  # one thread spins
    term = Terminal(f"{STACKTOP} -p {idle.pid},{hot.pid} -d 0.3", height=60)
    try:
        term.wait_for(lambda l: table(l) and "st-hot" in table(l)[0], "by %CPU: the hot first")
        sort_to(term, "<", "PID")
        lines = term.wait_for(lambda l: row_pids(l) and row_pids(l)[0] == idle.pid,
                              "< to PID: the smaller PID first")
        check(row_pids(lines) == sorted(row_pids(lines)), "by PID: not in PID order")
        term.keys("I")
        lines = term.wait_for(lambda l: row_pids(l) and row_pids(l)[-1] == idle.pid
                              and "reversed" in status(l), "I: the smaller PID last")
        check(row_pids(lines) == sorted(row_pids(lines), reverse=True), "I: not reversed")
        term.keys("I")
        sort_to(term, ">", "%CPU")
        term.wait_for(lambda l: table(l) and "st-hot" in table(l)[0], "> back to %CPU")
        # F6: the list of columns; Home (the first: PID), Enter.
        term.keys("F6")
        term.wait_for(lambda l: any("Sort by:" in s for s in l), "F6 opens the list")
        term.keys("Home", "Enter")
        term.wait_for(lambda l: "by PID," in status(l) and row_pids(l)[0] == idle.pid,
                      "F6 chose PID")
    finally:
        term.close()


def test_per_cpu():
    with open("/proc/stat") as f:
        cpus = len(re.findall(r"^cpu\d+ ", f.read(), re.M))
    term = Terminal(f"{STACKTOP} -d 0.3", height=40)
    try:
        term.wait_for(lambda l: table(l), "the table")
        meter = re.compile(r"^CPU\d+ +usr")
        term.keys("1")
        lines = term.wait_for(lambda l: sum(1 for s in l if meter.match(s)) == cpus,
                              f"1 shows {cpus} per-CPU meters")
        check([s.split()[0] for s in lines if meter.match(s)] ==
              [f"CPU{i}" for i in range(cpus)], "the meters are not CPU0..N in order")
        term.keys("1")
        term.wait_for(lambda l: not any(meter.match(s) for s in l), "1 again: the total only")
    finally:
        term.close()


if __name__ == "__main__":
    run(test_kill)
    run(test_refusals)
    run(test_renice)
    run(test_tree)
    run(test_sort_keys)
    run(test_per_cpu)
