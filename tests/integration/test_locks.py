"""locks: each kind of wait of tests/targets/deadlock reported with its kind,
lock address (checked against the binary's symbols) and owner; the ABBA
cycle found with both threads' names and stacks, also in the stripped
binary; no deadlock where there is none; every fd of a poll, an
epoll_wait and a select; the JSON contract; a process with
no waits; errors in one line; the target left running."""

import os
import subprocess

from harness import TARGETS, assert_terminal_safe, check, run, stacktop, stacktop_json, \
    start_target


def symbols():
    """Offsets of the target's lock variables, from the unstripped build (the
    stripped copy has the same layout)."""
    out = subprocess.run(["nm", os.path.join(TARGETS, "deadlock")], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[2]: int(line.split()[0], 16) for line in out.splitlines()
            if len(line.split()) == 3}


SYMBOLS = symbols()


def load_base(pid, binary):
    for line in open(f"/proc/{pid}/maps"):
        fields = line.split()
        if len(fields) >= 6 and fields[5].endswith("/" + binary) and int(fields[2], 16) == 0:
            return int(fields[0].split("-")[0], 16)
    check(False, f"{binary} not mapped in {pid}")


def tids_by_name(pid):
    names = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        names[open(f"/proc/{pid}/task/{tid}/comm").read().strip()] = int(tid)
    return names


def locks(mode, binary="deadlock"):
    target = start_target(binary, mode)
    doc = stacktop_json("locks", "-p", target.pid)
    check(doc["schema"] == "stacktop.locks/1" and doc["pid"] == target.pid,
          f"schema {doc['schema']} pid {doc['pid']}")
    for w in doc["waits"]:
        check({"tid", "kind", "address", "owner_tid"} <= w.keys(), f"wait keys {w.keys()}")
        check(w["kind"] in ("mutex", "rwlock-write", "rwlock-read", "other"), f"kind {w}")
    for d in doc["deadlocks"]:
        check(d.keys() >= {"tids"} and all(isinstance(t, int) for t in d["tids"]), f"{d}")
    waits = {w["name"]: w for w in doc["waits"]}
    return target, doc, waits, tids_by_name(target.pid), load_base(target.pid, binary)


def expect(waits, name, kind, address=None, owner=None, detail=None):
    check(name in waits, f"no wait for {name} in {sorted(waits)}")
    w = waits[name]
    check(w["kind"] == kind, f"{name}: kind {w['kind']}, not {kind}: {w}")
    if address is not None:
        check(w["address"] == address, f"{name}: address {w['address']:#x}, not {address:#x}")
    check(w["owner_tid"] == owner, f"{name}: owner {w['owner_tid']}, not {owner}")
    if detail is not None:
        check(w["detail"] == detail, f"{name}: detail {w['detail']}, not {detail}")
    return w


def functions(wait):
    return [f["function"] or "" for f in wait["stack"] or []]


def assert_running(pid):
    for tid in os.listdir(f"/proc/{pid}/task"):
        state = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()[0]
        check(state not in ("t", "T"), f"thread {tid} left stopped ({state})")


def check_abba(binary):
    target, doc, waits, tids, base = locks("abba", binary)
    a, b = tids["locker-a"], tids["locker-b"]
    expect(waits, "locker-a", "mutex", base + SYMBOLS["mutex_b"], b, "mutex")
    expect(waits, "locker-b", "mutex", base + SYMBOLS["mutex_a"], a, "mutex")
    expect(waits, "bystander", "mutex", base + SYMBOLS["mutex_a"], a)
    check([d["tids"] for d in doc["deadlocks"]] == [sorted([a, b])],
          f"{binary}: deadlocks {doc['deadlocks']}, want [{a}, {b}]")
    for name in ("locker-a", "locker-b"):
        check("pthread_mutex_lock" in functions(waits[name]), f"{name}: {functions(waits[name])}")
    if binary == "deadlock":
        check("take_second_lock" in functions(waits["locker-a"]), functions(waits["locker-a"]))

    code, out, err = stacktop("locks", "-p", target.pid)
    check(code == 0, f"text: {code} {err}")
    assert_terminal_safe(out, "locks text")
    text = out.decode()
    check(text.count("Found one deadlock:") == 1, text)
    for waiter, holder, lock in (("locker-a", "locker-b", "mutex_b"),
                                 ("locker-b", "locker-a", "mutex_a")):
        line = (f"thread {waiter} ({tids[waiter]}) waits for mutex "
                f"{base + SYMBOLS[lock]:#x} held by thread {holder} ({tids[holder]})")
        check(line in text, f"{binary}: no line {line!r} in\n{text}")
        check(f"\nthread {waiter} ({tids[waiter]}):\n#0 " in text, f"no stack of {waiter}: {text}")
    stacks = text.split("Stacks of the threads above:")[1]
    check(stacks.count("pthread_mutex_lock") == 2 and "bystander" not in stacks, stacks)
    if binary == "deadlock-stripped":
        check(f"{binary}+0x" in stacks, f"stripped frames are module+offset: {stacks}")
    assert_running(target.pid)
    target.kill()


