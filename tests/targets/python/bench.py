"""The target of `scripts/bench python`. Runs unchanged on CPython 2.7 and
3.6+.

usage: python bench.py COUNTER_FILE

Threads (their OS names set with prctl, so /proc shows them):
  py-busy   hot() in a loop: a counting loop on one line, the "# line: hot"
            marker, where nearly all of its time goes
  main      idle, in time.sleep
After every call of hot() the busy thread stores the number of calls so far
(one unsigned 64-bit integer, native byte order) at offset 0 of COUNTER_FILE,
which it creates and maps shared: the benchmark reads its throughput from there without
waking any thread of this process.
Prints "ready PID" once the busy thread runs."""
import mmap
import os
import struct
import sys
import threading

from target_threads import name_this_thread, ready_when

# Iterations of the hot line per call of hot(): about 0.5 ms, so the counter
# moves often (a fine-grained rate) while the time spent outside the hot line
# (the call, the return, the store) stays a fraction of a percent.
CHUNK = 10000

def hot(n):
    i = 0
    while i < n: i += 1  # line: hot
    return i


def busy(counter):
    name_this_thread("py-busy")
    calls = 0
    while True:
        hot(CHUNK)
        calls += 1
        counter[0:8] = struct.pack("Q", calls)


def main():
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    os.ftruncate(fd, 4096)
    counter = mmap.mmap(fd, 4096)
    os.close(fd)
    t = threading.Thread(target=busy, args=(counter,), name="busy")
    t.daemon = True
    t.start()
    # Ready once the busy thread has counted once.
    ready_when(lambda: struct.unpack("Q", counter[0:8])[0] > 0)


main()
