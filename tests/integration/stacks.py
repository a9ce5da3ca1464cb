"""What the stack tests share: the function names of a dumped thread, an
in-order check of a call chain, whether a stack reaches its thread's start,
and a wait until a target sits still."""

import os
import re
import time

from harness import check


def functions(thread):
    return [f["function"] for f in thread["stack"]]


def by_name(doc):
    return {t["name"]: t for t in doc["threads"]}


ROOT = re.compile(r"^thread (.*) \((\d+)\)$")


def thread_root(root):
    """(OS name, threading name or None, TID) of a profile's thread root:
    "thread NAME (TID)", or for a Python thread whose threading name is
    known and differs from its OS name, "thread PYNAME (NAME) (TID)"."""
    match = ROOT.match(root)
    check(match is not None, f"not a thread root: {root!r}")
    label, tid = match.group(1), int(match.group(2))
    python, _, name = label.rpartition(" (")
    if python and name.endswith(")"):
        return name[:-1], python, tid
    return label, None, tid


def thread_label(os_name, python_name):
    """A thread's name as stacktop shows it (ui/text.c text_thread_label)."""
    if python_name is None or python_name == os_name:
        return python_name or os_name
    return f"{python_name} ({os_name})"


def in_order(names, expected, what):
    """expected appear in names, in this order (other frames may sit between)."""
    at = 0
    for want in expected:
        try:
            at = names.index(want, at) + 1
        except ValueError:
            check(False, f"{what}: {want} missing or out of order in {names}")


def settle(pid):
    """Waits until the main thread sits in pause(): right after "ready" it may
    still be on its way back from write()."""
    for _ in range(400):
        if open(f"/proc/{pid}/syscall").read().split()[0] == "34":  # x86-64 pause
            return
        time.sleep(0.005)
    check(False, f"target {pid} never reached pause()")


def check_frames(doc, what):
    """Every thread has a stack of well-formed native frames, names carry no
    ELF symbol version (pthread_cond_wait, not pthread_cond_wait@@GLIBC_2.3.2)
    and no frame repeats the one before it (a walk that went wrong)."""
    for t in doc["threads"]:
        check(t["error"] is None and t["stack"], f"{what}: no stack for {t['name']}")
        for f in t["stack"]:
            check(f["kind"] == "native" and {"function", "module", "offset", "file", "line"}
                  <= f.keys(), f"{what}: frame keys {f.keys()}")
            check("@" not in (f["function"] or ""), f"{what}: versioned name {f['function']}")
        ips = [(f["module"], f["function"], f["offset"]) for f in t["stack"]]
        for a, b in zip(ips, ips[1:]):
            check(a != b, f"{what}: {t['name']} repeats a frame: {functions(t)}")


def shown_names(thread):
    """The frames as the text shows them: function, else module+offset."""
    return [f["function"] or "%s+0x%x" % (os.path.basename(f["module"] or "?"), f["offset"] or 0)
            for f in thread["stack"]]


def at_thread_start(names):
    """Whether names (innermost first) end where the thread started:
    start_thread; or, in a container whose libc has no symbols (the debug
    files here are for this machine's libc), its two outermost frames
    (start_thread and clone3) in libc without names."""
    return "start_thread" in names or \
        len(names) >= 2 and all(n.startswith("libc.so.6+") for n in names[-2:])