def check_rwlock():
    target, doc, waits, tids, base = locks("rwlock")
    read_held = base + SYMBOLS["rw_read_held"]
    write_held = base + SYMBOLS["rw_write_held"]
    prefer = base + SYMBOLS["rw_prefer_writer"]
    # A writer behind a reader: the readers are counted, not named.
    w = expect(waits, "rw-writer", "rwlock-write", read_held, None)
    check(w["readers"] == 1, f"rw-writer: readers {w['readers']}")
    # Behind a writer: the writer is the owner (a reader on __wrphase_futex,
    # a writer on __writers_futex).
    expect(waits, "rw-rwaiter", "rwlock-read", write_held, tids["rw-holder"])
    expect(waits, "rw-writer2", "rwlock-write", write_held, tids["rw-holder"])
    # Writers preferred: the writer waits for the reader, and a new reader
    # waits on __readers itself.
    w = expect(waits, "pw-writer", "rwlock-write", prefer, None)
    check(w["readers"] == 1, f"pw-writer: readers {w['readers']}")
    expect(waits, "pw-reader2", "rwlock-read", prefer, None)
    check(doc["deadlocks"] == [], f"deadlocks {doc['deadlocks']}")
    target.kill()


def check_pi():
    target, doc, waits, tids, base = locks("pi")
    expect(waits, "pi-waiter", "mutex", base + SYMBOLS["pi_mutex"], tids["pi-holder"],
           "pi-mutex")
    expect(waits, "robust-waiter", "mutex", base + SYMBOLS["robust_mutex"],
           tids["robust-holder"], "robust-mutex")
    check(doc["deadlocks"] == [], f"deadlocks {doc['deadlocks']}")
    target.kill()


def check_cond():
    target, doc, waits, tids, base = locks("cond")
    w = expect(waits, "cond-waiter", "other", None, None, "condvar")
    # The futex word is __g_signals[0] or [1] of the pthread_cond_t.
    cond = base + SYMBOLS["cond"]
    check(w["futex"] in (cond + 40, cond + 44), f"condvar futex {w['futex']:#x}, cond {cond:#x}")
    check("pthread_cond_wait" in functions(w), functions(w))
    check(doc["deadlocks"] == [], f"deadlocks {doc['deadlocks']}")
    target.kill()


def check_none():
    target, doc, waits, tids, base = locks("none")
    w = expect(waits, "sleeper", "other", None, None, "syscall")
    check(w["syscall"] in ("clock_nanosleep", "nanosleep"), f"sleeper {w}")
    w = expect(waits, "pipe-reader", "other", None, None, "syscall")
    check(w["syscall"] == "read" and w["fd_target"].startswith("pipe:["), f"pipe-reader {w}")
    check(doc["deadlocks"] == [], f"deadlocks {doc['deadlocks']}")
    code, out, err = stacktop("locks", "-p", target.pid)
    text = out.decode()
    check(code == 0 and "no deadlock found" in text and "pipe:[" in text, f"{code} {text} {err}")
    target.kill()


