"""stacktop tasks on one interpreter (argv[1]: "3.12", "system", "sid-3.14"
…): tests/targets/python/tasks.py's 200 workers under one root task (a
TaskGroup on 3.11+, a gather before), each with its coroutine stack
(worker -> nap -> asyncio.sleep); a task waiting for an asyncio.Lock
another holds, seen waiting on that lock; two tasks awaiting each other,
reported as one deadlock of exactly those two; a task awaiting a gather of
two, on every version (the gather's children are read from the C future's
instance dict, at tp_dictoffset); the text form. On 3.14+,
the same tasks and (task, awaiter) pairs as `python -m asyncio ps` lists
for the same process in the same run. A task waiting on a
Queue, an Event, a Semaphore, a Condition and a bare future, one running,
one done and one cancelled: each seen so; --locals shows each worker's
argument n. All of it again with
asyncio's pure-Python Task (the target started without _asyncio). 2.7 has
no asyncio, and a free-threaded build keeps no collector lists to find tasks on: both are a
one-line refusal."""

import subprocess
import sys

from harness import check, check_running, python_interpreter, run, skip, stacktop, \
    stacktop_json, start_python

WANT = sys.argv[1]
WORKERS = 200


def own_frames(task, pure):
    """The task's coroutine stack as function names, innermost first. A
    pure-Python Future is awaited through its own generator,
    Future.__await__ in futures.py (3.6: __iter__; before 3.11 without its
    class): on the pure run it must be the innermost frame of a waiting
    task, and is left out of what is compared."""
    frames = task["coroutine_stack"]
    if pure:
        check(frames and frames[0]["function"] in ("Future.__await__", "__await__", "__iter__")
              and
              frames[0]["file"].endswith("asyncio/futures.py"),
              f"pure: innermost frame {frames[:1]}, want Future.__await__")
        frames = frames[1:]
    return [f["function"].split(".")[-1] for f in frames]


def names_of(doc):
    return {t["id"]: t["name"] for t in doc["tasks"]}


