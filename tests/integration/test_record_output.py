"""record -o FILE is written whole or not at all: into a hidden temporary
file beside FILE, renamed over it at the end. A killed run leaves the old
file (or none); a run that fails leaves the old file; a run ended by Ctrl-C
writes its profile; a new file gets the umask's mode, an existing one keeps
its own; -o /dev/null is written in place."""

import os
import signal
import subprocess
import tempfile
import time

from harness import STACKTOP, check, run, stacktop, start_target

OLD = b"old profile 1\n"


def others(directory, name):
    return sorted(f for f in os.listdir(directory) if f != name)


def wait_for_temp(directory, name, proc):
    """The temporary file record writes to, once it exists."""
    for _ in range(500):
        temps = [f for f in os.listdir(directory) if f.startswith(f".{name}.")]
        if temps or proc.poll() is not None:
            return temps
        time.sleep(0.01)
    return []


def test():
    target = start_target("threads", "2")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "out.folded")

        # Killed midway: the old file is untouched.
        with open(path, "wb") as f:
            f.write(OLD)
        os.chmod(path, 0o640)
        rec = subprocess.Popen([STACKTOP, "record", "-p", str(target.pid), "-d", "30", "-o",
                                path], stderr=subprocess.PIPE)
        temps = wait_for_temp(d, "out.folded", rec)
        check(len(temps) == 1, f"record -o: no temporary file beside it: {os.listdir(d)}")
        time.sleep(0.3)
        rec.kill()
        rec.wait()
        with open(path, "rb") as f:
            check(f.read() == OLD, "a killed record changed FILE")
        for t in temps:
            os.unlink(os.path.join(d, t))

        # Ended by SIGINT: the profile is complete, and renamed over FILE,
        # which keeps its mode.
        rec = subprocess.Popen([STACKTOP, "record", "-p", str(target.pid), "-d", "30", "-o",
                                path], stderr=subprocess.PIPE)
        wait_for_temp(d, "out.folded", rec)
        time.sleep(0.5)
        rec.send_signal(signal.SIGINT)
        _, err = rec.communicate()
        check(rec.returncode == 0, f"record ended by SIGINT: exit {rec.returncode}: {err!r}")
        with open(path, "rb") as f:
            data = f.read()
        check(data != OLD and data.endswith(b"\n") and b";" in data,
              f"record ended by SIGINT: FILE holds {data[:200]!r}")
        check(os.stat(path).st_mode & 0o777 == 0o640,
              f"FILE's mode became {os.stat(path).st_mode & 0o777:o}")
        check(others(d, "out.folded") == [], f"left behind: {others(d, 'out.folded')}")

        # A run that fails (the target exits before any sample) leaves the
        # old file.
        with open(path, "wb") as f:
            f.write(OLD)
        short = subprocess.Popen(["sleep", "0.05"])
        short.wait()
        code, _, err = stacktop("record", "-p", short.pid, "-d", 0.2, "-o", path)
        check(code == 1, f"record of a gone process: exit {code}: {err!r}")
        with open(path, "rb") as f:
            check(f.read() == OLD, "a failed record changed FILE")
        check(others(d, "out.folded") == [], f"left behind: {others(d, 'out.folded')}")

        # A new file: the umask's mode (the test runs with 022 or stricter).
        new = os.path.join(d, "new.svg")
        old_mask = os.umask(0o027)
        try:
            code, _, err = stacktop("record", "-p", target.pid, "-d", 0.2, "-o", new)
        finally:
            os.umask(old_mask)
        check(code == 0 and os.stat(new).st_mode & 0o777 == 0o640,
              f"new FILE: exit {code}, mode {os.stat(new).st_mode & 0o777:o}: {err!r}")
        with open(new, "rb") as f:
            check(f.read().rstrip().endswith(b"</svg>"), "new FILE is not a whole SVG")

        # A link is followed and stays a link.
        link = os.path.join(d, "link.folded")
        os.symlink("out.folded", link)
        code, _, err = stacktop("record", "-p", target.pid, "-d", 0.2, "-o", link)
        check(code == 0 and os.path.islink(link), f"-o LINK: exit {code}, {err!r}")
        with open(path, "rb") as f:
            check(f.read() != OLD, "-o LINK did not write the file it names")

        # A directory that does not exist: one line, exit 2, nothing made.
        code, _, err = stacktop("record", "-p", target.pid, "-d", 0.2, "-o",
                                os.path.join(d, "no", "x.svg"))
        check(code == 2 and err == f"stacktop record: cannot write {d}/no/x.svg: No such file "
              "or directory\n", f"-o in a missing directory: exit {code}, {err!r}")

    # Not a regular file: written in place (as root, renaming over
    # /dev/null would replace the device).
    code, _, err = stacktop("record", "-p", target.pid, "-d", 0.2, "-o", os.devnull)
    check(code == 0 and os.path.exists(os.devnull) and
          not os.path.isfile(os.devnull), f"-o /dev/null: exit {code}, {err!r}")


run(test)
