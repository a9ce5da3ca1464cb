"""dump of a stripped program whose debug file is in its container's root
only: a mount namespace whose root is the Debian sid root (pivot_root, as
a container runtime does), so that the target's maps name its files as it
sees them (/tmp/stacktop-test-XXX/threads-debuglink), a path that is not
ours. Its .gnu_debuglink file lies beside it in there: stacktop finds it
under /proc/PID/root, and names the program's static functions."""

import os
import select
import shutil
import subprocess
import tempfile

from harness import SID_ROOT, TARGETS, _child_of, _die_with_us, check, fail, run, skip, \
    stacktop_json
from stacks import by_name, functions, in_order, settle

# In a new mount namespace: the root bind-mounted onto itself (pivot_root
# wants a mount point), /proc of the new PID namespace in it (the target
# names its threads there), then made the namespace's root, the old one put
# in the test's directory.
CONTAINER = ('mount --make-rprivate / && mount --bind "$1" "$1" && '
             'mount -t proc proc "$1/proc" && cd "$1" && pivot_root . "${2#/}/old" && '
             'exec "$2/threads-debuglink" 2')


def start(inner):
    proc = subprocess.Popen(["unshare", "--mount", "--pid", "--fork", "--kill-child",
                             "sh", "-c", CONTAINER, "sh", SID_ROOT, inner],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, preexec_fn=_die_with_us)
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    line = proc.stdout.readline().decode() if ready else ""
    if not line.startswith("ready "):
        proc.kill()
        err = proc.stderr.read().decode(errors="replace")
        if "Operation not permitted" in err or "permission denied" in err.lower():
            skip(f"cannot make a mount namespace here: {err.strip()!r}")
        fail(f"threads-debuglink did not start in the container: {line!r} {err!r}")
    return proc


def test():
    if not os.path.isdir(SID_ROOT):
        skip(f"no Debian sid root at {SID_ROOT}: scripts/test-pythons makes it")
    host = tempfile.mkdtemp(prefix="stacktop-test-", dir=os.path.join(SID_ROOT, "tmp"))
    proc = None
    try:
        os.chmod(host, 0o755)
        os.mkdir(os.path.join(host, "old"))
        for name in ("threads-debuglink", "threads-debuglink.debug"):
            shutil.copy(os.path.join(TARGETS, name), host)
        inner = "/" + os.path.relpath(host, SID_ROOT)
        proc = start(inner)
        pid = _child_of(proc)
        settle(pid)
        doc = stacktop_json("dump", "-p", pid)
        threads = by_name(doc)
        hot = threads["st-hot"]
        module = hot["stack"][0]["module"]
        check(module == inner + "/threads-debuglink", f"module {module}")
        # The file as the target names it is not ours: only its root has it.
        check(not os.path.exists(module), f"{module} exists outside the container")
        # Static functions: in the debug file alone, not in .dynsym.
        in_order(functions(hot), ["spin_forever", "hot_main"], "st-hot")
        in_order(functions(threads["st-idle-0"]), ["idle_main"], "st-idle-0")
        in_order(functions(threads["st-reader"]), ["block_in_read", "reader_main"],
                 "st-reader")
    finally:
        if proc is not None:
            proc.kill()  # unshare's --kill-child ends the container
            proc.wait()
        shutil.rmtree(host, ignore_errors=True)


run(test)
