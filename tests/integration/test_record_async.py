"""record --async on one interpreter (argv[1]: "3.12", "system", "sid-3.14"
…), with tests/targets/python/async_burn.py: one event loop whose two tasks,
alpha and beta, take turns burning ~20 ms each (in burn_alpha, burn_beta),
and a plain thread burning in burn_plain.
  --async --python   every sample whose leaf is burn_alpha sits under
                     "task alpha" right under its thread, burn_beta under
                     "task beta", burn_plain under no task; each task has
                     a fair share of the two (they take equal turns)
  --async (merged)   the same with native frames merged in
  no --async         no task frame at all (the option is not ignored)
  --async --python   on the target run with asyncio's pure-Python Task (no
                     _asyncio): the same, its tasks read from their dicts
3.6 and 3.7 name no task: there the task is named after its coroutine's
function ("task alpha()"). 2.7 has no asyncio and a free-threaded build keeps
no collector lists to find tasks on: both a one-line refusal, as is a
process that is not Python."""

import collections
import json
import sys
import tempfile

from harness import check, check_running, python_interpreter, run, stacktop, start_python, \
    start_target
from stacks import thread_root

WANT = sys.argv[1]
LEAVES = {"burn_alpha": "alpha", "burn_beta": "beta", "burn_plain": None}


def record(pid, *args):
    """{(leaf function, task name or None): samples} and the summary of a
    2 s record with args."""
    with tempfile.NamedTemporaryFile(suffix=".folded") as out:
        code, summary, err = stacktop("record", "-p", pid, "-d", 2, "-r", 200, "-o", out.name,
                                      "--json-summary", "-", *args)
        check(code == 0, f"record {' '.join(args)} exited {code}: {err}")
        counts = collections.Counter()
        for line in open(out.name):
            stack, n = line.rsplit(" ", 1)
            frames = stack.split(";")
            thread_root(frames[0])
            tasks = [f for f in frames if f.startswith("task ")]
            check(len(tasks) <= 1, f"more than one task frame: {stack}")
            if tasks:
                check(frames[1] == tasks[0], f"task frame not right under the thread: {stack}")
            # The burn_* function the stack is in: its leaf with Python
            # frames alone, under time.time's native frames when merged.
            functions = [f.split(" ")[0].split(".")[-1] for f in frames[1:]]
            burning = [f for f in functions if f in LEAVES]
            leaf = burning[-1] if burning else functions[-1] if functions else ""
            counts[(leaf, tasks[0][len("task "):] if tasks else None)] += int(n)
    print(f"{' '.join(args)}: {dict(counts)}  [{err.strip()}]", flush=True)
    return counts, err, json.loads(summary)


def task_name(label, version):
    """The task a label names: before 3.8, the coroutine's function."""
    if version < (3, 8) and label is not None and label.endswith("()"):
        return label[:-2]
    return label


def check_async(counts, version, how):
    burning = {leaf: 0 for leaf in LEAVES}
    for (leaf, label), n in counts.items():
        if leaf not in LEAVES:
            continue
        burning[leaf] += n
        check(task_name(label, version) == LEAVES[leaf],
              f"{how}: {n} samples of {leaf} under task {label}, want {LEAVES[leaf]}")
    check(all(n >= 20 for n in burning.values()), f"{how}: too few samples {burning}")
    alpha, beta = burning["burn_alpha"], burning["burn_beta"]
    check(min(alpha, beta) >= 0.25 * (alpha + beta),
          f"{how}: the tasks take equal turns, yet alpha {alpha} and beta {beta}")


def main():
    python = python_interpreter(WANT)
    if WANT == "2.7" or python.free_threaded:
        proc = start_python(python, "names.py")
        code, _, err = stacktop("record", "-p", proc.pid, "-d", 1, "--async", "--python")
        want = "free-threaded" if python.free_threaded else "3.6 to 3.15"
        check(code == 1 and err.count("\n") == 1 and want in err, f"{WANT}: {code} {err}")
        check_running(proc.pid)
        return
    version = tuple(int(part) for part in python.version.split(".")[:2])
    proc = start_python(python, "async_burn.py")
    counts, summary, doc = record(proc.pid, "--async", "--python")
    check("asyncio: 2 tasks" in summary, f"summary: {summary}")
    check(doc["asyncio"]["tasks"] == 2 and doc["asyncio"]["censuses"] >= 1,
          f"JSON summary: {doc['asyncio']}")
    check_async(counts, version, "--async --python")
    counts, _, _ = record(proc.pid, "--async")
    check_async(counts, version, "--async")
    counts, _, doc = record(proc.pid, "--python")
    check(doc["asyncio"] is None, f"JSON summary without --async: {doc['asyncio']}")
    labels = {label for (_, label) in counts if label is not None}
    check(not labels, f"task frames without --async: {labels}")
    check(sum(counts.values()) > 0, "no samples without --async")
    check_running(proc.pid)
    proc.kill()
    pure = start_python(python, "async_burn.py", "pure")
    counts, summary, doc = record(pure.pid, "--async", "--python")
    check("asyncio: 2 tasks" in summary, f"pure: summary: {summary}")
    check_async(counts, version, "pure --async --python")
    check_running(pure.pid)
    # Not Python: one line.
    other = start_target("threads", "1")
    code, _, err = stacktop("record", "-p", other.pid, "-d", 1, "--async")
    check(code == 1 and err.count("\n") == 1 and "not a Python process" in err,
          f"not Python: {code} {err}")


run(main)
