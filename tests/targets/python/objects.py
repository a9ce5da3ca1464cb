"""A Python process holding many objects of one uniquely named class, for
stacktop mem --python-types. Runs unchanged on CPython 2.7 and 3.6+.

  objects.py N            N instances of StacktopLeakyWidget (each with a
                          __dict__ holding a reference: tracked by the
                          collector), then prints "ready PID" and sleeps.
  objects.py N --churn    the same, plus a thread that allocates and drops
                          tracked objects (lists, dicts, cycles) in a loop,
                          so that the lists change while stacktop reads them.
  objects.py N --freeze   the same, then gc.freeze() (3.7+): the instances
                          move to the permanent generation.
  objects.py N --garbage  the same, plus 3 cycles whose objects have __del__,
                          left in gc.garbage by gc.collect() (DEBUG_SAVEALL,
                          so that it works on 3.4+ too).
Always also 300 and 200 instances of two classes both named StacktopTwin,
defined in modules stacktop_twin_a and stacktop_twin_b."""
import gc
import os
import sys
import threading
import time
import types


TWINS = {"stacktop_twin_a": 300, "stacktop_twin_b": 200}


class StacktopLeakyWidget(object):
    def __init__(self, ref):
        self.ref = ref


def churn():
    junk = []
    while True:
        for i in range(1000):
            a = [i, {}]
            a.append(a)  # a cycle: only the collector frees it
            junk.append(a)
        del junk[:]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    flags = sys.argv[2:]
    shared = object()
    keep = [StacktopLeakyWidget(shared) for _ in range(n)]
    # Two classes of one name in two modules: TWINS[module] instances each.
    for module, count in TWINS.items():
        m = types.ModuleType(module)
        exec("class StacktopTwin(object):\n    pass\n", m.__dict__)
        keep.extend(m.StacktopTwin() for _ in range(count))
    if "--garbage" in flags:
        gc.set_debug(gc.DEBUG_SAVEALL)
        for _ in range(3):
            a = []
            a.append(a)
            del a
        gc.collect()
        gc.set_debug(0)
    if "--freeze" in flags and hasattr(gc, "freeze"):
        gc.freeze()
    if "--churn" in flags:
        t = threading.Thread(target=churn)
        t.daemon = True
        t.start()
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    while True:
        time.sleep(1)
    return keep


if __name__ == "__main__":
    main()
