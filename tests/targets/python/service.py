"""A Python service with many threads, few of them busy: SLEEPERS threads
(argv[1], 196 by default) parked DEPTH frames deep (argv[3], 30) in
time.sleep, and BUSY threads (argv[2], 4) computing DEPTH frames deep.
Runs unchanged on CPython 2.7 and 3.6+.

Threads (OS names set with prctl): py-park-N (park() at the bottom, in
time.sleep), py-work-N (work() at the bottom, a busy loop), main asleep.
Prints "ready PID" once all are at the bottom."""
import sys
import threading
import time

from target_threads import ready_when, start, start_daemons

SLEEPERS = int(sys.argv[1]) if len(sys.argv) > 1 else 196
BUSY = int(sys.argv[2]) if len(sys.argv) > 2 else 4
DEPTH = int(sys.argv[3]) if len(sys.argv) > 3 else 30
at_bottom = []
# Many threads: a small stack each, as a service's pool would set.
threading.stack_size(1 << 20)


def park():
    at_bottom.append(1)
    while True:
        time.sleep(1)


def work():
    at_bottom.append(1)
    x = 0
    while True:
        x += 1


# With the threading module's frames (3) and start, DEPTH frames a thread.
start_daemons(*([(start, ("py-park-%d" % i, DEPTH - 4, park)) for i in range(SLEEPERS)] +
                [(start, ("py-work-%d" % i, DEPTH - 4, work)) for i in range(BUSY)]))
ready_when(lambda: len(at_bottom) == SLEEPERS + BUSY)
