"""The live view's columns, search and habits (issue 18) in a real terminal
(tmux), against real processes: the COMMAND column tells apart two
processes of one name and c toggles it; USER names the owner and u lists
one user's; / matches a PID and a word of the command line; F3 moves the
selection to the next match; F1, F10, an unknown key and a bad interval
each say what they do; the selection stays on its thread when another gets
hotter; F2 hides a column and the settings file keeps it across a restart;
TERM=dumb prints reports instead of a screen."""

import os
import pwd
import re
import select
import signal
import subprocess
import tempfile
import time

import harness
from harness import check, run, start_target
from tui import Terminal, stack_pane, table

STACKTOP = os.environ["STACKTOP"]


def titles(lines):
    return next((l for l in lines if l.lstrip().startswith("PID ")), "")


def pane_tid(lines):
    """The thread the stack pane is of: the selected row's."""
    pane = stack_pane(lines)
    m = re.match(r" stack of (?:thread|process) (\d+)", pane[0]) if pane else None
    return int(m.group(1)) if m else None


def rows_of(lines, pid):
    return [r for r in table(lines) if r.split()[0] == str(pid)]


def only_rows_of(lines, pid):
    rows = table(lines)
    return bool(rows) and all(r.split()[0] == str(pid) for r in rows)


def clear_input(term):
    """The prompts start with the current value: erase it."""
    term.keys(*["BSpace"] * 12)


