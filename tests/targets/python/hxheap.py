"""A Python heap shaped like a leaking service, for scripts/bench mem's
objgraph section: stacktop mem --python-types and --python-refs read it from
outside, and the same process runs objgraph on itself when told to, so that
both tools measure one heap. Needs objgraph (Debian's python3-objgraph).

  hxheap.py N   about N objects the collector tracks: N/4 HxConn instances
                (each with a list of its own), kept in lists of POOL in the
                module's REGISTRY dict, never removed (the leak), and N/4
                cache entries (a dict holding a list each) that are live, not
                garbage. Prints "ready PID", then waits.

Told by a signal, it runs objgraph on itself in the main thread (holding the
GIL, as a debugging hook in a service would) and prints one line:

  SIGUSR1  objgraph.find_backref_chain(an HxConn, objgraph.is_proper_module)
           -> "backref_chain MS LENGTH" (LENGTH 1: no module reaches it)
  SIGUSR2  objgraph.most_common_types() -> "most_common_types MS TOPNAME"

MS is the wall time of that call alone, in milliseconds."""
import os
import signal
import sys
import time

import objgraph

REGISTRY = {}
CACHE = []
POOL = 100  # connections a tenant's list holds


class HxConn(object):
    def __init__(self, fd):
        self.fd = fd
        self.peer = "10.0.%d.%d" % (fd // 256 % 256, fd % 256)
        self.buf = b"x" * 64
        self.opened = time.time()
        self.pending = []  # tracked: a second object per connection


def build(n):
    conns = n // 4
    for fd in range(conns):
        REGISTRY.setdefault("tenant-%d" % (fd // POOL), []).append(HxConn(fd))
    for i in range(n // 4):
        # A dict holding a list is tracked (one of atomic values alone would
        # not be): two live objects an entry, none of them garbage.
        CACHE.append({"key": "route-%d" % i, "hits": i, "tags": ["a", "b"]})


def some_conn():
    """An HxConn in the middle of the registry: the chain to it is
    module -> its dict -> REGISTRY -> a tenant's list -> it."""
    pool = REGISTRY["tenant-%d" % (len(REGISTRY) // 2)]
    return pool[len(pool) // 2]


def report(name, start, what):
    sys.stdout.write("%s %.3f %s\n" % (name, (time.perf_counter() - start) * 1e3, what))
    sys.stdout.flush()


def on_backref_chain(signum, frame):
    conn = some_conn()
    start = time.perf_counter()
    chain = objgraph.find_backref_chain(conn, objgraph.is_proper_module)
    report("backref_chain", start, len(chain))


def on_most_common_types(signum, frame):
    start = time.perf_counter()
    top = objgraph.most_common_types()
    report("most_common_types", start, top[0][0] if top else "-")


def main():
    build(int(sys.argv[1]))
    signal.signal(signal.SIGUSR1, on_backref_chain)
    signal.signal(signal.SIGUSR2, on_most_common_types)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
