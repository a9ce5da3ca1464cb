"""What every integration test shares: the built binary, the target programs,
and a way to fail or skip that says why.

Tests run the real binary against real processes; nothing here mocks /proc."""

import json
import os
import select
import subprocess
import sys

STACKTOP = os.environ["STACKTOP"]
TARGETS = os.environ["TARGETS"]
SKIP = 77  # meson's exit code for a skipped test

_children = []


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def skip(reason):
    print("SKIP: " + reason, flush=True)
    sys.exit(SKIP)


def python_interpreter(want):
    """The interpreter for want ("3.11", or "system" for /usr/bin/python3):
    pyenv's (`pyenv root`, else ~/.pyenv); a skip that names what is missing
    when there is none."""
    import glob
    if want == "system":
        if os.path.exists("/usr/bin/python3"):
            return "/usr/bin/python3"
        skip("no /usr/bin/python3 on this machine")
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        root = ""
    root = root or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", want + ".*", "bin", "python")))
    if not found:
        skip(f"CPython {want} is not installed (looked in {root}/versions)")
    return found[-1]


def start_target(name, *args, timeout=10):
    """Starts tests/targets/NAME and waits for its "ready PID" line.
    The target dies with us (PR_SET_PDEATHSIG) and at exit()."""
    path = os.path.join(TARGETS, name)
    proc = subprocess.Popen([path, *args], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    _children.append(proc)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline().decode() if ready else ""
    if not line.startswith("ready "):
        fail(f"target {name} did not start (got {line!r})")
    return proc


def start_python(python, script, *args, timeout=30):
    """Starts tests/targets/python/SCRIPT on the interpreter python and waits
    for its "ready PID" line; killed like the other targets."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "targets", "python",
                        script)
    proc = subprocess.Popen([python, path, *map(str, args)], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    _children.append(proc)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline().decode() if ready else ""
    check(line.startswith("ready "), f"{python} {script} did not start: {line!r}")
    return proc


def stop_targets():
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stacktop(*args, timeout=120, user=None):
    """Runs the binary; returns (exit code, stdout bytes, stderr text)."""
    cmd = [STACKTOP, *map(str, args)]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", "--regid=65534", "--clear-groups", *cmd]
    done = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr.decode(errors="replace")


def stacktop_json(*args, **kw):
    code, out, err = stacktop(*args, "--json", **kw)
    check(code == 0, f"stacktop {' '.join(map(str, args))} --json exited {code}: {err}")
    try:
        return json.loads(out)
    except ValueError as e:
        fail(f"invalid JSON ({e}): {out[:500]!r}")


def assert_terminal_safe(data, what):
    """Text for a terminal: valid UTF-8, no control bytes but newlines, no C1
    controls, no bidi overrides."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"{what}: not valid UTF-8: {e}")
    for i, ch in enumerate(text):
        cp = ord(ch)
        bad = (cp < 0x20 and ch != "\n") or 0x7F <= cp < 0xA0 or 0x202A <= cp <= 0x202E \
            or 0x2066 <= cp <= 0x2069
        if bad:
            fail(f"{what}: control character U+{cp:04X} at {i}: {text[max(0, i - 40):i + 40]!r}")


def run(test):
    """Runs test() and makes sure no target outlives it."""
    try:
        test()
    finally:
        stop_targets()
    print("PASS", flush=True)
