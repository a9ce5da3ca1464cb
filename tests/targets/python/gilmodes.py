"""Two threads on CPU, one holding the GIL and one not, for record --mode.
Runs unchanged on CPython 2.7 and 3.6+.

  py-spin   a pure Python loop: holds the GIL whenever it runs
  py-bz2    compresses 4 MB of text again and again: bz2 releases the GIL
            for the whole compression (0.3 s) and takes it back only to
            return 0.7 MB, so this thread is on a CPU almost always without
            it. (zlib on random data was the first choice: it returns as
            much as it takes, and copying that out holds the GIL long
            enough that on a loaded box the thread held it a fifth of the
            time, a true answer that broke the test's premise.)
The main thread sleeps. Prints "ready PID" once both run. An interpreter
built without bz2 (the tests' free-threaded one: no GIL to release) has
py-bz2 loop in Python instead."""

from target_threads import name_this_thread, ready_when, start_daemons

import random

try:
    import bz2
except ImportError:
    bz2 = None

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
    name_this_thread("py-bz2")
    rnd = random.Random(1)
    words = [("%x" % rnd.getrandbits(40)).encode() for _ in range(2000)]
    text = b" ".join(rnd.choice(words) for _ in range(400000))
    started.append("bz2")
    while bz2 is None:
        pass
    while True:
        bz2.compress(text, 9)


start_daemons((spin, ()), (compress_loop, ()))
ready_when(lambda: len(started) == 2)
