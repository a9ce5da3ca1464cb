"""A thread of a subinterpreter, for thread names read from each
interpreter's own threading module. CPython 3.14+ (concurrent.interpreters).

The main interpreter starts a subinterpreter, and in it a thread named
"sub-worker" that sleeps in sub_leaf(); the main thread sleeps in
main_leaf(). Prints "ready PID" once the sub-worker runs."""
import os
import sys
import tempfile
import time
from concurrent import interpreters

SUB = """
import threading, time

def sub_leaf():
    while True:
        time.sleep(0.05)

def sub_main():
    open(%r, "w").close()
    sub_leaf()

threading.Thread(target=sub_main, name="sub-worker").start()
"""


def main_leaf():
    while True:
        time.sleep(1)


def main():
    marker = os.path.join(tempfile.mkdtemp(), "sub-worker-runs")
    interp = interpreters.create()
    interp.exec(SUB % marker)
    while not os.path.exists(marker):
        time.sleep(0.01)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    main_leaf()


main()
