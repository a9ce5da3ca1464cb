"""Two threads on CPU, one holding the GIL and one not, for record --mode.
Runs unchanged on CPython 2.7 and 3.6+.

  py-spin   a pure Python loop: holds the GIL whenever it runs
  py-zlib   compresses a buffer again and again: zlib releases the GIL for
            the whole compression, so this thread is on a CPU mostly
            without it
The main thread sleeps. Prints "ready PID" once both run. An interpreter
built without zlib (the tests' free-threaded one: no GIL to release) has
py-zlib loop in Python instead."""
import os

from target_threads import name_this_thread, ready_when, start_daemons

try:
    import zlib
except ImportError:
    zlib = None

started = []


def spin_leaf():
    n = 0
    while True:
        n += 1


def spin():
    name_this_thread("py-spin")
    started.append("spin")
    spin_leaf()


def compress_loop():
    name_this_thread("py-zlib")
    data = os.urandom(1 << 20) * 4
    started.append("zlib")
    while zlib is None:
        pass
    while True:
        zlib.compress(data, 6)


start_daemons((spin, ()), (compress_loop, ()))
ready_when(lambda: len(started) == 2)
