"""locks of a CPython process, for one interpreter (argv[1]: "3.11", "system"
for /usr/bin/python3, or "sid-3.14" for one of the Debian sid root, run in a
container): a thread waiting for a threading.Lock
another holds is reported as a Python lock of unknown owner (taken with acquire()), one
waiting for an RLock as an RLock held by its owner (2.7, where RLock is
written in Python: an RLock whose holder only a with block tells), with their threading names; two
threads each holding the RLock the other wants are a deadlock (3.x); an
RLock's owner in a busy loop is named by its threading name (3.x); a busy
thread waits for the GIL that the main thread keeps while it sleeps in a C
call; two threads deadlocked ABBA on threading.Locks taken in with blocks
are a deadlock (their holders: the with blocks), and the same taken with
acquire() are not (owners unknown) (a free-threaded build: said to be one, and nothing waits for a GIL)."""

import os
import sys

from harness import check, python_interpreter, run, stacktop, stacktop_json, start_python

WANT = sys.argv[1]


def tids_by_name(pid):
    return {open(f"/proc/{pid}/task/{tid}/comm").read().strip(): int(tid)
            for tid in os.listdir(f"/proc/{pid}/task")}


def check_locks(python):
    proc = start_python(python, "locks.py")
    doc = stacktop_json("locks", "-p", proc.pid)
    check(doc["python"] is not None, f"not seen as Python: {doc['python']}")
    waits = {w["name"]: w for w in doc["waits"]}
    lock = waits.get("py-lock-wait")
    check(lock is not None, f"no wait for py-lock-wait: {sorted(waits)}")
    check(lock["kind"] == "mutex" and lock["detail"] == "python-lock" and
          lock["owner_tid"] is None, f"py-lock-wait: {lock}")
    check(lock["python_thread_name"] == "lock-waiter", f"{lock['python_thread_name']}")
    rlock = waits.get("py-rlock-wait")
    check(rlock is not None and rlock["kind"] == "mutex" and
          rlock["detail"] in ("python-rlock", "python-lock"), f"py-rlock-wait: {rlock}")
    if WANT == "2.7":
        # A Python class there, seen from its acquire() frame; its owner is
        # known from with blocks only, and py-holder used acquire().
        check(rlock["detail"] == "python-rlock" and rlock["owner_tid"] is None,
              f"2.7 RLock wait: {rlock}")
    elif rlock["detail"] == "python-rlock":  # 3.x: the owner, from the RLock object
        holder = tids_by_name(proc.pid)["py-holder"]
        check(rlock["owner_tid"] == holder, f"RLock owner {rlock['owner_tid']}, not {holder}")
    check(doc["deadlocks"] == [], f"deadlocks {doc['deadlocks']}")
    code, out, err = stacktop("locks", "-p", proc.pid)
    check(code == 0 and "threading.Lock" in out.decode(), f"text: {code} {out} {err}")
    proc.kill()


def check_rlock_deadlock(python):
    """Two threads, each holding the RLock the other wants (3.x, whose RLock
    records its owner): one deadlock of exactly those two."""
    proc = start_python(python, "locks.py", "deadlock")
    tids = tids_by_name(proc.pid)
    doc = stacktop_json("locks", "-p", proc.pid)
    want = sorted([tids["py-rl-a"], tids["py-rl-b"]])
    check([sorted(d["tids"]) for d in doc["deadlocks"]] == [want],
          f"deadlocks {doc['deadlocks']}, want one of {want}")
    code, out, err = stacktop("locks", "-p", proc.pid)
    check(code == 0 and "Found one deadlock" in out.decode(), f"text: {code} {out} {err}")
    proc.kill()


def check_busy_owner(python):
    """An RLock's owner never blocked (in a busy loop: its stack is not
    taken, 3.x, whose RLock records its owner) is named by its threading
    name all the same, in JSON and text."""
    proc = start_python(python, "locks.py", "busy-owner")
    tids = tids_by_name(proc.pid)
    doc = stacktop_json("locks", "-p", proc.pid)
    busy = [w for w in doc["waits"] if w["name"] == "py-busy-wait"]
    check(len(busy) == 1 and busy[0]["owner_tid"] == tids["py-busy"] and
          busy[0]["owner_python_thread_name"] == "busy-holder", f"py-busy-wait: {busy}")
    code, out, err = stacktop("locks", "-p", proc.pid)
    check(code == 0 and "busy-holder (py-busy)" in out.decode(),
          f"text: the busy owner's name: {code} {out} {err}")
    proc.kill()


