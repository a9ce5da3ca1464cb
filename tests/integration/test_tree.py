"""--tree: a master and its workers (tests/targets/python/pool_tree.py, a
multiprocessing master with three workers, one hot in hot_worker_spin) seen
as one: report lists every process, the hot worker first, and the tree's
sums; dump dumps each and locks looks at each; record roots each stack in
its process, and follows a worker the master starts while it records; mem
gives each one's PSS and the tree's; --max-processes caps what it follows,
in one line."""

import json
import os
import re
import select
import tempfile
import time

from harness import check, python_interpreter, run, stacktop, stacktop_json, start_python


def start_pool(python, *args):
    target = start_python(python, "pool_tree.py", *args)
    with open(f"/proc/{target.pid}/task/{target.pid}/children") as f:
        children = sorted(int(c) for c in f.read().split())
    return target, children


def hot_of(children):
    """The worker that spins (the one with the most CPU time so far)."""
    time.sleep(0.3)
    def ticks(pid):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    return max(children, key=ticks)


def test_report(pool, children, hot):
    code, out, err = stacktop("report", "-p", pool.pid, "--tree", "-d", "0.5", "-n", "1")
    check(code == 0, f"report --tree exited {code}: {err}")
    text = out.decode()
    rows = [int(m) for m in re.findall(r"^\s+PID USER.*\n\s+(\d+) ", text, re.M)]
    check(sorted(rows) == sorted([pool.pid, *children]),
          f"report --tree lists {rows}, not {pool.pid} and {children}:\n{text}")
    check(rows and rows[0] == hot, f"report --tree: the hot worker {hot} is not first: {rows}")
    line = re.search(rf"^TREE {pool.pid}: 4 processes, CPU [\d.]+%, RSS (\d+) KiB, "
                     rf"PSS (\d+) KiB, hottest (\d+) \(python3\) [\d.]+%$", text, re.M)
    check(line, f"report --tree: no tree line:\n{text}")
    check(int(line.group(3)) == rows[0] and int(line.group(2)) <= int(line.group(1)),
          f"report --tree: the tree line's hottest is not the first row {rows[0]}, or its "
          f"PSS is above its RSS: {line.group(0)}")
    doc = stacktop_json("report", "-p", pool.pid, "--tree", "-d", "0.5")
    pids = [p["pid"] for p in doc["processes"]]
    tree = doc.get("tree", {})
    check(sorted(pids) == sorted([pool.pid, *children]) and pids[0] == hot,
          f"report --tree --json lists {pids}")
    check(tree.get("root") == pool.pid and tree.get("process_count") == 4 and
          # The sum holds the hot worker's share, whatever the box's load.
          tree.get("cpu_pct", 0) >= doc["processes"][0]["cpu_pct"] > 0 and
          tree.get("rss_kib") == sum(p["mem"]["rss_kib"] for p in doc["processes"]),
          f"report --tree --json: tree {tree}")
    # The workers share the master's pages (fork): PSS splits them.
    check(tree.get("hottest_pid") == hot and 0 < (tree.get("pss_kib") or 0) <= tree["rss_kib"],
          f"report --tree --json: the hottest or PSS of {tree}")


def test_cap(pool):
    code, out, err = stacktop("report", "-p", pool.pid, "--tree", "--max-processes", "2",
                              "-d", "0.2")
    check(code == 0, f"report --tree --max-processes 2 exited {code}: {err}")
    lines = [l for l in err.splitlines() if "--max-processes" in l]
    check(len(lines) == 1 and "more than 2 processes" in lines[0],
          f"--max-processes 2: not said in one line: {err!r}")
    rows = re.findall(r"^\s+PID USER.*\n\s+(\d+) ", out.decode(), re.M)
    check(len(rows) == 2, f"--max-processes 2 lists {rows}")


def each_in_tree(command, pool, children):
    """COMMAND -p POOL --tree, in text and in JSON: each process of the
    tree in turn, the root first, under its '=== process I of 4 ...' line;
    one document a process. Returns the text and the documents."""
    code, out, err = stacktop(command, "-p", pool.pid, "--tree")
    check(code == 0, f"{command} --tree exited {code}: {err}")
    text = out.decode()
    headers = re.findall(r"^=== process (\d+) of (\d+) in the tree of (\d+) ===$", text, re.M)
    check(len(headers) == 4 and all(h[1] == "4" and int(h[2]) == pool.pid for h in headers),
          f"{command} --tree: headers {headers}")
    pids = [int(p) for p in re.findall(r"^PID (\d+) ", text, re.M)]
    check(pids == [pool.pid, *children],
          f"{command} --tree examines {pids}, not {pool.pid} {children}")
    code, out, err = stacktop(command, "-p", pool.pid, "--tree", "--json")
    check(code == 0, f"{command} --tree --json exited {code}: {err}")
    docs = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    check([d["schema"] for d in docs] == [f"stacktop.{command}/1"] * 4 and
          [d["pid"] for d in docs] == [pool.pid, *children],
          f"{command} --tree --json: {[(d['schema'], d.get('pid')) for d in docs]}")
    return text, docs


