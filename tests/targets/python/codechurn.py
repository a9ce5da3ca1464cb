"""A Python process that makes a new function each 40 ms (f_0, f_1, ...,
compiled from source), runs it for those 40 ms, and drops it: code objects
freed and made again, often at the same addresses. Runs unchanged on
CPython 2.7 and 3.6+. Prints "ready PID" first."""
import os
import sys
import time

SOURCE = """def f_%d():
    end = time.time() + 0.04
    while time.time() < end:
        pass
"""

sys.stdout.write("ready %d\n" % os.getpid())
sys.stdout.flush()
n = 0
while True:
    scope = {"time": time}
    exec(compile(SOURCE % n, "generated.py", "exec"), scope)
    scope["f_%d" % n]()
    del scope
    n += 1