def check_lock_abba(python):
    """Two threads deadlocked ABBA on plain threading.Locks taken in `with`
    blocks, beside two deadlocked ABBA on RLocks: two deadlocks, each of its
    own pair. A Lock has no owner field: its holder is the thread inside a
    with block on it; so is the holder of 2.7's RLock (a Python class, whose
    waiter is seen in its acquire() frame)."""
    proc = start_python(python, "locks.py", "abba")
    tids = tids_by_name(proc.pid)
    doc = stacktop_json("locks", "-p", proc.pid)
    want = [sorted([tids["py-lk-a"], tids["py-lk-b"]]),
            sorted([tids["py-rk-a"], tids["py-rk-b"]])]
    got = sorted(sorted(d["tids"]) for d in doc["deadlocks"])
    check(got == sorted(want), f"deadlocks {got}, want {sorted(want)}")
    waits = {w["name"]: w for w in doc["waits"]}
    for me, other, detail in (("py-lk-a", "py-lk-b", "python-lock"),
                              ("py-lk-b", "py-lk-a", "python-lock"),
                              ("py-rk-a", "py-rk-b", "python-rlock"),
                              ("py-rk-b", "py-rk-a", "python-rlock")):
        w = waits.get(me)
        check(w is not None and w["detail"] == detail and
              w["owner_tid"] == tids[other], f"{me}: {w}, want held by {tids[other]}")
    code, out, err = stacktop("locks", "-p", proc.pid)
    text = out.decode()
    check(code == 0 and text.count("Found one deadlock") == len(want), f"text: {code} {text}")
    check("py-lk-a" in text and "py-lk-b" in text and "in pair_abba" in text,
          f"the deadlock's threads and function not named: {text}")
    proc.kill()


def check_lock_acquire(python):
    """The same Lock pair taken with acquire(): nothing says who holds
    them, so their owners are unknown and no cycle is claimed for them."""
    proc = start_python(python, "locks.py", "abba-acquire")
    tids = tids_by_name(proc.pid)
    doc = stacktop_json("locks", "-p", proc.pid)
    pair = {tids["py-lk-a"], tids["py-lk-b"]}
    waits = {w["name"]: w for w in doc["waits"]}
    for me in ("py-lk-a", "py-lk-b"):
        w = waits.get(me)
        check(w is not None and w["detail"] == "python-lock" and w["owner_tid"] is None,
              f"{me}: {w}, want a Lock wait of unknown owner")
    check(not any(pair & set(d["tids"]) for d in doc["deadlocks"]),
          f"a cycle claimed for Locks taken with acquire(): {doc['deadlocks']}")
    proc.kill()


def check_no_gil(python):
    """On a free-threaded build, the main thread sleeping in a C call that
    would keep the GIL keeps none: the busy thread waits for nothing, and
    the build is said to be free-threaded."""
    proc = start_python(python, "locks.py", "gil")
    doc = stacktop_json("locks", "-p", proc.pid)
    check(doc["python"] is not None and doc["python"].get("free_threaded") is True,
          f"free-threaded build not said: {doc['python']}")
    gil = [w for w in doc["waits"] if w["detail"] == "gil"]
    check(gil == [], f"GIL waits in a free-threaded build: {gil}")
    code, out, err = stacktop("locks", "-p", proc.pid)
    text = out.decode()
    check(code == 0 and "free-threaded" in text and " the GIL " not in text,
          f"text: {code} {text} {err}")
    proc.kill()


def check_gil(python):
    """The main thread sleeps in a C call that keeps the GIL: the busy
    thread waits for the GIL, held by the main thread."""
    proc = start_python(python, "locks.py", "gil")
    seen = []
    for attempt in range(30):
        doc = stacktop_json("locks", "-p", proc.pid)
        waits = {w["name"]: w for w in doc["waits"]}
        gil = waits.get("py-gil-wait")
        seen.append(gil and (gil["detail"], gil["owner_tid"]))
        if gil is not None and gil["detail"] == "gil" and gil["owner_tid"] == proc.pid:
            check(gil["kind"] == "mutex", f"GIL wait: {gil}")
            break
    else:
        check(False, f"py-gil-wait not seen waiting for the GIL main holds in 30 tries: {seen}")
    # The waiter wakes every 5 ms to ask for the GIL (3.2+): a report may
    # catch it between two waits, and then leaves it out.
    for attempt in range(30):
        code, out, err = stacktop("locks", "-p", proc.pid)
        check(code == 0, f"text: {code} {err}")
        # The holder by its threading name beside its OS name.
        if any(" the GIL " in line and line.endswith(f" {proc.pid} (MainThread (py-gil-hog))")
               for line in out.decode().splitlines()):
            break
    else:
        check(False, f"text never showed the GIL wait: {out.decode()}")
    proc.kill()


def test():
    python = python_interpreter(WANT)
    check_locks(python)
    if WANT != "2.7":
        check_rlock_deadlock(python)
        check_busy_owner(python)
    check_lock_abba(python)
    check_lock_acquire(python)
    if python.free_threaded:
        check_no_gil(python)
    else:
        check_gil(python)


run(test)
