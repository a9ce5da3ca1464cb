"""A real terminal for the live view: a tmux server of our own (its own
socket, so a developer's tmux is never touched), one detached session at a
given size, keys sent and the screen captured as the user would see it."""

import os
import shutil
import subprocess
import time

from harness import fail

TMUX = "/usr/bin/tmux"


class Terminal:
    started = 0

    def __init__(self, command, width=80, height=24, env=None):
        # A server of its own per terminal: one that is still shutting down
        # would refuse the next session on the same socket.
        Terminal.started += 1
        self.socket = f"stacktop-test-{os.getpid()}-{Terminal.started}"
        self.dir = f"/tmp/{self.socket}"
        os.makedirs(self.dir, exist_ok=True)
        self.pidfile = os.path.join(self.dir, "pid")
        self.rawfile = os.path.join(self.dir, "raw")
        self.statusfile = os.path.join(self.dir, "status")
        for f in (self.pidfile, self.rawfile, self.statusfile):
            if os.path.exists(f):
                os.unlink(f)
        # The shell waits until every byte written to the terminal is
        # captured (the pipe below has created the raw file: the first
        # screen, colours and all, is sent once), records the tty settings,
        # runs stacktop as itself (exec keeps the pid), then records how it
        # ended and the settings after.
        script = (f"i=0; while [ ! -e {self.rawfile} ] && [ $i -lt 1000 ]; do "
                  "sleep 0.01; i=$((i + 1)); done; "
                  f"stty -g > {self.dir}/stty-before; "
                  f"sh -c 'echo $$ > {self.pidfile}; exec {command}'; "
                  f"rc=$?; stty -g > {self.dir}/stty-after; echo $rc > {self.statusfile}; "
                  "sleep 600")
        environment = []
        for key, value in (env or {}).items():
            environment += ["-e", f"{key}={value}"]
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                  *environment, script)
        # Every byte the program writes to the terminal, for byte counts and
        # for what must never reach a terminal raw.
        self.tmux("pipe-pane", "-o", "-t", "t", f"cat >> {self.rawfile}")

    def tmux(self, *args):
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def screen(self):
        text = self.tmux("capture-pane", "-p", "-t", "t")
        return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def show(self, fmt):
        return self.tmux("display-message", "-p", "-t", "t", fmt).strip()

    def wait_for(self, predicate, what, timeout=15):
        """Captures until predicate(lines) holds; fails with the last screen."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.screen()
            if predicate(lines):
                return lines
            if time.monotonic() > deadline:
                fail(f"{what}; the screen was:\n" + "\n".join(lines))
            time.sleep(0.1)

    def pid(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open(self.pidfile) as f:
                    return int(f.read())
            except (OSError, ValueError):
                time.sleep(0.05)
        fail("stacktop did not start in tmux")

    def exit_status(self, timeout=10):
        """The exit status once stacktop has ended, or fail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.statusfile) as f:
                    text = f.read().strip()
                if text:
                    return int(text)
            except OSError:
                pass
            time.sleep(0.05)
        fail("stacktop did not exit; the screen was:\n" + "\n".join(self.screen()))

    def stty(self, which):
        with open(os.path.join(self.dir, f"stty-{which}")) as f:
            return f.read().strip()

    def raw(self):
        try:
            with open(self.rawfile, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def close(self):
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def table(lines):
    """The table rows on a screen: the lines after the column titles up to
    the stack pane's title."""
    rows, inside = [], False
    for line in lines:
        if line.lstrip().startswith("PID "):
            inside = True
            continue
        if inside and line.startswith(" stack of"):
            break
        if inside and line.strip():
            rows.append(line)
    return rows


def stack_pane(lines):
    """The lines of the stack pane, its title first."""
    for i, line in enumerate(lines):
        if line.startswith(" stack of"):
            return lines[i:]
    return []
