"""report fits the terminal: COLUMNS when set, else the width of the
terminal stdout is, else (a pipe, a file) no limit. No line is longer than
the width; the command is cut first, then columns go."""

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios

from harness import STACKTOP, check, run, stacktop

# A command line longer than 80 columns, shorter than 200 with the columns.
LONG = "x" * 90


def widest(text):
    return max(len(line) for line in text.splitlines())


def on_terminal(args, cols):
    """Runs stacktop on a pseudo-terminal of cols columns; returns (exit code,
    what it printed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    # Without the terminal's line discipline turning \n into \r\n.
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([STACKTOP, *map(str, args)], stdout=slave, stderr=slave,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the other end closed
            break
        if not data:
            break
        out += data
    proc.wait()
    os.close(master)
    return proc.returncode, out.decode(errors="replace")


def test():
    holder = subprocess.Popen(["sh", "-c", "sleep 60; :", LONG], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        pid = holder.pid
        args = ["report", "-p", pid, "-d", 0.1]

        # A pipe: the whole command line.
        code, out, err = stacktop(*args)
        check(code == 0 and LONG in out.decode(), f"piped report cut the command: {out!r}")

        for cols in (80, 100, 50):
            code, out, err = stacktop(*args, env={"COLUMNS": str(cols)})
            text = out.decode()
            check(code == 0 and widest(text) <= cols,
                  f"COLUMNS={cols}: a line of {widest(text)}: {text}")
            # The command is there, cut.
            check("sh -c sleep" in text, f"COLUMNS={cols}: no command: {text}")

        # At 80 the least useful columns go; at 200 all stay, and the
        # command is whole.
        code, out, _ = stacktop(*args, env={"COLUMNS": "80"})
        header = next(l for l in out.decode().splitlines() if l.lstrip().startswith("PID "))
        check(header.split() == ["PID", "USER", "%CPU", "%USR", "%SYS", "THR", "RSS", "ANON",
                                 "COMMAND"], f"80 columns: {header!r}")
        code, out, _ = stacktop(*args, env={"COLUMNS": "200"})
        header = next(l for l in out.decode().splitlines() if l.lstrip().startswith("PID "))
        check("SHMEM" in header and "SWAP" in header and LONG in out.decode(),
              f"200 columns: {header!r}")

        # A terminal of 80 columns, without COLUMNS: its width.
        code, text = on_terminal(args, 80)
        check(code == 0 and "stacktop report" in text and widest(text) <= 80,
              f"on an 80-column terminal: exit {code}, a line of {widest(text)}: {text}")
        code, text = on_terminal(args, 132)
        check(code == 0 and widest(text) <= 132 and widest(text) > 80,
              f"on a 132-column terminal: exit {code}, a line of {widest(text)}: {text}")
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()


run(test)
