"""threading locks for stacktop locks. Runs unchanged on CPython 2.7 and 3.6+.

Threads (their OS names set with prctl, so /proc shows them):
  py-holder        holds a threading.Lock and a threading.RLock, asleep
  py-lock-wait     waits for the Lock
  py-rlock-wait    waits for the RLock
  py-gil-wait      (with argument "gil") a busy loop
  py-gil-hog       (with argument "gil") the main thread, once ready: sleeps
                   in a C call that keeps the GIL (ctypes.PyDLL), as a C
                   extension that forgets to release it, so that py-gil-wait
                   waits for the GIL for good
  py-rl-a, py-rl-b (with argument "deadlock") each holds one RLock and waits
                   for the other's: a deadlock
  py-busy          (with argument "busy-owner") holds an RLock in a busy
                   loop (never blocked); py-busy-wait waits for it
  py-lk-a, py-lk-b (with argument "abba") each takes one threading.Lock in
                   a `with` block and waits for the other's (a deadlock a
                   Lock's missing owner field hides: its holders are the
                   with blocks), beside py-rk-a, py-rk-b doing the same
                   with RLocks; with argument "abba-acquire" the Locks are
                   taken with acquire() instead (no holder can be known)
  py-churn-N       (with argument "churn") twelve threads that take RLocks
                   N and N + 1 in index order, over and over: no deadlock
                   is possible, while waits and owners change all the time;
                   with argument "churn-lock" the same with threading.Locks
                   (their holders: the with blocks)
Prints "ready PID" once the waiters wait in futex()."""
import ctypes
import ctypes.util
import os
import sys
import threading
import time

libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
SYS_gettid = 186  # x86_64
SYS_futex = 202
tids = {}


def name_this_thread(name):
    PR_SET_NAME = 15
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()), 0, 0, 0)
    tids[name] = libc.syscall(SYS_gettid)


lock = threading.Lock()
rlock = threading.RLock()
held = threading.Event()


def holder():
    name_this_thread("py-holder")
    lock.acquire()
    rlock.acquire()
    held.set()
    while True:
        time.sleep(1000)


def lock_waiter():
    name_this_thread("py-lock-wait")
    held.wait()
    lock.acquire()


def rlock_waiter():
    name_this_thread("py-rlock-wait")
    held.wait()
    rlock.acquire()


rlock_a = threading.RLock()
rlock_b = threading.RLock()
rlock_busy = threading.RLock()
busy_holds = threading.Event()


def busy_holder():
    name_this_thread("py-busy")
    with rlock_busy:
        busy_holds.set()
        while True:
            pass


def busy_waiter():
    name_this_thread("py-busy-wait")
    busy_holds.wait()
    rlock_busy.acquire()
both_hold = threading.Barrier(2) if hasattr(threading, "Barrier") else None


def rlock_abba(name, first, second):
    name_this_thread(name)
    first.acquire()
    both_hold.wait()
    second.acquire()


def pair_abba(name, first, second, mine, theirs, use_with):
    """Takes first, says so (mine), waits until the other thread of the
    pair holds its own (theirs), then takes second: each waits for the
    other for good. Events rather than a Barrier, which 2.7 lacks."""
    name_this_thread(name)
    if use_with:
        with first:
            mine.set()
            theirs.wait()
            with second:
                pass
    else:
        first.acquire()
        mine.set()
        theirs.wait()
        second.acquire()


def abba_threads(use_with):
    lock_a, lock_b = threading.Lock(), threading.Lock()
    rl_a, rl_b = threading.RLock(), threading.RLock()
    lk_a, lk_b, rk_a, rk_b = [threading.Event() for _ in range(4)]
    return [(pair_abba, ("py-lk-a", lock_a, lock_b, lk_a, lk_b, use_with), "lk-a"),
            (pair_abba, ("py-lk-b", lock_b, lock_a, lk_b, lk_a, use_with), "lk-b"),
            (pair_abba, ("py-rk-a", rl_a, rl_b, rk_a, rk_b, True), "rk-a"),
            (pair_abba, ("py-rk-b", rl_b, rl_a, rk_b, rk_a, True), "rk-b")]


churn_locks = [threading.RLock() for _ in range(13)]
if sys.argv[1:] == ["churn-lock"]:
    churn_locks = [threading.Lock() for _ in range(13)]


def churn(name, i):
    """Takes RLocks i and i + 1, always in index order (so no cycle can
    form), works a moment, lets go, again and again: neighbours wait for
    each other all the time, and owners change hands all the time."""
    name_this_thread(name)
    first, second = churn_locks[i], churn_locks[i + 1]
    while True:
        with first:
            with second:
                time.sleep(0.0005)


def spin(name):
    name_this_thread(name)
    x = 0
    while True:
        x += 1


def in_futex(name):
    try:
        with open("/proc/self/task/%d/syscall" % tids[name]) as f:
            return f.read().split()[0] == str(SYS_futex)
    except (KeyError, IOError, OSError):
        return False


def main():
    threads = [(holder, (), "holder"), (lock_waiter, (), "lock-waiter"),
               (rlock_waiter, (), "rlock-waiter")]
    gil = sys.argv[1:] == ["gil"]
    deadlock = sys.argv[1:] == ["deadlock"]
    busy = sys.argv[1:] == ["busy-owner"]
    if sys.argv[1:] in (["churn"], ["churn-lock"]):
        threads += [(churn, ("py-churn-%d" % i, i), "churn-%d" % i) for i in range(12)]
    if gil:
        threads += [(spin, ("py-gil-wait",), "gil-waiter")]
    abba = sys.argv[1:] in (["abba"], ["abba-acquire"])
    if abba:
        threads += abba_threads(sys.argv[1:] == ["abba"])
    if deadlock:
        threads += [(rlock_abba, ("py-rl-a", rlock_a, rlock_b), "rl-a"),
                    (rlock_abba, ("py-rl-b", rlock_b, rlock_a), "rl-b")]
    if busy:
        threads += [(busy_holder, (), "busy-holder"), (busy_waiter, (), "busy-waiter")]
    for target, target_args, name in threads:
        t = threading.Thread(target=target, args=target_args, name=name)
        t.daemon = True
        t.start()
    for _ in range(1000):
        named = "py-gil-wait" in tids or not gil
        stuck = not deadlock or (in_futex("py-rl-a") and in_futex("py-rl-b"))
        stuck = stuck and (not busy or in_futex("py-busy-wait"))
        stuck = stuck and (not abba or all(in_futex("py-%s-%s" % (k, s))
                                           for k in ("lk", "rk") for s in "ab"))
        if named and stuck and in_futex("py-lock-wait") and in_futex("py-rlock-wait"):
            break
        time.sleep(0.01)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    if gil:
        name_this_thread("py-gil-hog")
        # PyDLL calls keep the GIL, where CDLL calls release it.
        ctypes.PyDLL(ctypes.util.find_library("c") or "libc.so.6").sleep(1000)
    while True:
        time.sleep(0.5)


main()
