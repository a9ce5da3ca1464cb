"""Threads known by their threading names alone, for stacktop's tests of
Python thread names. Runs unchanged on CPython 2.7 and 3.6+.

No thread sets its OS name: /proc shows every one as the interpreter
(python3, python3.12, python2.7), and only the target's memory knows them
apart. Threads (argv[1] workers, 20 by default; argv[2] of them busy, 2):
  worker-N     (N < busy) a busy loop in spin(); the others in time.sleep
  lock-holder  holds a threading.RLock in a with block, asleep
  lock-waiter  waits for that RLock
  esc-...      a name with terminal escapes in it (ESC, BEL), asleep
Prints "ready PID" once every thread runs and lock-waiter waits."""
import sys
import threading
import time

from target_threads import ready_when

WORKERS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
BUSY = int(sys.argv[2]) if len(sys.argv) > 2 else 2
HOSTILE = "esc-\x1b]0;pwned\x07-\x1b[2J-name"
rlock = threading.RLock()
held = threading.Event()
started = []


def spin():
    started.append(1)
    x = 0
    while True:
        x += 1


def sleep():
    started.append(1)
    while True:
        time.sleep(1)


def holder():
    with rlock:
        held.set()
        sleep()


def waiter():
    held.wait()
    started.append(1)
    with rlock:
        pass


def start(name, target):
    t = threading.Thread(target=target, name=name)
    t.daemon = True
    t.start()


for i in range(WORKERS):
    start("worker-%d" % i, spin if i < BUSY else sleep)
start("lock-holder", holder)
start("lock-waiter", waiter)
start(HOSTILE, sleep)
# lock-waiter appends before it blocks: give it a moment to get there.
ready_when(lambda: len(started) == WORKERS + 3 and time.sleep(0.2) is None)