def check_tasks(python, pure):
    """pure: the target runs asyncio's pure-Python Task (no _asyncio),
    whose fields stacktop reads from each task's instance dict."""
    proc = start_python(python, "tasks.py", *(["pure"] if pure else []))
    doc = stacktop_json("tasks", "-p", proc.pid)
    check_running(proc.pid)
    check(doc["schema"] == "stacktop.tasks/1", f"schema {doc['schema']}")
    by_id = {t["id"]: t for t in doc["tasks"]}
    version = tuple(int(part) for part in python.version.split("."))
    named = version >= (3, 8)
    workers = [t for t in doc["tasks"]
               if any(f["function"] == "worker" for f in t["coroutine_stack"])]
    check(len(workers) == WORKERS, f"{len(workers)} workers, want {WORKERS}")
    for w in workers:
        funcs = own_frames(w, pure)
        check(funcs == ["sleep", "nap", "worker"], f"worker stack {funcs}")
        check(w["state"] == "waiting" and w["awaits"]["kind"] == "sleep",
              f"worker {w['name']}: {w['state']} {w['awaits']}")
        nap = w["coroutine_stack"][2 if pure else 1]
        check(nap["file"].endswith("tasks.py") and nap["line"] > 0, f"nap frame {nap}")
        check(len(w["awaited_by"]) == 1, f"worker awaited by {w['awaited_by']}")
    roots = {by_id[w["awaited_by"][0]]["id"] for w in workers}
    check(len(roots) == 1, f"workers awaited by {roots}")
    root = by_id[roots.pop()]
    kind = "taskgroup" if version >= (3, 11) else "gather"
    check(root["awaits"]["kind"] == kind and len(root["awaits"]["tasks"]) == WORKERS,
          f"root awaits {root['awaits']['kind']} of {len(root['awaits']['tasks'])}")
    if named:
        check(root["name"] == "root", f"root named {root['name']}")
        check(sorted(w["name"] for w in workers) ==
              sorted("worker-%d" % n for n in range(WORKERS)), "worker names")
    # The gather of two: its children linked, each awaited by the gatherer.
    gathers = [t for t in doc["tasks"]
               if t["awaits"] and t["awaits"]["kind"] == "gather" and len(t["awaits"]["tasks"]) == 2]
    check(len(gathers) == 1, f"{len(gathers)} tasks awaiting a gather of two")
    for child in gathers[0]["awaits"]["tasks"]:
        funcs = own_frames(by_id[child], pure)
        check(funcs == ["sleep", "nap"] and by_id[child]["awaited_by"] == [gathers[0]["id"]],
              f"gathered {by_id[child]['name']}: {funcs}, awaited by {by_id[child]['awaited_by']}")
    if named:
        check(gathers[0]["name"] == "gatherer" and
              sorted(by_id[c]["name"] for c in gathers[0]["awaits"]["tasks"]) ==
              ["gathered-0", "gathered-1"], "gather names")
    # The Lock: blocked waits in Lock.acquire on the lock holder holds.
    blocked = [t for t in doc["tasks"] if t["awaits"] and t["awaits"]["kind"] == "lock"]
    check(len(blocked) == 1, f"lock waiters {[t['name'] for t in blocked]}")
    stack = own_frames(blocked[0], pure)
    check(stack[0] == "acquire" and stack[-1] == "take", f"blocked stack {stack}")
    if named:
        check(blocked[0]["name"] == "blocked", f"lock waiter {blocked[0]['name']}")
    # The deadlock: ping and pong.
    check(len(doc["deadlocks"]) == 1, f"deadlocks {doc['deadlocks']}")
    ring = doc["deadlocks"][0]["tasks"]
    check(len(ring) == 2, f"deadlock of {ring}")
    for a, b in ((ring[0], ring[1]), (ring[1], ring[0])):
        check(by_id[a]["awaits"]["kind"] == "task" and by_id[a]["awaits"]["tasks"] == [b],
              f"{a} awaits {by_id[a]['awaits']}")
    if named:
        check(sorted(by_id[i]["name"] for i in ring) == ["ping", "pong"], "deadlock names")
    check_other_kinds(doc, named)
    if not pure:
        check_locals(proc.pid, named)
    code, out, err = stacktop("tasks", "-p", proc.pid)
    text = out.decode()
    check(code == 0 and "Found 1 deadlock" in text and "awaits lock" in text,
          f"text: {code} {err} {text[:400]}")
    # The text draws the 200 workers' one stack once and counts the rest,
    # and puts each loop's tasks under its thread (main, and "spinning").
    alike = ("worker-0: worker-1 to worker-199" if named else "worker(): worker() to worker()")
    check(f"199 more tasks like {alike}\n" in text and
          text.count("the event loop of thread ") == 2 and
          "the event loop of thread MainThread (" in text and
          "the event loop of thread spinning (" in text,
          f"text: no count of the workers alike, or not by loop:\n{text[:3000]}")
    if version >= (3, 14) and python.root is not None and not pure:
        compare_pstree(python, proc.pid, doc)
    proc.kill()


def check_locals(pid, named):
    """tasks --locals: each worker's frame worker(n) shows its argument n,
    the number in its name; without --locals no frame has variables."""
    doc = stacktop_json("tasks", "-p", pid, "--locals")
    numbers = set()
    for t in doc["tasks"]:
        frames = [f for f in t["coroutine_stack"] if f["function"].split(".")[-1] == "worker"]
        if not frames:
            continue
        n = [v for v in frames[0].get("locals") or [] if v["name"] == "n"]
        check(len(n) == 1 and n[0]["type"] == "int", f"{t['name']}: worker's locals {frames[0]}")
        numbers.add(int(n[0]["repr"]))
        check(not named or t["name"] == "worker-%s" % n[0]["repr"],
              f"{t['name']} has n = {n[0]['repr']}")
    check(numbers == set(range(WORKERS)), f"workers' n: {sorted(numbers)[:10]}...")
    plain = stacktop_json("tasks", "-p", pid)
    check(all("locals" not in f for t in plain["tasks"] for f in t["coroutine_stack"]),
          "locals without --locals")


