"""Thread names of a subinterpreter (3.14+, concurrent.interpreters), on the
sid root's interpreters: tests/targets/python/subinterp.py runs a thread
named "sub-worker" in a subinterpreter. dump must name it from that
interpreter's own threading module (the main one's does not list it) and
show its Python frames; the main thread keeps its name."""

from harness import check, python_interpreter, run, start_python, stacktop_json


def check_version(want):
    python = python_interpreter(want)
    target = start_python(python, "subinterp.py")
    for attempt in range(20):
        doc = stacktop_json("dump", "-p", target.pid)
        names = {t["python_thread_name"]: t for t in doc["threads"]}
        sub = names.get("sub-worker")
        if sub is not None and any(f["function"] == "sub_leaf" for f in sub["stack"]):
            break
    print(f"{want}: {sorted(n for n in names if n)}", flush=True)
    check(sub is not None, f"{want}: no thread named sub-worker: {sorted(map(str, names))}")
    check(any(f["function"] == "sub_leaf" for f in sub["stack"]),
          f"{want}: sub-worker's stack: {[f['function'] for f in sub['stack']]}")
    check("MainThread" in names, f"{want}: the main thread's name: {sorted(map(str, names))}")
    target.kill()


def test():
    for want in ("sid-3.14", "sid-3.15"):
        check_version(want)


run(test)
