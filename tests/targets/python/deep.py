"""A Python process whose threads are DEPTH calls deep (argv[1], 1000 by
default) in one recursive function, for stacktop's tests of whole merged
stacks. Runs unchanged on CPython 2.7 and 3.6+.

Threads (their OS names set with prctl, so /proc shows them):
  py-deep-spin   down() DEPTH times, then spin(), a busy loop
  py-deep-sleep  down() DEPTH times, then rest(), in time.sleep
  main           in time.sleep
Prints "ready PID" once both threads are at the bottom."""
import sys
import threading
import time

from target_threads import ready_when, start, start_daemons

DEPTH = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
sys.setrecursionlimit(DEPTH + 500)
# The C stack each level takes before 3.11 (each Python call is a C call
# of the interpreter too) is more than a thread's default 8 MiB allows
# for thousands of levels on some builds: ask for enough.
threading.stack_size(64 << 20)
at_bottom = []


def spin():
    at_bottom.append("spin")
    x = 0
    while True: x += 1


def rest():
    at_bottom.append("rest")
    while True:
        time.sleep(0.2)


start_daemons((start, ("py-deep-spin", DEPTH, spin)), (start, ("py-deep-sleep", DEPTH, rest)))
ready_when(lambda: len(at_bottom) == 2)
