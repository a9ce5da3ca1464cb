"""What the Python targets share: OS names for their threads, and the
"ready PID" line their tests wait for. Runs on CPython 2.7 and 3.6+."""
import ctypes
import ctypes.util
import os
import sys
import threading
import time

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_PR_SET_NAME = 15


def name_this_thread(name):
    """Names the calling thread for the OS (/proc/PID/task/TID/comm), as a
    service's native threads are: the name stacktop shows beside the
    threading module's."""
    _libc.prctl(_PR_SET_NAME, ctypes.c_char_p(name.encode()), 0, 0, 0)


def down(level, leaf):
    """Calls itself level more times, then leaf() (which never returns): a
    stack of known depth."""
    if level == 0:
        leaf()
    down(level - 1, leaf)


def start(name, depth, leaf):
    """A thread's body: named name, depth calls of down, then leaf."""
    name_this_thread(name)
    down(depth - 1, leaf)


def start_daemons(*targets):
    """Starts a daemon thread for each (function, args) given."""
    for target, args in targets:
        t = threading.Thread(target=target, args=args)
        t.daemon = True
        t.start()


def ready_when(condition, period=1.0):
    """Waits until condition() holds, prints "ready PID", then keeps the main
    thread asleep in time.sleep(period) for good."""
    while not condition():
        time.sleep(0.01)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    while True:
        time.sleep(period)
