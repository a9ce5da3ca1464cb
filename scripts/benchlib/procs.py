"""Running tools and targets: timing a command, reaping it with its
rusage, and making sure nothing we start outlives the benchmark or leaves
a target stopped."""
import mmap
import os
import select
import subprocess
import tempfile
import time

from .common import ENV, TOOL_TIMEOUT_S, BenchError


def stderr_text(err):
    """What a tool wrote to err (the temporary file its stderr went to),
    decoded and stripped."""
    err.seek(0)
    return err.read().decode(errors="replace").strip()


def exit_error(returncode, text):
    """A tool's failure as a result, not the end of a benchmark: its exit
    code and the last line of its stderr text."""
    return "exit %d: %s" % (returncode, text.splitlines()[-1] if text else "")


def run(argv, rss=False, timeout=None, stdout=subprocess.DEVNULL):
    """Run argv to completion; return (cpu_seconds, maxrss_kib, wall_seconds).

    CPU comes from os.wait4, the rusage of exactly this child. Its ru_maxrss
    is useless, though: subprocess spawns with vfork, and exec keeps the
    parent's peak RSS as a floor (every tool would show Python's ~13 MiB). So
    with rss=True the command runs under GNU time, which forks from a ~1 MiB
    process and reports its child's ru_maxrss (CPU then includes ~0.6 ms of
    time itself; without rss, maxrss is None). A command still running after
    `timeout` seconds is killed (BenchError); so is one whose wait we leave
    for any other reason."""
    with tempfile.NamedTemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as out:
        if rss:
            argv = ["/usr/bin/time", "-f", "%M", "-o", out.name] + argv
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=stdout, stderr=err, env=ENV)
        ru = reap(proc, timeout)
        wall = time.monotonic() - start
        if proc.returncode != 0:
            raise BenchError("%s exited with %d: %s" % (
                " ".join(argv), proc.returncode, stderr_text(err)))
        maxrss = int(out.read().split()[-1]) if rss else None
    return ru.ru_utime + ru.ru_stime, maxrss, wall


def reap(proc, timeout=None):
    """Wait for proc and return its rusage (proc.returncode is set). After
    `timeout` seconds, or on any exception (Ctrl-C), the child is killed: a
    tool must not outlive the benchmark, nor keep a target stopped."""
    try:
        if timeout is not None:
            # A pidfd is readable when the child exits: no polling delay
            # added to the wall time we measure.
            fd = os.pidfd_open(proc.pid)
            try:
                ready, _, _ = select.select([fd], [], [], timeout)
            finally:
                os.close(fd)
            if not ready:
                raise BenchError("%s still running after %g s"
                                 % (" ".join(proc.args), timeout))
        _, status, ru = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped already
    return ru


def kill(proc):
    """Kill and reap a tool we leave early; it must not outlive us."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def timed(argv, out):
    """Run argv with stdout to the file `out`; (wall seconds, error or None)."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, env=ENV)
        reap(proc, TOOL_TIMEOUT_S)
        wall = time.monotonic() - start
        if proc.returncode != 0:
            return wall, "exit %d: %s" % (proc.returncode, stderr_text(err))
    return wall, None


def last_line(text, tmp):
    """The last line of a tool's stderr (its summary), temp paths cut."""
    return text.splitlines()[-1].replace(tmp + "/", "") if text else ""


def cpu_ticks(pid):
    """A process's utime + stime, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def status_kib(pid, key):
    """A kB field of /proc/PID/status (VmRSS, VmHWM), 0 if absent."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Target:
    """A test target, started and waited for; always killed on exit."""

    def __init__(self, argv, timeout=60):
        self.argv, self.timeout, self.proc = argv, timeout, None

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE)
        try:
            line = self._ready_line()
            if not line.startswith(b"ready "):
                raise BenchError("%s did not start: expected 'ready PID', "
                                 "got %r" % (" ".join(self.argv), line))
            self.pid = self.host_pid()
        except BaseException:
            self._kill()
            raise
        return self

    def host_pid(self):
        """The pid to measure: the process we started, unless a subclass
        starts it through a launcher."""
        return self.proc.pid

    def _ready_line(self):
        # select, so that a target that hangs cannot hang the benchmark.
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        if not ready:
            raise BenchError("%s not ready after %d s"
                             % (" ".join(self.argv), self.timeout))
        return self.proc.stdout.readline()

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()

    def __exit__(self, *exc):
        self._kill()

    def status(self, key):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split()[1]
        return "?"


class Hogs:
    """per_cpu busy processes on every CPU, killed on exit."""

    def __init__(self, per_cpu=1):
        self.per_cpu = per_cpu

    def __enter__(self):
        self.procs = [subprocess.Popen(["sh", "-c", "while :; do :; done"])
                      for _ in range(self.per_cpu * len(os.sched_getaffinity(0)))]
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.kill()
            proc.wait()


class MappedTarget(Target):
    """A target that keeps u64 fields in a file we give it (its path goes
    on its command line) and map: reading them wakes no thread of the
    target. make_argv(path) is its command line; mapped() is called once
    the fields are there, for what a subclass reads of them at the start."""

    def __init__(self, prefix, make_argv):
        self.tmp = tempfile.TemporaryDirectory(prefix=prefix)
        self.path = os.path.join(self.tmp.name, "fields")
        super().__init__(make_argv(self.path))
        self.map = self.fields = None

    def __enter__(self):
        try:
            super().__enter__()
            with open(self.path, "r+b") as f:
                self.map = mmap.mmap(f.fileno(), 4096)
            # Native byte order and aligned 8-byte loads and stores, as the
            # targets' relaxed atomics.
            self.fields = memoryview(self.map).cast("Q")
            self.mapped()
        except BaseException:
            self.__exit__()
            raise
        return self

    def mapped(self):
        pass

    def __exit__(self, *exc):
        if self.proc:
            self._kill()
        if self.fields is not None:
            self.fields.release()
        if self.map is not None:
            self.map.close()
        self.tmp.cleanup()
