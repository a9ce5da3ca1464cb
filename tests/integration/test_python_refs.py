"""mem --python-refs TYPE: what holds a type's objects, on one interpreter
(argv[1] as test_python_types takes it). tests/targets/python/refs_service.py
keeps its HxConn in __main__.POOL.conns['peer-N'][i] (a Pool instance's
attribute, a dict of lists), churns Decoys held by a frame's local only,
and leaves 40 cycles of two Finalized (with __del__) in gc.garbage (2.7)
or unreachable with the collector disabled (3.x). The chain names the
module, the global, the attribute and the kinds of the steps, in text and
JSON (stacktop.refs/1); the counts are within 5% of what the target's own
gc.get_objects() counts; a module-qualified name finds the same objects;
Decoy is never reached through POOL; a GenHeld is found in the local kept
of a suspended generator in the global list GENS, a FrameHeld in that of a
frame object in FRAMES; instances held by a closure, a default, an
exception's args, a traceback's frame, a task's coroutine and a
SimpleNamespace are found through them; the target runs on. A free-threaded
build says in one line that it cannot be walked."""

import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

import harness
from harness import (check, check_running, python_interpreter, run, stacktop, stacktop_json,
                     start_python)

WANT = sys.argv[1]
CONNS = 3000
CHAIN = [("global", "POOL", "Pool"), ("attribute", "conns", "dict"), ("value", None, "list"),
         ("index", None, "HxConn")]


def target_counts(target):
    line = target.stdout.readline().decode()
    m = re.match(r"counts HxConn=(\d+) Finalized=(\d+)", line)
    check(m, f"no counts line: {line!r}")
    return int(m.group(1)), int(m.group(2))


def near(got, want):
    return abs(got - want) <= 0.05 * want


def check_cycles(python, doc, finalized):
    """The 40 pairs of Finalized, each a cycle through attribute partner,
    whatever type was asked for: in gc.garbage on 2.7, reached from nothing
    on 3.x."""
    want = [("attribute", "partner", "Finalized")] * 2
    cycles = [c for c in doc["cycles"]
              if [(s["kind"], s["name"], s["type"]) for s in c["steps"]] == want]
    check(len(cycles) == 1, f"no Finalized cycle group among {doc['cycles']}")
    check(near(cycles[0]["count"], finalized / 2), f"{cycles[0]['count']} cycles, the target "
          f"made {finalized // 2}")
    where = "gc.garbage" if python.version.startswith("2.") else "reached from no module"
    check(where in cycles[0]["why"], f"why {cycles[0]['why']!r}, want {where!r}")


def check_pictures(pid):
    """-o FILE.svg: an SVG that parses as XML and holds the boxes and the
    labels; -o FILE.dot: a digraph with the same labels."""
    with tempfile.TemporaryDirectory() as tmp:
        svg, dot = os.path.join(tmp, "refs.svg"), os.path.join(tmp, "refs.dot")
        for path in (svg, dot):
            code, out, err = stacktop("mem", "-p", pid, "--python-refs", "HxConn", "-o", path)
            check(code == 0 and os.path.exists(path), f"-o {path}: exit {code}: {err}")
        root = ElementTree.parse(svg).getroot()
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        for label in ("module __main__", "Pool", "global POOL", "attribute conns", "HxConn",
                      "attribute partner", "Finalized"):
            check(label in texts, f"the SVG has no {label!r}: {texts}")
        with open(dot) as f:
            text = f.read()
        check(text.startswith("digraph") and '[label="global POOL"]' in text and
              '[label="attribute conns"]' in text, f"DOT:\n{text}")


