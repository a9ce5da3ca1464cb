"""What every integration test shares: the built binary, the target programs,
and a way to fail or skip that says why.

Tests run the real binary against real processes; nothing here mocks /proc."""

import atexit
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
import pythons  # noqa: E402  (scripts/pythons.py: where the interpreters are)
import time

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


# The tests' Debian sid root (scripts/test-pythons makes it) and where its
# interpreters are inside it.
SID_ROOT = pythons.sid_root()
SID_PYTHONS = {
    "sid-3.13": "/usr/bin/python3.13",
    "sid-3.14": "/usr/bin/python3.14",
    "sid-3.15": "/usr/bin/python3.15",
    "sid-3.13t": "/opt/python3.13t/bin/python3.13t",  # free-threaded, built from source
}
PYTHON_TARGETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "targets",
                              "python")


class Python:
    """An interpreter to start targets on: one of this machine (root None),
    or one inside a root file system (path is then its path in there),
    which runs in a container of its own: new PID and mount namespaces,
    that root as /. version is "3.11"; free_threaded is True for a build
    without the GIL (3.13t)."""

    def __init__(self, want, path, root=None):
        self.want = want
        self.path = path
        self.root = root
        probe = ("import sys; print('%d.%d %d' % (sys.version_info[:2] + "
                 "(int('t' in getattr(sys, 'abiflags', '')),)))")
        done = subprocess.run(self.command("-c", probe), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0 and root is not None and "unshare" in done.stderr:
            skip(f"cannot start a container for {want} here: {done.stderr.strip()}")
        check(done.returncode == 0, f"{self}: exited {done.returncode}: {done.stderr}")
        self.version, threaded = done.stdout.split()
        self.free_threaded = threaded == "1"

    def __str__(self):
        return f"{self.root}:{self.path}" if self.root else self.path

    def command(self, *args):
        """The command that runs the interpreter with args."""
        if self.root is None:
            return [self.path, *map(str, args)]
        return ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                "--root=" + self.root, self.path, *map(str, args)]

    def script(self, name):
        """The path of tests/targets/python/NAME as this interpreter sees
        it: for a container, a copy in a temporary directory of its root
        (with the other targets, which a script may import), removed when
        the test ends."""
        if self.root is None:
            return os.path.join(PYTHON_TARGETS, name)
        return os.path.join(_container_targets(self.root), name)


_copies = {}


def _container_targets(root):
    """The directory in root that holds a copy of tests/targets/python, as
    seen from inside root."""
    if root not in _copies:
        host = tempfile.mkdtemp(prefix="stacktop-test-", dir=os.path.join(root, "tmp"))
        atexit.register(shutil.rmtree, host, True)
        # Killed for a timeout, the test still removes the copy.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        for name in os.listdir(PYTHON_TARGETS):
            if name.endswith(".py"):
                shutil.copy(os.path.join(PYTHON_TARGETS, name), host)
        os.chmod(host, 0o755)
        _copies[root] = "/" + os.path.relpath(host, root)
    return _copies[root]


def python_interpreter(want):
    """The interpreter for want: "3.11" (pyenv's: `pyenv root`, else
    ~/.pyenv), "system" (/usr/bin/python3), or "sid-3.13", "sid-3.14",
    "sid-3.15", "sid-3.13t" (free-threaded) in the Debian sid root that
    scripts/test-pythons makes, run in a container. A Python whose version
    is not want's; a skip that names what is missing when there is none."""
    if want == "system":
        if os.path.exists("/usr/bin/python3"):
            return Python(want, "/usr/bin/python3")
        skip("no /usr/bin/python3 on this machine")
    if want in SID_PYTHONS:
        path = SID_PYTHONS[want]
        if not os.path.isdir(SID_ROOT):
            skip(f"no Debian sid root at {SID_ROOT} for {want}: scripts/test-pythons makes it")
        if not os.path.exists(SID_ROOT + path):
            skip(f"no {path} in the sid root {SID_ROOT} for {want}: scripts/test-pythons "
                 f"puts it there")
        python = Python(want, path, SID_ROOT)
    else:
        # bin/python: the process is named "python", as the tests expect.
        found = [path for name, path in pythons.pyenv_pythons(("python",))
                 if name.startswith(want + ".")]
        if not found:
            skip(f"CPython {want} is not installed (looked in {pythons.pyenv_root()}/versions)")
        python = Python(want, found[-1])
    wanted = want.split("-")[-1].rstrip("t")
    if python.version != wanted or python.free_threaded != want.endswith("t"):
        fail(f"{python} is {python.version}{'t' if python.free_threaded else ''}, not {want}")
    return python