def start_short(name, *args):
    """Starts tests/targets/NAME as start_target does, with its bare name as
    argv[0] (not the build tree's long path), so that its arguments are
    within 200 columns."""
    proc = subprocess.Popen([name, *args], executable=os.path.join(harness.TARGETS, name),
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    harness._children.append(proc)
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    line = proc.stdout.readline().decode() if ready else ""
    check(line.startswith("ready "), f"target {name} did not start (got {line!r})")
    return proc


def two_of_a_name():
    """Two processes of one name, told apart by their arguments (the late
    thread's seconds, never reached), in a 200x50 view."""
    a = start_short("threads", "6", "77777")
    b = start_short("threads", "5", "66666")
    term = Terminal(f"{STACKTOP} -p {a.pid},{b.pid} -d 0.3", width=200, height=50)
    term.wait_for(lambda l: rows_of(l, a.pid) and rows_of(l, b.pid), "both processes listed")
    return a, b, term


def one_target(**size):
    """A threads target with 2 idle threads, listed in a view of its own."""
    target = start_target("threads", "2")
    term = Terminal(f"{STACKTOP} -p {target.pid} -d 0.3", **size)
    term.wait_for(lambda l: rows_of(l, target.pid), "the target listed")
    return target, term


def test_command_column():
    a, b, term = two_of_a_name()
    try:
        # COMMAND: each row's command line, distinct per process; USER.
        lines = term.screen()
        check("COMMAND" in titles(lines) and "USER" in titles(lines),
              f"no COMMAND or USER column at 200 columns: {titles(lines)!r}")
        lines = term.wait_for(
            lambda l: all(r.endswith(" threads 6 77777") for r in rows_of(l, a.pid))
            and all(r.endswith(" threads 5 66666") for r in rows_of(l, b.pid)),
            "each row shows its process's command line")
        me = pwd.getpwuid(os.getuid()).pw_name
        check(all(r.split()[2] == me[:8] for r in table(lines)),
              f"USER is not {me}: {table(lines)[:2]}")
        # c: the process name instead; c again: the command line.
        term.keys("c")
        term.wait_for(lambda l: rows_of(l, a.pid) and not any("77777" in r for r in table(l)),
                      "c shows process names, not command lines")
        term.keys("c")
        term.wait_for(lambda l: any("77777" in r for r in rows_of(l, a.pid)),
                      "c again shows the command lines")
    finally:
        term.close()


def test_filter():
    a, b, term = two_of_a_name()
    try:
        # /PID: that process's rows alone; F4 a word of its arguments: the same.
        term.keys("/", str(b.pid), "Enter")
        term.wait_for(lambda l: only_rows_of(l, b.pid), "/ by PID lists that process alone")
        term.keys("Escape")
        term.wait_for(lambda l: rows_of(l, a.pid), "Esc clears the filter")
        term.keys("F4", "77777", "Enter")
        term.wait_for(lambda l: only_rows_of(l, a.pid),
                      "F4 by a word of the command line lists that process alone")
        term.keys("Escape")
        term.wait_for(lambda l: rows_of(l, b.pid), "Esc clears the filter")
    finally:
        term.close()


def test_search():
    """F3: the selection moves to a row that holds the text, the rows stay;
    F3 again: the next such row (the other process's)."""
    a, b, term = two_of_a_name()
    try:
        term.keys("F3", "st-idle-3")
        lines = term.wait_for(lambda l: bool(stack_pane(l)) and "st-idle-3" in stack_pane(l)[0],
                              "F3 selects st-idle-3")
        first = pane_tid(lines)
        check(rows_of(lines, a.pid) and rows_of(lines, b.pid), "F3 filtered the rows")
        term.keys("F3")
        lines = term.wait_for(lambda l: bool(stack_pane(l)) and "st-idle-3" in stack_pane(l)[0]
                              and pane_tid(l) != first, "F3 again: the next st-idle-3")
        tids = {pane_tid(lines), first}
        owners = {pid for pid in (a.pid, b.pid) for tid in tids
                  if os.path.exists(f"/proc/{pid}/task/{tid}")}
        check(owners == {a.pid, b.pid}, f"the two matches {tids} are not one of each process")
        term.keys("Enter")
    finally:
        term.close()


def test_help_and_quit():
    # Tall enough for the whole help on one screen (about 80 lines).
    target, term = one_target(height=100)
    try:
        # F1: the help, which lists the keys; q back.
        term.keys("F1")
        lines = term.wait_for(lambda l: "help" in l[0], "F1 shows the help")
        text = "\n".join(lines)
        for key in ("F2", "F3", "F4", "F10", " u ", " c ", "Esc", "Enter"):
            check(key in text, f"the help does not list {key.strip()}")
        term.keys("q")
        term.wait_for(lambda l: rows_of(l, target.pid), "q: back to the table")
    finally:
        term.close()


def test_f10_quits():
    target, term = one_target()
    try:
        term.keys("F10")
        check(term.exit_status() == 0, "F10 did not quit")
    finally:
        term.close()


def test_user():
    if os.getuid() != 0:
        return  # a process of another user needs root to start
    mine = start_target("threads", "2")
    theirs = start_target("threads", "2", user=65534)
    name = pwd.getpwuid(65534).pw_name
    term = Terminal(f"{STACKTOP} -p {mine.pid},{theirs.pid} -d 0.3", width=200, height=40)
    try:
        lines = term.wait_for(lambda l: rows_of(l, mine.pid) and rows_of(l, theirs.pid),
                              "both processes listed")
        check(all(r.split()[2] == name[:8] for r in rows_of(lines, theirs.pid)),
              f"USER of a {name} process: {rows_of(lines, theirs.pid)[:1]}")
        term.keys("u")
        clear_input(term)
        term.keys(name, "Enter")
        term.wait_for(lambda l: only_rows_of(l, theirs.pid) and f"user {name} only" in l[3],
                      f"u {name} lists that user's process alone")
        term.keys("u")
        clear_input(term)
        term.keys("Enter")
        term.wait_for(lambda l: rows_of(l, mine.pid), "u with no name lists every user")
        term.keys("u", "no-such-user-here", "Enter")
        term.wait_for(lambda l: "no user 'no-such-user-here'" in l[3], "an unknown user is said")
    finally:
        term.close()


def test_keys_say_why():
    target, term = one_target()
    try:
        term.keys("s")
        term.wait_for(lambda l: "s: no such key here (h for help)" in l[3],
                      "an unknown key says so")
        for value, why in (("0", "d: 0 is not an interval: give seconds > 0"),
                           ("-1", "d: -1 is not an interval"),
                           ("abc", "d: 'abc' is not a number of seconds")):
            term.keys("d")
            clear_input(term)
            term.keys("--", value, "Enter")  # "--": -1 is no option of tmux's
            term.wait_for(lambda l: why in l[3], f"d {value} says why")
        term.keys("j")  # the note lasts until the next key
        term.wait_for(lambda l: "threads by" in l[3], "the status line is back after a key")
        # On a page (the help), the same on its last line.
        term.keys("h")
        term.wait_for(lambda l: "help" in l[0], "h shows the help")
        term.keys("s")
        term.wait_for(lambda l: "s: no such key on this page (q: back)" in l[-1],
                      "an unknown key on a page says so")
        term.keys("q")
        term.wait_for(lambda l: "threads by" in l[3], "q: back to the table")
        term.keys("q")
        check(term.exit_status() == 0, "stacktop exited with an error")
    finally:
        term.close()


def test_selection_stays():
    """The selection stays on the thread selected at the first refresh when
    another becomes the hottest: the selected thread's process is stopped,
    the other's spinning thread takes the first row, not the selection."""
    a = start_target("threads", "2")
    b = start_target("threads", "2")
    term = Terminal(f"{STACKTOP} -p {a.pid},{b.pid} -d 0.3", width=120, height=30)
    stopped = None
    try:
        term.wait_for(lambda l: table(l) and "st-hot" in table(l)[0], "a spinning thread first")
        time.sleep(1)  # past the first screen (10 ms: a preview) and a few refreshes
        lines = term.wait_for(lambda l: stack_pane(l) and "st-hot" in stack_pane(l)[0],
                              "a spinning thread selected")
        selected = pane_tid(lines)
        stopped = a if os.path.exists(f"/proc/{a.pid}/task/{selected}") else b
        other = b if stopped is a else a
        os.kill(stopped.pid, signal.SIGSTOP)
        lines = term.wait_for(lambda l: table(l) and table(l)[0].split()[0] == str(other.pid)
                              and "st-hot" in table(l)[0] and "0.0" in
                              next((r for r in table(l) if r.split()[1] == str(selected)), ""),
                              "the other spinner first, the stopped one idle")
        time.sleep(1)  # refreshes
        lines = term.screen()
        check(pane_tid(lines) == selected,
              f"the selection jumped from {selected} to {pane_tid(lines)}, the hottest")
    finally:
        if stopped is not None:
            os.kill(stopped.pid, signal.SIGCONT)
        term.close()


def test_setup_kept():
    """F2 hides a column; the settings file keeps it for the next start; a
    malformed file is one line on the screen, never a crash."""
    target = start_target("threads", "2")
    with tempfile.TemporaryDirectory() as config:
        command = f"env XDG_CONFIG_HOME={config} {STACKTOP} -p {target.pid} -d 0.3"
        term = Terminal(command, width=200, height=40)
        try:
            lines = term.wait_for(lambda l: rows_of(l, target.pid), "the target listed")
            check(" USER " in titles(lines), "no USER column to hide")
            term.keys("F2")
            lines = term.wait_for(lambda l: any("[x] USER" in s for s in l), "the setup page")
            rows = [s for s in lines if re.match(r"^[> ] \[[x ]\] ", s)]
            user = next(i for i, s in enumerate(rows) if s.endswith(" USER"))
            term.keys(*["Down"] * user, "Space")
            term.wait_for(lambda l: any("> [ ] USER" in s for s in l), "space hides USER")
            term.keys("q")
            term.wait_for(lambda l: rows_of(l, target.pid) and " USER " not in titles(l),
                          "USER hidden in the table")
            term.keys("q")
            check(term.exit_status() == 0, "stacktop exited with an error")
        finally:
            term.close()
        with open(os.path.join(config, "stacktop", "stacktoprc")) as f:
            text = f.read()
        check("hidden_columns=USER" in text, f"the settings file: {text!r}")
        term = Terminal(command, width=200, height=40)
        try:
            term.wait_for(lambda l: rows_of(l, target.pid) and " USER " not in titles(l)
                          and "COMMAND" in titles(l), "USER still hidden after a restart")
            term.keys("q")
        finally:
            term.close()
        with open(os.path.join(config, "stacktop", "stacktoprc"), "w") as f:
            f.write("hidden_columns=USER\nthis is not a setting\n")
        term = Terminal(command, width=200, height=40)
        try:
            term.wait_for(lambda l: "stacktoprc: line 2: not key=value" in l[3]
                          and rows_of(l, target.pid), "a malformed file is said in one line")
            term.keys("q")
            check(term.exit_status() == 0, "stacktop exited with an error")
        finally:
            term.close()


def test_python_names():
    """A Python process's threads under their threading names, the OS name
    beside them (all are the interpreter's to /proc), and / finds one by
    its Python name; a name with escapes is drawn harmless."""
    python = harness.python_interpreter("system")
    target = harness.start_python(python, "names.py")
    term = Terminal(f"{STACKTOP} -p {target.pid} -d 0.3", width=200, height=50)
    try:
        lines = term.wait_for(
            lambda l: any(re.search(r"\bworker-0 \(python3[.\d]*\)", r)
                          for r in rows_of(l, target.pid)),
            "worker-0 named in the THREAD column")
        check(not any("\x1b" in line for line in lines), "an escape reached the screen")
        term.keys("/", "lock-holder", "Enter")
        lines = term.wait_for(lambda l: len(rows_of(l, target.pid)) == 1 and
                              "lock-holder" in rows_of(l, target.pid)[0],
                              "/ by a Python thread name lists that thread alone")
    finally:
        term.close()
    target.kill()


def test_dumb_terminal():
    """TERM=dumb cannot draw a screen: one line says so, then a report per
    interval."""
    target = start_target("threads", "2")
    term = Terminal(f"env TERM=dumb {STACKTOP} -p {target.pid} -d 0.3", width=120, height=40)
    try:
        lines = term.wait_for(lambda l: sum("stacktop report" in s for s in l) >= 2,
                              "reports, one per interval")
        raw = term.raw().decode(errors="replace")
        check("stacktop: TERM=dumb cannot move the cursor: printing a report every interval"
              in raw, f"no line saying why:\n{raw[:500]}")
        check("st-hot" in raw, "the report lacks the hot thread")
        check("\x1b[" not in raw, "escape sequences sent to a dumb terminal")
        os.kill(term.pid(), signal.SIGINT)
        term.exit_status()
    finally:
        term.close()


if __name__ == "__main__":
    run(test_command_column)
    run(test_filter)
    run(test_search)
    run(test_help_and_quit)
    run(test_f10_quits)
    run(test_user)
    run(test_keys_say_why)
    run(test_selection_stays)
    run(test_setup_kept)
    run(test_dumb_terminal)
    run(test_python_names)