def test():
    python = python_interpreter(WANT)
    target = start_python(python, "refs_service.py", CONNS)
    conns, finalized = target_counts(target)
    doc = stacktop_json("mem", "-p", target.pid, "--python-refs", "HxConn")
    check_running(target.pid)
    check(doc["schema"] == "stacktop.refs/1" and doc["type"] == "HxConn", f"document {doc}")
    if python.free_threaded:
        check(doc["unreadable"] and "free-threaded" in doc["unreadable"] and
              doc["chains"] == [] and doc["instances"] == 0, f"free-threaded: {doc}")
        code, out, err = stacktop("mem", "-p", target.pid, "--python-refs", "HxConn")
        check(code == 0 and b"free-threaded" in out, f"text: {code} {out!r} {err!r}")
        return
    py = doc["python"]
    print(f"{python.version}: {doc['instances']} HxConn (target: {conns}), "
          f"{doc['reached']} reached, {py['objects']} objects, {doc['references']} "
          f"references, stopped {py['stopped_ms']} ms, {py['total_ms']} ms in all")
    check(not py["partial"] and not doc["references_capped"], f"partial: {py}")
    # What the stop read is what is read after it: a block of the copy that
    # holds two mappings (an arena freed between them) keeps both.
    check(doc["objects_not_copied"] == 0, f"{doc['objects_not_copied']} objects not copied")
    check(py["stopped_ms"] > 0 and py["stopped_ms"] <= py["max_stop_ms"], f"stop: {py}")
    check(near(doc["instances"], conns) and near(doc["reached"], conns),
          f"{doc['instances']} instances, {doc['reached']} reached; the target counts {conns}")
    first = doc["chains"][0]
    check(first["root"] == "__main__" and near(first["count"], conns),
          f"first chain {first}, want __main__ with ~{conns}")
    got = [(s["kind"], s["name"], s["type"]) for s in first["steps"]]
    check(got == CHAIN, f"chain {got}, want {CHAIN}")
    example = first["steps"]
    check(re.fullmatch(r"'peer-\d+'", example[2]["example"] or "") and
          re.fullmatch(r"\d+", example[3]["example"] or ""),
          f"example labels {example}")
    check(doc["chains_total"] >= 1 and len(doc["chains"]) <= 10, f"groups {doc['chains_total']}")
    check_cycles(python, doc, finalized)
    check(first["root_kind"] == "module" and first["variable"] is None, f"first chain {first}")

    qualified = stacktop_json("mem", "-p", target.pid, "--python-refs", "__main__.HxConn",
                              "--max-chains", 1)
    check(near(qualified["instances"], conns) and len(qualified["chains"]) == 1,
          f"__main__.HxConn: {qualified['instances']} instances, {qualified['chains']}")

    # Held only by the local variable kept of hold_forever, in the sleeping
    # thread "holder": a chain from that frame's variable, of no step.
    local = stacktop_json("mem", "-p", target.pid, "--python-refs", "HeldByLocal")
    check(local["instances"] == 1 and local["reached"] == 1 and len(local["chains"]) == 1,
          f"HeldByLocal: {local['instances']} instances, {local['reached']} reached, "
          f"{local['chains']}")
    held = local["chains"][0]
    check(held["root_kind"] == "local" and held["thread"] == "holder" and
          held["function"] == "hold_forever" and held["variable"] == "kept" and
          held["root"] == "thread holder, frame hold_forever, local kept" and
          held["steps"] == [], f"HeldByLocal's chain {held}")
    check(all(c["root_kind"] == "module" and c["variable"] is None for c in doc["chains"]),
          f"HxConn chains not from modules: {doc['chains']}")

    # A deque's items (its blocks, laid out as the layout table measured, 2.7
    # too), a __slots__ member (the class's tp_members) and a bound method's
    # __self__; a function's closure and defaults, an exception's args, a
    # traceback's frames, an asyncio task's coroutine and a SimpleNamespace's
    # attributes (3.x).
    error = "exceptions.ValueError" if python.version == "2.7" else "ValueError"
    py3 = () if python.version == "2.7" else (
        ("InTask", 1, [("global", "TASKS", "list"), ("index", None, "_asyncio.Task"),
                       ("coroutine", None, "coroutine"), ("local", "arg", "InTask")]),
        ("InNamespace", 1, [("global", "NS", "types.SimpleNamespace"),
                            ("attribute", "held", "InNamespace")]))
    for sought, count, steps in py3 + (
            ("InClosure", 1, [("global", "CALLBACKS", "list"), ("index", None, "function"),
                              ("__closure__", None, "tuple"), ("index", None, "cell"),
                              ("cell", None, "InClosure")]),
            ("InDefault", 1, [("global", "with_default", "function"),
                              ("__defaults__", None, "tuple"), ("index", None, "InDefault")]),
            ("InError", 1, [("global", "ERRORS", "list"), ("index", None, error),
                            ("args", None, "tuple"), ("index", None, "InError")]),
            ("InTraceback", 1, [("global", "TRACEBACKS", "list"), ("index", None, "traceback"),
                                ("tb_next", None, "traceback"), ("tb_frame", None, "frame"),
                                ("local", "kept", "InTraceback")]),
            ("Queued", 70, [("global", "QUEUE", "collections.deque"), ("index", None, "Queued")]),
            ("InSlot", 1, [("global", "SLOTTED", "SlotHolder"), ("slot", "held", "InSlot")]),
            ("BoundSelf", 1, [("global", "BOUND", "instancemethod" if python.version == "2.7"
                                else "method"), ("__self__", None, "BoundSelf")]),
            # A suspended generator's frame variable, and an ended frame
            # object's (≤3.10 the frame itself, 3.11+ the copy it owns).
            ("GenHeld", 1, [("global", "GENS", "list"), ("index", None, "generator"),
                            ("local", "kept", "GenHeld")]),
            ("FrameHeld", 1, [("global", "FRAMES", "list"), ("index", None, "frame"),
                              ("local", "kept", "FrameHeld")])):
        held = stacktop_json("mem", "-p", target.pid, "--python-refs", sought)
        chains = [(c["count"], [(s["kind"], s["name"], s["type"]) for s in c["steps"]])
                  for c in held["chains"]]
        check(held["instances"] == count and chains == [(count, steps)],
              f"{sought}: {held['instances']} instances, chains {chains}, want {count} by "
              f"{steps}; {held['objects_not_copied']} objects not copied, {held['python']}")

    decoy = stacktop_json("mem", "-p", target.pid, "--python-refs", "Decoy")
    for chain in decoy["chains"]:
        check(all(s["name"] != "POOL" for s in chain["steps"]), f"a Decoy via POOL: {chain}")

    code, out, err = stacktop("mem", "-p", target.pid, "--python-refs", "HxConn")
    check(code == 0, f"text exited {code}: {err}")
    harness.assert_terminal_safe(out, "text")
    check_pictures(target.pid)
    text = out.decode()
    check(re.search(r"\d+ of \d+ HxConn: module __main__, global POOL \(Pool\) -> attribute "
                    r"conns \(dict\) -> value \(list\) -> index \(HxConn\)", text) and
          re.search(r"e\.g\. __main__\.POOL\.conns\['peer-\d+'\]\[\d+\] at 0x", text),
          f"text has no chain through POOL:\n{text}")
    code, out, err = stacktop("mem", "-p", target.pid, "--python-refs", "HeldByLocal")
    check(code == 0 and b"1 of 1 HeldByLocal: thread holder, frame hold_forever, local kept"
          in out and b"e.g. kept at 0x" in out, f"HeldByLocal text: {code} {out!r} {err!r}")
    code, out, err = stacktop("mem", "-p", target.pid, "--python-refs", "GenHeld")
    check(code == 0 and b"1 of 1 GenHeld: module __main__, global GENS (list) -> index "
          b"(generator) -> local kept (GenHeld)" in out and
          b"e.g. __main__.GENS[0].kept at 0x" in out, f"GenHeld text: {code} {out!r} {err!r}")
    # A type no tracked object has: said so, not a bare 0.
    code, out, err = stacktop("mem", "-p", target.pid, "--python-refs", "NoSuchType")
    check(code == 0 and b"no object of type NoSuchType among the " in out,
          f"NoSuchType text: {code} {out!r} {err!r}")
    check(re.search(r"\d+ cycles \(.*\): Finalized -> attribute partner \(Finalized\) -> "
                    r"attribute partner \(Finalized\)", text), f"text has no cycle:\n{text}")
    check_running(target.pid)


run(test)
