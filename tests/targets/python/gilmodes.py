"""Two threads on CPU, one holding the GIL and one not, for record --mode.
Runs unchanged on CPython 2.7 and 3.6+.

  py-spin   a pure Python loop: holds the GIL whenever it runs
  py-zlib   compresses a buffer again and again: zlib releases the GIL for
            the whole compression, so this thread is on a CPU mostly
            without it
The main thread sleeps. Prints "ready PID" once both run. An interpreter
built without zlib (the tests' free-threaded one: no GIL to release) has
py-zlib loop in Python instead."""
import ctypes
import ctypes.util
import os
import sys
import threading
import time

try:
    import zlib
except ImportError:
    zlib = None

libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
started = []


def name_this_thread(name):
    PR_SET_NAME = 15
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()), 0, 0, 0)


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


def main():
    for target in (spin, compress_loop):
        t = threading.Thread(target=target)
        t.daemon = True
        t.start()
    while len(started) < 2:
        time.sleep(0.01)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    while True:
        time.sleep(1)


main()
