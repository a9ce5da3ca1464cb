"""A Python process with known functions, lines and threads, for stacktop's
tests. Runs unchanged on CPython 2.7 and 3.6+.

Threads (their OS names set with prctl, so /proc shows them):
  py-spinner  spin_middle() -> spin_leaf(), a busy loop
  py-sleeper  sleep_leaf(), in time.sleep
  main        idle_main(), in time.sleep
The lines tests look for carry a "# line:" marker; the test reads them from
this file. Prints "ready PID" once the threads run."""
import os
import sys
import threading
import time

from target_threads import name_this_thread


def spin_leaf():
    x = 0
    while True: x += 1  # line: spin


def spin_middle():
    spin_leaf()  # line: spin-call


def spinner():
    name_this_thread("py-spinner")
    spin_middle()


def sleep_leaf():
    while True:
        time.sleep(0.2)  # line: sleep


def sleeper():
    name_this_thread("py-sleeper")
    sleep_leaf()


def idle_main():
    while True:
        time.sleep(0.5)  # line: main


def main():
    for target, name in ((spinner, "spinner"), (sleeper, "sleeper")):
        t = threading.Thread(target=target, name=name)
        t.daemon = True
        t.start()
    # Wait until both threads have named themselves.
    for _ in range(200):
        names = set()
        for tid in os.listdir("/proc/self/task"):
            with open("/proc/self/task/%s/comm" % tid) as f:
                names.add(f.read().strip())
        if "py-spinner" in names and "py-sleeper" in names:
            break
        time.sleep(0.01)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    idle_main()


main()