def check_fds():
    """Every fd of a poll, an epoll_wait and a select, each as /proc/PID/fd
    says it points, in text and JSON; a poll of 20 pipes lists 16 and counts
    20. The second look finds the polls again: stopped by the first, they
    resumed as restart_syscall."""
    target = start_target("deadlock", "fds")
    for look in range(2):
        doc = stacktop_json("locks", "-p", target.pid)
        waits = {w["name"]: w for w in doc["waits"]}

        def listed(name, syscalls, count, total):
            w = waits.get(name)
            check(w is not None and w["syscall"] in syscalls, f"look {look} {name}: {w}")
            fds = w["fds"]
            check(len(fds) == count and w["fds_total"] == total and
                  len({f["fd"] for f in fds}) == count, f"look {look} {name}: {w}")
            for f in fds:
                real = os.readlink(f"/proc/{target.pid}/fd/{f['fd']}")
                check(f["target"] == real, f"{name}: fd {f['fd']} said {f['target']}, is {real}")
            return w, sorted(f["target"].split(":")[0] for f in fds)

        w, kinds = listed("poller", ("poll",), 3, 3)
        check(kinds == ["pipe"] * 3 and w["fd"] == w["fds"][0]["fd"], f"poller {w}")
        w, kinds = listed("epoller", ("epoll_wait",), 3, 3)
        check(kinds == ["anon_inode", "pipe", "socket"] and
              w["fd_target"] == "anon_inode:[eventpoll]", f"epoller {w}")
        check(any(f["target"] == "anon_inode:[eventfd]" for f in w["fds"]), f"epoller {w}")
        w, kinds = listed("selector", ("select", "pselect6"), 3, 3)
        check(kinds == ["pipe"] * 3, f"selector {w}")
        w, kinds = listed("poller-many", ("poll",), 16, 20)
        check(kinds == ["pipe"] * 16, f"poller-many {w}")
    code, out, err = stacktop("locks", "-p", target.pid)
    text = out.decode()
    assert_terminal_safe(out, "locks fds")
    lines = {line.split()[1]: line for line in text.splitlines()
             if len(line.split()) > 2 and line.split()[0].isdigit()}
    check(lines["poller"].count("(pipe:[") == 3 and " 3 fds: " in lines["poller"],
          f"text poller: {lines.get('poller')}")
    check("epoll fd " in lines["epoller"] and "(socket:[" in lines["epoller"] and
          "(anon_inode:[eventfd])" in lines["epoller"], f"text epoller: {lines.get('epoller')}")
    check(lines["selector"].count("(pipe:[") == 3, f"text selector: {lines.get('selector')}")
    check(" 20 fds: " in lines["poller-many"] and lines["poller-many"].endswith(" and 4 more"),
          f"text poller-many: {lines.get('poller-many')}")
    target.kill()


def check_no_waits():
    """A process whose only thread runs waits for nothing, and says so."""
    busy = subprocess.Popen(["/bin/sh", "-c", "while :; do :; done"])
    try:
        code, out, err = stacktop("locks", "-p", busy.pid)
        check(code == 0 and "no thread is waiting" in out.decode(), f"{code} {out} {err}")
        doc = stacktop_json("locks", "-p", busy.pid)
        check(doc["waits"] == [] and doc["deadlocks"] == [], f"{doc}")
    finally:
        busy.kill()
        busy.wait()


def check_errors():
    code, out, err = stacktop("locks", "-p", 4000000)
    check(code == 1 and "no such process" in err and err.count("\n") == 1, f"{code} {err!r}")
    code, out, err = stacktop("locks")
    check(code == 2 and "-p PID is required" in err, f"no pid: {code} {err!r}")
    target = start_target("deadlock", "abba")
    code, out, err = stacktop("locks", "-p", target.pid, user="nobody")
    check(code == 1 and err.count("\n") == 1 and "CAP_SYS_PTRACE" in err,
          f"unprivileged locks: {code} {err!r}")
    target.kill()


def test():
    check_abba("deadlock")
    check_abba("deadlock-stripped")
    check_rwlock()
    check_pi()
    check_cond()
    check_none()
    check_fds()
    check_no_waits()
    check_errors()


run(test)
