"""The live view and the terminal it draws on: names built to attack a
terminal reach it sanitized; NO_COLOR gives a monochrome screen; the
terminal is put back however stacktop ends (q, SIGINT, SIGTERM, a crash)
and no target is left stopped."""

import os
import re
import signal
import time

from harness import check, run, start_target
from tui import Terminal, stack_pane, table

STACKTOP = os.environ["STACKTOP"]
# SGR colour sequences: setaf/setab of 8 colours, or of 256.
COLOR = re.compile(rb"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|38;5;\d+|48;5;\d+)m")


def test_hostile():
    hostile = start_target("hostile")
    term = Terminal(f"{STACKTOP} -p {hostile.pid}")
    try:
        lines = term.wait_for(lambda l: len(table(l)) >= 6, "the hostile threads listed")
        time.sleep(1.5)  # a few refreshes, each writing the names again
        lines = term.screen()
        screen = "\n".join(lines)
        check("?]0;pwned?" in screen, "the title-setting name is not shown sanitized")
        check("x) R 1 (?[31m" in screen, "the process name is not shown sanitized")
        check(lines[0].startswith("stacktop "), "the screen was cleared by a name")
        check("pwned" not in term.show("#{pane_title}"), "a name set the window title")
        raw = term.raw()
        check(raw, "no terminal output captured")
        for bad in (b"\x1b]0;pwned", b"\x07", b"\xc2\x9b", b"\xff\xfe", b"\x1b[2J\x1b[Hclr",
                    b"(\x1b[31m"):
            check(bad not in raw, f"{bad!r} reached the terminal raw")
    finally:
        term.close()


def test_no_color():
    """NO_COLOR: attributes only; without it, colours (the check can fail)."""
    threads = start_target("threads")
    for no_color, want_color in (("1", False), ("", True)):
        term = Terminal(f"{STACKTOP} -p {threads.pid} -d 0.3",
                        env={"NO_COLOR": no_color, "TERM": "xterm-256color"})
        try:
            term.wait_for(lambda l: any("spin_forever" in s for s in stack_pane(l)),
                          "the hot thread's stack")
            has_color = COLOR.search(term.raw()) is not None
            check(has_color == want_color,
                  f"NO_COLOR={no_color!r}: colour sequences {'' if has_color else 'not '}sent")
        finally:
            term.close()


def test_restored(how):
    """However stacktop ends, the tty and the screen are put back and the
    target runs on."""
    threads = start_target("threads")
    term = Terminal(f"{STACKTOP} -p {threads.pid} -d 0.2")
    try:
        term.wait_for(lambda l: any("spin_forever" in s for s in stack_pane(l)),
                      "the hot thread's stack")
        check(term.show("#{alternate_on}") == "1", "the view is not on the alternate screen")
        pid = term.pid()
        if how == "q":
            term.keys("q")
        else:
            os.kill(pid, how)
        status = term.exit_status()
        if how in ("q", signal.SIGINT, signal.SIGTERM):
            check(status == 0, f"exit status {status} after {how}")
        else:
            check(status == 128 + how, f"a crash signal {how} ended with {status}")
        check(term.stty("before") == term.stty("after"), f"tty settings not restored ({how})")
        check(term.show("#{alternate_on}") == "0", f"left on the alternate screen ({how})")
        check(term.show("#{cursor_flag}") == "1", f"the cursor left hidden ({how})")
        with open(f"/proc/{threads.pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        check(state not in "tT", f"the target was left stopped ({state})")
    finally:
        term.close()


if __name__ == "__main__":
    run(test_hostile)
    run(test_no_color)
    for how in ("q", signal.SIGINT, signal.SIGTERM, signal.SIGSEGV, signal.SIGABRT):
        run(lambda: test_restored(how))
