"""austin 1.0.1 (Debian bookworm's), the peer of the python-installed
section: how to get a snapshot out of a sampler that has no one-shot mode,
how to stop it, and how to read its output."""
import collections
import os
import pty
import select
import signal
import subprocess
import time

from .common import ENV, BenchError
from .procs import reap

AUSTIN_SNAPSHOT_S = 2.0  # austin's first snapshot: give up after this


def parse(line):
    """One line of austin 1.0.1's output, `Thread ID;func (file);L12;...
    METRIC`: (thread id, [frame names], [lines], metric in µs) or None. Its
    frames run root first; the metric is the time since that thread's last
    sample."""
    head, _, metric = line.strip().rpartition(" ")
    parts = head.split(";")
    if not parts[0].startswith("Thread ") or not metric.isdigit():
        return None
    names, lines = parts[1::2], []
    for text in parts[2::2]:
        lines.append(int(text[1:]) if text[:1] == "L" and text[1:].isdigit()
                     else None)
    return parts[0][7:], names, lines, int(metric)


def stop(proc):
    """austin 1.0.1 has no duration option: SIGINT ends it (it then writes
    what it has and its statistics); kill it if that does not work. Returns
    its rusage (BenchError if it had to be killed)."""
    if proc.returncode is None:
        # Not proc.send_signal: it may reap austin, and its rusage with it.
        os.kill(proc.pid, signal.SIGINT)
    return reap(proc, 5)


def snapshot(pid, nthreads):
    """austin's equivalent of a dump: start it with a 1 s interval (its first
    sample is taken at once) and stop it when a line for each of the target's
    nthreads threads has arrived. Its stdout is a pty, so that it writes every
    line when it has it. Returns (wall s until the snapshot was complete or
    None if it was not within AUSTIN_SNAPSHOT_S, {thread: (names, lines)},
    what it printed first)."""
    master, slave = pty.openpty()
    start = time.monotonic()
    try:
        proc = subprocess.Popen(["austin", "-p", str(pid), "-i", "1000000"],
                                stdin=subprocess.DEVNULL, stdout=slave,
                                stderr=subprocess.DEVNULL, env=ENV)
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    seen, buf, first, wall = {}, b"", None, None
    try:
        deadline = start + AUSTIN_SNAPSHOT_S
        while len(seen) < nthreads:
            left = deadline - time.monotonic()
            ready = select.select([master], [], [], left)[0] if left > 0 else []
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: austin has gone
                break
            if not data:
                break
            buf += data
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                text = raw.decode(errors="replace").strip()
                if first is None and text:
                    first = text
                parsed = parse(text)
                if parsed:
                    seen[parsed[0]] = (parsed[1], parsed[2])
        if len(seen) >= nthreads:
            wall = time.monotonic() - start
    finally:
        try:
            stop(proc)
        except BenchError:
            pass  # killed
        finally:
            os.close(master)
    return wall, seen, first


def profile(path):
    """(busy-thread samples per second of austin's own sampling time, its
    busy-thread leaves as [(function, line)]); the busy thread is the one
    whose stacks run busy()."""
    by_thread = collections.defaultdict(list)
    with open(path, errors="replace") as f:
        for line in f:
            parsed = parse(line)
            if parsed:
                by_thread[parsed[0]].append(parsed[1:])
    busy = [t for t, ss in by_thread.items()
            if any(any(n.startswith("busy ") for n in names)
                   for names, _, _ in ss)]
    if not busy:
        return None, []
    samples = by_thread[busy[0]]
    seconds = sum(metric for _, _, metric in samples) / 1e6
    leaves = [(names[-1].split(" (")[0] if names else None,
               lines[-1] if lines else None) for names, lines, _ in samples]
    return (len(samples) / seconds if seconds > 0 else None), leaves
