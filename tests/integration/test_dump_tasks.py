"""stacktop dump --tasks on one interpreter (argv[1]: "3.12", "system",
"sid-3.14" …): tests/targets/python/tasks_threads.py runs one event loop
in its thread "loop-a" (two in_a() tasks under an a_main() gather), one in
MainThread (in_main() under main()), and holds a loop no thread runs (an
in_idle() task never started). Each task is listed under the thread running
its loop (JSON: the thread's asyncio_tasks, in the shape of tasks --json),
the idle loop's after the threads; text likewise; without --tasks, no task
is read. 2.7 and a free-threaded build: a one-line refusal."""

import sys

from harness import check, check_running, python_interpreter, run, stacktop, stacktop_json, \
    start_python

WANT = sys.argv[1]


def functions(task):
    return [f["function"].split(".")[-1] for f in task["coroutine_stack"]]


def tasks_running(doc, thread_name):
    threads = [t for t in doc["threads"] if t["python_thread_name"] == thread_name]
    check(len(threads) == 1, f"threads named {thread_name}: {len(threads)}")
    return threads[0]["asyncio_tasks"]


def check_dump_tasks(python):
    proc = start_python(python, "tasks_threads.py")
    doc = stacktop_json("dump", "-p", proc.pid, "--tasks")
    check_running(proc.pid)
    in_a = tasks_running(doc, "loop-a")
    check(sorted(functions(t)[-1] for t in in_a) == ["a_main", "in_a", "in_a"],
          f"loop-a's tasks: {[functions(t) for t in in_a]}")
    in_main = tasks_running(doc, "MainThread")
    check(sorted(functions(t)[-1] for t in in_main) == ["in_main", "main"],
          f"MainThread's tasks: {[functions(t) for t in in_main]}")
    tids = {t["python_thread_name"]: t["tid"] for t in doc["threads"]}
    for name, tasks in (("loop-a", in_a), ("MainThread", in_main)):
        for t in tasks:
            check(t["loop_thread"] == tids[name] and t["state"] == "waiting",
                  f"{name} task {functions(t)}: {t['loop_thread']} {t['state']}")
    idle = doc["asyncio_tasks_not_running"]
    check([functions(t) for t in idle] == [["in_idle"]] and idle[0]["loop_thread"] is None,
          f"tasks of no running loop: {[functions(t) for t in idle]}")
    check(in_a[0]["loop"] != in_main[0]["loop"] != idle[0]["loop"], "three loops")
    # --tasks --locals: the tasks' frames' variables too, asyncio.sleep's
    # argument delay among them; without --locals none.
    with_locals = stacktop_json("dump", "-p", proc.pid, "--tasks", "--locals")
    sleeps = 0
    for t in tasks_running(with_locals, "MainThread") + with_locals["asyncio_tasks_not_running"]:
        sleep = [f for f in t["coroutine_stack"] if f["function"].split(".")[-1] == "sleep"]
        delay = [v["repr"] for f in sleep for v in f.get("locals") or [] if v["name"] == "delay"]
        check(not sleep or delay == ["3600"], f"dump --tasks --locals: {functions(t)} {sleep}")
        sleeps += len(delay)
    check(sleeps >= 1, "dump --tasks --locals: no task's asyncio.sleep frame with its delay")
    check(any("locals" in f for t in in_main for f in t["coroutine_stack"]) is False,
          "dump --tasks without --locals shows a task's locals")
    # Without --tasks nothing is read.
    plain = stacktop_json("dump", "-p", proc.pid)
    check(all("asyncio_tasks" not in t for t in plain["threads"]) and
          "asyncio_tasks_not_running" not in plain, "dump without --tasks read tasks")
    code, out, err = stacktop("dump", "-p", proc.pid, "--tasks", "--python")
    text = out.decode()
    loop_a = text.index('Python "loop-a"')
    mine = text.index("asyncio tasks of the event loop this thread runs", loop_a)
    check(code == 0 and "in in_a " in text[mine:] and
          text.index("asyncio tasks of event loops not running now") >
          text.rindex("in in_a "), f"text: {code} {err} {text[:600]}")
    check_running(proc.pid)
    proc.kill()


def main():
    python = python_interpreter(WANT)
    if WANT == "2.7" or python.free_threaded:
        # (names.py: 2.7 has no asyncio; the free-threaded build in the sid
        # root has no _socket, so no asyncio)
        proc = start_python(python, "names.py")
        code, out, err = stacktop("dump", "-p", proc.pid, "--tasks")
        check(code == 1 and err.count("\n") == 1 and "3.6 to 3.15" in err,
              f"{WANT}: {code} {err}")
        check_running(proc.pid)
        return
    check_dump_tasks(python)


run(main)