def start_target(name, *args, timeout=10, user=None):
    """Starts tests/targets/NAME (as user, when given) and waits for its
    "ready PID" line. The target dies with us (PR_SET_PDEATHSIG) and at
    exit()."""
    cmd = [os.path.join(TARGETS, name), *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", "--regid=65534", "--clear-groups", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    _children.append(proc)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline().decode() if ready else ""
    if not line.startswith("ready "):
        fail(f"target {name} did not start (got {line!r})")
    return proc


def _die_with_us():
    """In the child, before exec: SIGKILL when the test dies (for unshare,
    --kill-child passes it on to the container)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Target:
    """A started Python target. pid is its interpreter's id in our PID
    namespace (what stacktop is given), also in a container, where unshare
    is its parent; script is its script's path as the interpreter was given
    it. stdout, poll(), wait() and kill() behave as Popen's; kill() ends the
    whole container."""

    def __init__(self, proc, pid, script):
        self.proc = proc
        self.pid = pid
        self.script = script
        self.stdout = proc.stdout

    @property
    def returncode(self):
        return self.proc.returncode

    def poll(self):
        return self.proc.poll()

    def wait(self, timeout=None):
        return self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is not None:
            return
        if self.pid != self.proc.pid:
            # PID 1 of its namespace: the kernel kills the rest with it.
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.kill()


def _child_of(proc, timeout=5):
    """The id of unshare's child (the interpreter), in our namespace."""
    for _ in range(int(timeout * 100)):
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                children = f.read().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        check(proc.poll() is None, f"unshare exited {proc.returncode}")
        time.sleep(0.01)
    fail(f"unshare ({proc.pid}) started no interpreter")


def start_python(python, script, *args, timeout=30):
    """Starts tests/targets/python/SCRIPT on python (a Python) and waits
    for its "ready PID" line; returns a Target, killed like the other
    targets."""
    path = python.script(script)
    proc = subprocess.Popen(python.command(path, *args), stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_us)
    target = Target(proc, proc.pid, path)
    _children.append(target)
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline().decode() if ready else ""
    check(line.startswith("ready "), f"{python} {script} did not start: {line!r}")
    if python.root is not None:
        target.pid = _child_of(proc)
    return target


def check_running(pid):
    """No thread of pid is left stopped (t: traced, T: stopped)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        check(state not in ("t", "T"), f"thread {tid} of {pid} left in state {state}")


def stop_targets():
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stacktop(*args, timeout=120, user=None, env=None):
    """Runs the binary (with env added to the environment); returns (exit
    code, stdout bytes, stderr text)."""
    cmd = [STACKTOP, *map(str, args)]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", "--regid=65534", "--clear-groups", *cmd]
    # COLUMNS, from the shell that runs the tests, would cut the report's
    # lines: only a test that means to sets it.
    base = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env={**base, **(env or {})})
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


def process_cpu_ticks(pid):
    """utime + stime of every thread of pid together (clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_ticks(pid, name):
    """utime + stime of the thread of pid named name (clock ticks)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            stat = f.read()
        if stat.split("(", 1)[1].rsplit(")", 1)[0] == name:
            fields = stat.rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
    return 0