def check_other_kinds(doc, named):
    """The other waits and states, each held by one task of tasks.py: a
    Queue.get, an Event.wait, a Semaphore.acquire, a Condition.wait and a
    bare future; a task running (its loop's thread in time.sleep inside it),
    one done and one cancelled (both still referenced)."""
    want = {"queue": "queued", "event": "evented", "semaphore": "semaphored",
            "condition": "conditioned", "future": "futured"}
    for kind, name in want.items():
        waiting = [t for t in doc["tasks"] if t["awaits"] and t["awaits"]["kind"] == kind]
        check(len(waiting) == 1, f"{len(waiting)} tasks awaiting a {kind}, want 1")
        check(not named or waiting[0]["name"] == name,
              f"awaiting a {kind}: {waiting[0]['name']}, want {name}")
        check(waiting[0]["state"] == "waiting", f"{name}: {waiting[0]['state']}")
    for state, name in (("running", "spinner"), ("done", "done"), ("cancelled", "cancelled")):
        tasks = [t for t in doc["tasks"] if t["state"] == state]
        check(len(tasks) == 1, f"{len(tasks)} tasks {state}, want 1")
        check(not named or tasks[0]["name"] == name, f"{state}: {tasks[0]['name']}, want {name}")
    spinner = [t for t in doc["tasks"] if t["state"] == "running"][0]
    check(spinner["loop_thread_name"] == "spinning" and spinner["loop_thread"] is not None,
          f"running: loop thread {spinner['loop_thread']} {spinner['loop_thread_name']}")
    funcs = [f["function"] for f in spinner["coroutine_stack"]]
    check(funcs == ["spin"] and spinner["awaits"] is None, f"running: {funcs} {spinner['awaits']}")
    for t in doc["tasks"]:
        if t["state"] in ("done", "cancelled"):
            check(t["coroutine_stack"] == [], f"{t['state']} with a stack {t['coroutine_stack']}")


def compare_pstree(python, pid, doc):
    """python -m asyncio ps (3.14+, through _Py_AsyncioModuleDebugOffsets)
    on the same process, run inside the target's container (its namespaces
    and root, where the target's files and PIDs are what ps expects): every
    task it lists we list, every pending task we list it lists (it leaves
    out tasks done and cancelled, and 3.14's the one running), and the same
    (task, awaiter) pairs for the tasks it lists: the awaited-by tree.
    (pstree itself refuses a graph with a cycle, which ping and pong make.)"""
    with open(f"/proc/{pid}/status") as f:
        nspid = [line.split()[-1] for line in f if line.startswith("NSpid:")][0]
    cmd = ["nsenter", "-t", str(pid), "-m", "-p", "-r", "-w", python.path, "-m", "asyncio",
           "ps", nspid]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    check(done.returncode == 0, f"python -m asyncio ps: {done.returncode} {done.stderr[-300:]}")
    # Its second column is the task's id in hex, its last the awaiter's
    # ("0x0" for none): a task awaited by two is on two lines.
    theirs, their_pairs = set(), set()
    for line in done.stdout.splitlines():
        cols = line.split()
        if len(cols) > 2 and cols[1].startswith("0x") and cols[-1].startswith("0x"):
            task, awaiter = int(cols[1], 16), int(cols[-1], 16)
            theirs.add(task)
            if awaiter:
                their_pairs.add((task, awaiter))
    ours = {int(t["id"]): t for t in doc["tasks"]}
    pending = {i for i, t in ours.items() if t["state"] in ("waiting", "scheduled")}
    check(theirs <= set(ours) and pending <= theirs,
          f"asyncio ps lists {len(theirs)} tasks, we {len(ours)} ({len(pending)} pending): only "
          f"theirs {sorted(theirs - set(ours))[:5]}, pending only ours "
          f"{[ours[i]['name'] for i in sorted(pending - theirs)[:5]]}")
    our_pairs = {(i, int(a)) for i, t in ours.items() if i in theirs for a in t["awaited_by"]}
    check(our_pairs == their_pairs,
          f"awaited-by pairs: only theirs {sorted(their_pairs - our_pairs)[:5]}, only ours "
          f"{sorted(our_pairs - their_pairs)[:5]}")
    print(f"python -m asyncio ps: the same {len(theirs)} tasks, the same {len(our_pairs)} "
          "awaiter pairs")


def main():
    if WANT == "2.7":
        python = python_interpreter(WANT)
        proc = start_python(python, "names.py")
        code, _, err = stacktop("tasks", "-p", proc.pid)
        check(code == 1 and err.count("\n") == 1 and "3.6 to 3.15" in err, f"2.7: {code} {err}")
        return
    python = python_interpreter(WANT)
    if python.free_threaded:
        # (names.py: this build in the sid root has no _socket, so no asyncio)
        proc = start_python(python, "names.py")
        code, _, err = stacktop("tasks", "-p", proc.pid)
        check(code == 1 and "free-threaded" in err, f"{WANT}: {code} {err}")
        check_running(proc.pid)
        return
    check_tasks(python, pure=False)
    check_tasks(python, pure=True)


run(main)
