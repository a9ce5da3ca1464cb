"""The live view's asyncio page (a) in a real terminal (tmux): on
tests/targets/python/tasks.py (200 workers under a root task, a task
waiting for an asyncio.Lock, ping and pong awaiting each other) it first
says how long finding the tasks stops the process and takes nothing; t
takes them: the selected thread's loop, the root with its 200 workers under
it, the lock waiter and the deadlock; the text stays as taken across
refreshes; opened again on the process, it takes them at once; the target
is never left stopped. A process that is not Python, and CPython 2.7: one
line saying why, nothing stopped."""

import os
import re
import time

from harness import check, check_running, python_interpreter, run, start_python, start_target
from tui import Terminal, table

BRANCH = r"(?:\u2514\u2500\u2500|`--) "


def page(lines):
    return lines[0].startswith(" asyncio tasks")


def text_of(lines):
    return "\n".join(lines)


def test_tasks_page():
    target = start_python(python_interpreter("system"), "tasks.py")
    pid = target.pid
    term = Terminal(f"{os.environ['STACKTOP']} -p {pid} -d 0.5", width=160, height=60)
    try:
        term.wait_for(lambda l: any(str(pid) in row for row in table(l)), "the target listed")
        # The first time: the expected stop, and nothing taken.
        term.keys("a")
        lines = term.wait_for(lambda l: page(l) and "Press t to take them" in text_of(l),
                              "a: the page says what finding the tasks would stop")
        text = text_of(lines)
        check(re.search(rf"stops every thread of {pid} for about \d+ ms", text),
              f"no expected stop: {text}")
        check("worker-" not in text, "tasks taken before t was pressed")
        check_running(pid)
        # t: the tasks, the selected (only) thread's loop first.
        term.keys("t")
        lines = term.wait_for(lambda l: page(l) and "asyncio tasks, target stopped" in
                              text_of(l), "t: the tasks")
        text = text_of(lines)
        check(f"The event loop of the selected thread, {pid}:" in text,
              f"the selected thread's loop is not first: {text}")
        check(re.search(r"^  root \(task 0x[0-9a-f]+\) waiting, awaits taskgroup of 200 tasks",
                        text, re.M), f"the root awaiting 200 tasks: {text}")
        check(re.search(rf"^      {BRANCH}worker-0 \(task 0x[0-9a-f]+\) waiting, awaits sleep",
                        text, re.M), f"worker-0 under the root: {text}")
        check("1 deadlock: tasks awaiting each other" in text, f"the deadlock not said: {text}")
        header = [s for s in lines if "asyncio tasks, target stopped" in s]
        check_running(pid)
        # Taken once: refreshes (every 0.5 s) leave the text as it was.
        time.sleep(2)
        again = term.screen()
        check([s for s in again if "asyncio tasks, target stopped" in s] == header,
              f"the tasks were taken again without a key: {header} then {again[:3]}")
        # The end: the lock waiter and the deadlock, ping and pong.
        term.keys("End")
        lines = term.wait_for(lambda l: any("Found 1 deadlock" in s for s in l),
                              "End: the deadlock at the end")
        text = text_of(lines)
        check(re.search(r"ping \(task 0x[0-9a-f]+\) awaits pong \(task 0x[0-9a-f]+\)", text)
              and re.search(r"pong \(task 0x[0-9a-f]+\) awaits ping", text),
              f"ping and pong: {text}")
        term.keys("Home")
        term.wait_for(lambda l: any("awaits lock 0x" in s for s in l) and
                      any(re.search(r"blocked \(task 0x", s) for s in l),
                      "the task waiting for the lock")
        # Agreed to once: the page opened again takes them at once.
        term.keys("q")
        term.wait_for(lambda l: not page(l) and table(l), "q: back to the table")
        term.keys("a")
        lines = term.wait_for(lambda l: page(l) and "asyncio tasks, target stopped" in
                              text_of(l), "a again: the tasks without asking")
        check("Press t" not in text_of(lines), "asked again")
        term.keys("q", "q")
        check(term.exit_status() == 0, "stacktop exited with an error")
        check_running(pid)
    finally:
        term.close()


def refusal(target, why):
    """On target's live view: a says why in one line, and stops nothing."""
    term = Terminal(f"{os.environ['STACKTOP']} -p {target.pid} -d 0.5", width=160)
    try:
        term.wait_for(lambda l: table(l), "the target listed")
        term.keys("a")
        lines = term.wait_for(lambda l: page(l) and why in text_of(l), f"a: {why}")
        said = [s for s in lines[1:-1] if s.strip()]
        check(len(said) == 1, f"not one line: {said}")
        check_running(target.pid)
        term.keys("q", "q")
    finally:
        term.close()


def test_refusals():
    refusal(start_target("threads"), "is not a Python process")
    # (Last: a machine without 2.7 skips here.)
    refusal(start_python(python_interpreter("2.7"), "names.py"), "3.6 to 3.15")


if __name__ == "__main__":
    run(test_tasks_page)
    run(test_refusals)
