"""A Python process holding known numbers of objects whose sizes are not
their type's tp_basicsize, for stacktop mem --python-types: generators,
coroutines and async generators (each carries its frame on 3.11+), lists
with spare capacity, sets and dicts of many sizes, tuples, deques,
OrderedDicts (3.x: 2.7's is written in Python), instances of int and str
subclasses, and instances of two classes both named Conn, defined in
modules stacktop_conn_a and stacktop_conn_b. Runs unchanged on CPython 2.7
and 3.6+ (no coroutines on 2.7, no async generators before 3.6).

  sizes.py      builds them, stops the collector (so that no collection
                changes the lists afterwards), then prints "ready PID" and
                one JSON line: for each type it made, {"count": N,
                "bytes": B} summed with sys.getsizeof over gc.get_objects()
                (what objgraph and stacktop count: the objects the
                collector tracks), keyed by stacktop's row name ("generator",
                "stacktop_conn_a.Conn" ...); then sleeps."""
import collections
import gc
import json
import os
import sys
import time
import types

COUNTS = {"generator": 300, "coroutine": 302, "async_generator": 150,
          "list": 2000, "set": 700, "dict": 900, "tuple": 1200,
          "collections.deque": 400, "collections.OrderedDict": 300,
          "StacktopInt": 500, "StacktopStr": 500}
CONNS = {"stacktop_conn_a": 400, "stacktop_conn_b": 250}

# Coroutines and async generators, in a string so that 2.7 can parse the file.
ASYNC_SOURCE = """
@types.coroutine
def pause():
    yield

async def coro(n):
    a, b, c = [n], {n: n}, (n, n)
    await pause()
    return a, b, c

async def deep_coro(n):
    v0 = v1 = v2 = v3 = v4 = v5 = v6 = v7 = v8 = v9 = n
    await pause()
    return v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9
"""
ASYNC_GEN_SOURCE = """
async def agen(n):
    x = n
    yield x
    await pause()
    yield x + 1
"""


def gen(n):
    a = list(range(n))
    for x in a:
        yield x


def wide_gen(n):
    v0 = v1 = v2 = v3 = v4 = v5 = v6 = v7 = v8 = v9 = v10 = v11 = n
    yield v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11
    yield n


class StacktopInt(type(2 ** 100)):  # 2.7's long, 3's int
    pass


class StacktopStr(str):
    pass


def started(it):
    next(it)
    return it


def build():
    keep = []
    for i in range(COUNTS["generator"]):
        keep.append(started(gen(3)) if i % 3 == 0 else
                    started(wide_gen(i)) if i % 3 == 1 else wide_gen(i))
    ns = {"types": types}
    if sys.version_info >= (3, 5):
        exec(ASYNC_SOURCE, ns)
        for i in range(COUNTS["coroutine"]):
            c = (ns["coro"] if i % 2 else ns["deep_coro"])(i)
            if i % 4 < 2:
                c.send(None)  # suspended at its await, not just created
            keep.append(c)
    if sys.version_info >= (3, 6):
        exec(ASYNC_GEN_SOURCE, ns)
        for i in range(COUNTS["async_generator"]):
            ag = ns["agen"](i)
            if i % 2:
                try:
                    ag.asend(None).send(None)
                except StopIteration:
                    pass  # the first value: ag waits at its yield
            keep.append(ag)
    for i in range(COUNTS["list"]):
        grown = []
        for j in range(i % 97):
            grown.append(j)  # appends leave spare capacity
        grown.append(keep)  # a reference: the list stays tracked
        keep.append(grown)
    for i in range(COUNTS["set"]):
        keep.append(set(range(i % 300)) | set([("t", i)]))
    for i in range(COUNTS["dict"]):
        d = dict(("k%d" % j, j) for j in range(i % 150))
        d[i] = keep
        keep.append(d)
    for i in range(COUNTS["tuple"]):
        keep.append(tuple([keep] * (i % 40 + 1)))
    for i in range(COUNTS["collections.deque"]):
        q = collections.deque(range(i % 300))
        for j in range(i % 70):
            q.appendleft(j)  # leftindex moves: the blocks it spans
        q.append(keep)
        keep.append(q)
    if sys.version_info >= (3,):
        for i in range(COUNTS["collections.OrderedDict"]):
            keep.append(collections.OrderedDict((j, keep) for j in range(i % 60)))
    keep.extend(StacktopInt(7 ** (i % 90)) for i in range(COUNTS["StacktopInt"]))
    keep.extend(StacktopStr("ab\u00e9\u4e2d"[:1 + i % 4] * (i % 50))
                for i in range(COUNTS["StacktopStr"]))
    for module, count in CONNS.items():
        m = types.ModuleType(module)
        exec("class Conn(object):\n"
             "    def __init__(self, n):\n"
             "        self.n = n\n"
             "        self.peer = self\n", m.__dict__)
        keep.extend(m.Conn(i) for i in range(count))
    return keep


def row_name(t):
    """stacktop's row for type t: tp_name, qualified by its module where
    two types share it (the Conn classes)."""
    module = getattr(t, "__module__", "")
    if t.__name__ == "Conn":
        return module + "." + t.__name__
    if module in ("builtins", "__builtin__") or t.__name__.startswith("Stacktop"):
        return t.__name__
    return module + "." + t.__name__


def sums():
    """sys.getsizeof summed per type over the tracked objects, for the
    types this script made."""
    wanted = set(COUNTS) | set(m + ".Conn" for m in CONNS) | set(["frame"])
    if sys.version_info < (3,):
        wanted.discard("collections.OrderedDict")
    out = {}
    for o in gc.get_objects():
        name = row_name(type(o))
        if name in wanted:
            row = out.setdefault(name, {"count": 0, "bytes": 0})
            row["count"] += 1
            row["bytes"] += sys.getsizeof(o)
    return out


def main():
    keep = build()
    gc.collect()
    gc.disable()
    # What is frozen back in sight of gc.get_objects(), as stacktop counts
    # the permanent generation too: 3.12.1 has 375 objects there at startup,
    # and each gc.collect() puts them back.
    if hasattr(gc, "unfreeze"):
        gc.unfreeze()
    result = sums()
    sys.stdout.write("ready %d\n%s\n" % (os.getpid(), json.dumps(result, sort_keys=True)))
    sys.stdout.flush()
    while True:
        time.sleep(1)
    return keep


if __name__ == "__main__":
    main()
