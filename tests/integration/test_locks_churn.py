"""No false deadlock: tests/targets/python/locks.py churn runs twelve
threads that take RLocks N and N + 1 in index order over and over (no cycle
can form, while waits and owners change all the time). 140 `locks` looks
each on 3.8 and 3.12 (where an owner read after the threads were let go
made 11 of 180 looks report a one-thread "deadlock") must find none; so
must 70 looks on 3.12 at the same churn of plain Locks taken in with
blocks (their holders inferred from those blocks; a stale wait made 3 in
300 report one). The RLock deadlock of locks.py deadlock is still found
(confirmed by a second look). The whole test takes some 35 s on a loaded
2-CPU box."""

from harness import check, python_interpreter, run, start_python, stacktop_json

LOOKS = 140
LOCK_LOOKS = 70


def churn(python, want, mode, looks):
    target = start_python(python, "locks.py", mode)
    waits = 0
    for look in range(looks):
        doc = stacktop_json("locks", "-p", target.pid)
        check(doc["deadlocks"] == [], f"{want} look {look}: a deadlock in the churn: "
              f"{doc['deadlocks']} {[(w['tid'], w['owner_tid']) for w in doc['waits']]}")
        waits += sum(1 for w in doc["waits"] if w["owner_tid"])
    print(f"{want} {mode}: {looks} looks, {waits} waits with an owner seen, no deadlock",
          flush=True)
    check(waits > 0, f"{want} {mode}: the churn never showed an owned wait")
    target.kill()


def check_version(want):
    python = python_interpreter(want)
    churn(python, want, "churn", LOOKS)
    if want == "3.12":
        churn(python, want, "churn-lock", LOCK_LOOKS)

    stuck = start_python(python, "locks.py", "deadlock")
    doc = stacktop_json("locks", "-p", stuck.pid)
    check(len(doc["deadlocks"]) == 1, f"{want}: the RLock ABBA: {doc['deadlocks']}")
    stuck.kill()


def test():
    for want in ("3.8", "3.12"):
        check_version(want)


run(test)
