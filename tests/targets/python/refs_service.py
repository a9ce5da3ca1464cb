"""A service-like Python process that forgets connections, for stacktop mem
--python-refs. Runs unchanged on CPython 2.7 and 3.6+.

  refs_service.py [CONNS]   keeps CONNS (default 3000) HxConn in a module
                            global POOL (a Pool), in its attribute conns, a
                            dict from "peer-N" to a list of them: the chain
                            stacktop must find is
                            __main__.POOL.conns['peer-N'][i]. Makes 40
                            cycles of two Finalized (which define __del__)
                            and drops them: on 2.7 a collection leaves them
                            in gc.garbage; on 3.x the collector is disabled
                            first, so they stay, reached from nothing.
                            Holds 70 Queued in a module global QUEUE, a
                            collections.deque (two blocks), one InSlot in
                            SLOTTED.held (a __slots__ member) and one
                            BoundSelf as the __self__ of the bound method
                            BOUND.
                            Keeps one GenHeld in the local kept of the
                            suspended generator GENS[0] (holder_gen, a
                            module global list), and one FrameHeld in the
                            local kept of the ended frame object FRAMES[0]
                            (frame_keeper's, from sys._getframe()).
                            Keeps one InClosure in the closure of the
                            function CALLBACKS[0], one InDefault as a
                            default of the module function with_default,
                            one InError in the args of the exception
                            ERRORS[0], one InTraceback in the local kept
                            of a frame of the traceback TRACEBACKS[0];
                            on 3.x one InTask as the argument arg of the
                            (never started) coroutine of the asyncio task
                            TASKS[0] and one InNamespace in the attribute
                            held of the types.SimpleNamespace NS.
                            Starts a thread named "holder" whose function
                            hold_forever keeps one HeldByLocal in its local
                            variable kept, and sleeps: nothing else refers
                            to it. Then makes and drops Decoy instances as
                            fast as it can sleep (churn, held by a frame's
                            local only for a moment).

Prints "ready PID", then "counts HxConn=N Finalized=M" as gc.get_objects()
counts them, then churns until killed."""
import collections
import gc
import os
import sys
import threading
import time

CYCLES = 40
PEERS = 50


class HxConn(object):
    __slots__ = ("fd", "peer", "buf")

    def __init__(self, fd):
        self.fd = fd
        self.peer = "peer-%d" % (fd % PEERS)
        self.buf = b"x" * 64


class Decoy(object):
    __slots__ = ("fd", "other")

    def __init__(self, fd):
        self.fd = fd
        self.other = None


class Finalized(object):
    def __init__(self, name):
        self.name = name
        self.partner = None

    def __del__(self):
        pass


class HeldByLocal(object):
    pass


def hold_forever(ready):
    kept = HeldByLocal()
    ready.set()
    while kept is not None:
        time.sleep(1)


class Pool(object):
    def __init__(self):
        self.conns = {}

    def register(self, conn):
        self.conns.setdefault(conn.peer, []).append(conn)


POOL = Pool()


class Queued(object):
    pass


class InSlot(object):
    pass


class SlotHolder(object):
    __slots__ = ("held",)


class BoundSelf(object):
    def method(self):
        pass


QUEUE = collections.deque(Queued() for _ in range(70))
SLOTTED = SlotHolder()
SLOTTED.held = InSlot()
BOUND = BoundSelf().method


class GenHeld(object):
    pass


def holder_gen():
    kept = GenHeld()
    yield kept is not None  # suspended here, kept alive in its frame


GENS = [holder_gen()]
next(GENS[0])


class FrameHeld(object):
    pass


def frame_keeper():
    kept = FrameHeld()
    return kept is not None and sys._getframe()


FRAMES = [frame_keeper()]


class InClosure(object):
    pass


def make_callback():
    held = InClosure()

    def callback():
        return held
    return callback


CALLBACKS = [make_callback()]


class InDefault(object):
    pass


def with_default(x=InDefault()):
    return x


class InError(object):
    pass


def fail_with(obj):
    raise ValueError(obj)


try:
    fail_with(InError())
except ValueError:
    ERRORS = [sys.exc_info()[1]]


class InTraceback(object):
    pass


def fail_holding():
    kept = InTraceback()
    raise KeyError(kept is not None)


try:
    fail_holding()
except KeyError:
    TRACEBACKS = [sys.exc_info()[2]]
if sys.version_info[0] == 2:
    sys.exc_clear()  # 2.7 keeps the last exception: only the globals hold these

if sys.version_info[0] >= 3:
    import types

    class InTask(object):
        pass

    class InNamespace(object):
        pass

    NS = types.SimpleNamespace(held=InNamespace())
    try:
        import asyncio
    except ImportError:  # sid's free-threaded 3.13 has no _socket
        asyncio = None
    if asyncio is not None:
        exec("async def hold_task(arg):\n    await asyncio.sleep(3600)\n")
        LOOP = asyncio.new_event_loop()
        TASKS = [LOOP.create_task(hold_task(InTask()))]  # noqa: F821 (made by exec)


def make_cycles():
    for i in range(CYCLES):
        a, b = Finalized("a%d" % i), Finalized("b%d" % i)
        a.partner, b.partner = b, a
    del a, b


def count(cls):
    return sum(1 for o in gc.get_objects() if type(o) is cls)


def main():
    conns = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    for fd in range(conns):
        POOL.register(HxConn(fd))
    if sys.version_info[0] == 2:
        make_cycles()
        gc.collect()  # the cycles, uncollectable, go to gc.garbage
    else:
        gc.disable()  # nothing collects the cycles
        make_cycles()
    held = threading.Event()
    holder = threading.Thread(target=hold_forever, args=(held,), name="holder")
    holder.daemon = True
    holder.start()
    held.wait()
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.write("counts HxConn=%d Finalized=%d\n" % (count(HxConn), count(Finalized)))
    sys.stdout.flush()
    fd = 0
    while True:
        decoys = [Decoy(fd + i) for i in range(20)]
        fd += len(decoys)
        del decoys
        time.sleep(0.002)


if __name__ == "__main__":
    main()
