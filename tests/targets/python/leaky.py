"""A Python process that leaks, for stacktop mem --python-types's growth.
Runs unchanged on CPython 2.7 and 3.6+.

  leaky.py [RATE]   RATE (default 2000) HxConn instances a second are made
                    and kept in the module's REGISTRY, never removed (the
                    leak); as many Decoy instances are made and dropped at
                    once (churn that does not grow). Prints "ready PID",
                    then leaks on until killed.

The rate is kept against the clock: after a pause (a stop, a busy CPU) the
loop catches up, so that at any moment about RATE x seconds since "ready"
HxConn instances exist. HxConn has __slots__ (no __dict__ per instance: no
dict grows with it) and holds a 512-byte buffer, so that RssAnon grows
about 1 MiB a second at the default rate."""
import os
import sys
import time

REGISTRY = {}
BATCH = 20  # objects made per step


class HxConn(object):
    __slots__ = ("fd", "peer", "buf")

    def __init__(self, fd):
        self.fd = fd
        self.peer = "10.0.%d.%d" % (fd // 256 % 256, fd % 256)
        self.buf = b"x" * 512 + str(fd).encode()


class Decoy(object):
    __slots__ = ("fd", "other")

    def __init__(self, fd):
        self.fd = fd
        self.other = None


def main():
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 2000.0
    made = 0
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    start = time.time()
    while True:
        due = int((time.time() - start) * rate)
        while made < due:
            for _ in range(min(BATCH, due - made)):
                REGISTRY[made] = HxConn(made)  # forgotten: never removed
                made += 1
            decoys = [Decoy(i) for i in range(BATCH)]
            del decoys
        time.sleep(0.005)


if __name__ == "__main__":
    main()