def test_dump(pool, children, hot):
    text, docs = each_in_tree("dump", pool, children)
    part = text.split(f"PID {hot} ", 1)[-1].split("=== process", 1)[0]
    check("in hot_worker_spin (" in part, f"dump --tree: no hot_worker_spin in {hot}:\n{part}")
    hot_doc = json.dumps([d for d in docs if d["pid"] == hot])
    check('"hot_worker_spin"' in hot_doc, "dump --tree --json: no hot_worker_spin frame")


def test_locks(pool, children):
    """locks --tree, as dump --tree: a document a process, whose waiting
    threads are that process's."""
    _, docs = each_in_tree("locks", pool, children)
    for d in docs:
        tids = {int(t) for t in os.listdir(f"/proc/{d['pid']}/task")}
        check(d["waits"] and all(w["tid"] in tids for w in d["waits"]),
              f"locks --tree --json: the waits of {d['pid']} are not its threads': "
              f"{d['waits']} (threads {sorted(tids)})")


def test_record(python):
    """record --tree -d 3 while the master replaces worker 1 after a second
    (with a worker as hot): every stack rooted in its process, the new
    worker's among them."""
    pool, children = start_pool(python, "replace")
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "tree.folded")
        code, out, err = stacktop("record", "-p", pool.pid, "--tree", "-d", "3", "-o", profile)
        check(code == 0, f"record --tree exited {code}: {err}")
        ready, _, _ = select.select([pool.proc.stdout], [], [], 10)
        line = pool.proc.stdout.readline().decode() if ready else ""
        check(line.startswith("replaced "), f"pool_tree.py replace: {line!r}")
        old, new = map(int, line.split()[1:3])
        with open(profile) as f:
            lines = f.read().splitlines()
    roots = {}
    for l in lines:
        m = re.match(r"process (.*) \((\d+)\);thread .* \((\d+)\);", l)
        check(m, f"record --tree: a stack not rooted in its process: {l[:200]!r}")
        roots[int(m.group(2))] = roots.get(int(m.group(2)), 0) + 1
    hot = [pid for pid in children if pid != old]
    check(any(pid in roots for pid in hot), f"record --tree: no worker in {roots}")
    check(new in roots, f"record --tree: the worker {new} started while recording is not in "
          f"{sorted(roots)} (replaced {old})")
    check(any("hot_worker_spin" in l for l in lines if l.startswith(f"process python3 ({new});")),
          f"record --tree: no hot_worker_spin under {new}")
    check("and its descendants" in err, f"record --tree summary: {err}")


def test_mem(pool, children):
    code, out, err = stacktop("mem", "-p", pool.pid, "--tree")
    check(code == 0, f"mem --tree exited {code}: {err}")
    text = out.decode()
    rows = [int(p) for p in re.findall(r"^\s*(\d+)\s+python3\s", text, re.M)]
    check(rows == [pool.pid, *children], f"mem --tree lists {rows}:\n{text}")
    check(re.search(r"^\s*TREE\s+4 processes\s", text, re.M), f"mem --tree: no sum:\n{text}")
    doc = stacktop_json("mem", "-p", pool.pid, "--tree")
    procs, tree = doc["processes"], doc["tree"]
    check(doc["schema"] == "stacktop.mem_tree/1" and doc["root"] == pool.pid and
          [p["pid"] for p in procs] == [pool.pid, *children], f"mem --tree --json: {doc}")
    check(all(p["pss_kib"] > 0 for p in procs), f"mem --tree: a PSS missing: {procs}")
    check(tree["pss_kib"] == sum(p["pss_kib"] for p in procs) and
          tree["rss_kib"] == sum(p["rss_kib"] for p in procs) and tree["process_count"] == 4,
          f"mem --tree: the sums {tree} are not the rows' {procs}")
    # The workers share the master's pages (fork): PSS splits them.
    check(tree["pss_kib"] <= tree["rss_kib"], f"mem --tree: PSS above RSS: {tree}")


def test_report_replaced(python):
    """report --tree -c 3: the worker the master starts after a second is
    in the last report, the one it ended is not."""
    pool, children = start_pool(python, "replace")
    code, out, err = stacktop("report", "-p", pool.pid, "--tree", "-d", "0.8", "-c", "3",
                              "--json")
    check(code == 0, f"report --tree -c 3 exited {code}: {err}")
    ready, _, _ = select.select([pool.proc.stdout], [], [], 10)
    line = pool.proc.stdout.readline().decode() if ready else ""
    check(line.startswith("replaced "), f"pool_tree.py replace: {line!r}")
    old, new = map(int, line.split()[1:3])
    last = json.loads(out.decode().splitlines()[-1])
    pids = [p["pid"] for p in last["processes"]]
    check(new in pids and old not in pids and last["tree"]["process_count"] == 4,
          f"report --tree -c 3: the last report lists {pids} (replaced {old} by {new})")
    pool.kill()


def test():
    python = python_interpreter("system")
    pool, children = start_pool(python)
    check(len(children) == 3, f"pool_tree.py has children {children}")
    hot = hot_of(children)
    test_report(pool, children, hot)
    test_cap(pool)
    test_dump(pool, children, hot)
    test_locks(pool, children)
    test_mem(pool, children)
    test_record(python)
    test_report_replaced(python)


run(test)
