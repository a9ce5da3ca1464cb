"""Current CPythons from a Debian sid root (scripts/test-pythons makes it)
and their own peers: CPython 3.15's sampler (Tachyon, `python -m
profiling.sampling`) and austin 3.7 (sid's package; CPython <= 3.13). The
targets run inside the root in their own PID and mount namespace; the peers
run in that namespace too (nsenter), where the target is PID 1; stacktop
runs here, on the target's host pid."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from .common import BenchError
from .procs import Target
from .pytargets import PY_TARGET, PY_TARGET_SHARED, PyTarget

SID_ROOT = os.path.join(os.environ.get("STACKTOP_TEST_CACHE")
                        or "/var/cache/stacktop-tests", "sid")
SID_AUSTIN = "/opt/stacktop-bench-austin"  # austin's .deb unpacked, in the root


class SidTarget(PyTarget):
    """bench.py under one of the sid root's interpreters, started as
    `unshare --pid --fork --mount-proc --kill-child --root=SID_ROOT python
    ...`: pid is the interpreter's host pid (the child of unshare); inside
    its namespace it is PID 1. `inner` is its scratch directory as the
    target sees it, `outer` the same directory from here."""

    def __init__(self, python):
        self.scratch(PY_TARGET, PY_TARGET_SHARED)
        self.path = os.path.join(self.outer, "counter")
        Target.__init__(self, [
            "unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
            "--root=" + SID_ROOT, python, self.inner + "/bench.py",
            self.inner + "/counter"])
        self.map = self.fields = None

    def scratch(self, *files):
        """A scratch directory in the root for the target, with files."""
        self.tmp = tempfile.TemporaryDirectory(
            prefix="stacktop-bench-", dir=os.path.join(SID_ROOT, "tmp"))
        os.chmod(self.tmp.name, 0o755)
        self.outer = self.tmp.name
        self.inner = "/tmp/" + os.path.basename(self.outer)
        for path in files:
            shutil.copy(path, self.outer)

    def host_pid(self):
        with open("/proc/%d/task/%d/children" % (self.proc.pid,
                                                 self.proc.pid)) as f:
            kids = f.read().split()
        if len(kids) != 1:
            raise BenchError("unshare %d: expected one child, found %r"
                             % (self.proc.pid, kids))
        return int(kids[0])

    def __enter__(self):
        super().__enter__()
        try:
            # The busy thread's id inside the namespace: what the peers print.
            with open("/proc/%d/task/%d/status"
                      % (self.pid, self.busy_tid)) as f:
                for text in f:
                    if text.startswith("NSpid:"):
                        self.ns_busy_tid = int(text.split()[-1])
        except BaseException:
            self.__exit__()
            raise
        return self

    def _kill(self):
        # The interpreter is PID 1 of its namespace: killing it kills every
        # tool entered there too. unshare --kill-child alone has let it
        # outlive unshare.
        if getattr(self, "pid", None) and self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        super()._kill()

    def inside(self, argv):
        """argv run in the target's namespaces and root, where it is PID 1."""
        return ["nsenter", "-t", str(self.pid), "-a", "-r", "-w"] + argv


def has(python):
    """Whether the sid root has this interpreter (a path inside it)."""
    return os.access(SID_ROOT + python, os.X_OK)


def sid_version(package):
    """A package's version in the sid root, None if it is not there."""
    out = subprocess.run(["chroot", SID_ROOT, "dpkg-query", "-W", "-f",
                          "${Version}", package], capture_output=True,
                         text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def sid_austin():
    """austin in the sid root, as the root sees it, or (None, why not).
    sid's austin 3.7.0-9 depends on python3 (<< 3.14~), which sid (python3
    3.14) cannot satisfy, and apt-get install refuses it; the package is one
    static binary with no use for that python3, so it is fetched with
    `apt-get download` in the root and unpacked to SID_AUSTIN there."""
    exe = SID_AUSTIN + "/usr/bin/austin"
    if os.access(SID_ROOT + exe, os.X_OK):
        return exe, None
    if os.access(SID_ROOT + "/usr/bin/austin", os.X_OK):
        return "/usr/bin/austin", None
    apt = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("bench: installing austin into %s" % SID_ROOT, file=sys.stderr)
    if subprocess.run(["chroot", SID_ROOT, "apt-get", "install", "-y", "-qq",
                       "--no-install-recommends", "austin"], env=apt,
                      stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode == 0 and \
            os.access(SID_ROOT + "/usr/bin/austin", os.X_OK):
        return "/usr/bin/austin", None
    for update in (False, True):
        if update:
            subprocess.run(["chroot", SID_ROOT, "apt-get", "update", "-qq"],
                           env=apt, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        got = subprocess.run(["chroot", SID_ROOT, "sh", "-c",
                              "cd /tmp && apt-get download -qq austin"],
                             env=apt, capture_output=True, text=True)
        if got.returncode == 0:
            break
    else:
        return None, "apt-get download austin failed: %s" % (
            got.stderr.strip().splitlines() or [""])[-1]
    debs = [n for n in os.listdir(SID_ROOT + "/tmp")
            if n.startswith("austin_") and n.endswith(".deb")]
    try:
        subprocess.run(["chroot", SID_ROOT, "dpkg-deb", "-x", "/tmp/" + debs[0],
                        SID_AUSTIN], check=True, capture_output=True)
    except (IndexError, subprocess.CalledProcessError) as e:
        return None, "cannot unpack austin: %s" % e
    finally:
        for n in debs:
            os.unlink(os.path.join(SID_ROOT, "tmp", n))
    return exe, None
