"""record --format pprof, read by the real client: `go tool pprof` (Debian's
golang-go) on our .pb.gz names the hot function with its share, its call
chain, the thread as a label, and the modules as mappings; a Python
profile's frames are functions in their source files at their lines. A name
with no known extension is refused, listing the formats, instead of becoming
a folded file. Skipped, saying why, where go is not installed."""

import os
import re
import shutil
import subprocess
import tempfile

from harness import (PYTHON_TARGETS, TARGETS, check, python_interpreter, run, skip, stacktop,
                     start_python, start_target)


def pprof(*args):
    """go tool pprof's text output; no symbolization (everything it needs is
    in the file), no network."""
    out = subprocess.run(["go", "tool", "pprof", "-symbolize=none", *args],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PPROF_TMPDIR=tempfile.gettempdir()))
    check(out.returncode == 0, f"go tool pprof {args} exited {out.returncode}: {out.stderr}")
    return out.stdout


def build_id(path):
    """A file's GNU build-id, as readelf reads it."""
    out = subprocess.run(["readelf", "-n", path], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    return m.group(1) if m else None


def top_rows(text):
    """{function: flat %} of pprof -top."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\s*\S+\s+([\d.]+)%\s+[\d.]+%\s+\S+\s+[\d.]+%\s+(.+)$", line)
        if m:
            rows[m.group(2).strip()] = float(m.group(1))
    return rows


def check_native(tmp):
    target = start_target("threads", "2")
    path = os.path.join(tmp, "native.pb.gz")
    code, out, err = stacktop("record", "-p", target.pid, "-d", 2, "-o", path)
    check(code == 0 and out == b"", f"record -o .pb.gz exited {code}: {err}")
    check("pprof to " in err, f"summary names the format: {err}")
    with open(path, "rb") as f:
        check(f.read(2) == b"\x1f\x8b", "a .pb.gz that is not gzip")
    # The folded profile of the same target over the same time, for the share.
    code, folded, err = stacktop("record", "-p", target.pid, "-d", 2)
    check(code == 0, f"folded record: {err}")
    counts = {}
    for line in folded.decode().splitlines():
        stack, n = line.rsplit(" ", 1)
        counts[stack.split(";")[-1]] = counts.get(stack.split(";")[-1], 0) + int(n)
    share = 100 * counts.get("spin_forever", 0) / max(1, sum(counts.values()))

    top = top_rows(pprof("-top", path))
    check("spin_forever" in top, f"pprof -top has no spin_forever: {top}")
    # The hot function leads with the share the folded profile gives it.
    check(max(top, key=top.get) == "spin_forever", f"hottest in pprof: {top}")
    check(abs(top["spin_forever"] - share) < 15, f"spin_forever {top['spin_forever']}% in "
          f"pprof, {share:.0f}% folded")

    traces = pprof("-traces", path)
    chain = re.search(r"thread:\s+st-hot\s*\n(?:.*\n)*?\s+[\d.]+\w*\s+spin_forever\s*\n"
                      r"\s+hot_main\s*\n\s+start_thread", traces)
    check(chain is not None, f"no st-hot trace spin_forever <- hot_main <- start_thread:\n"
          f"{traces[:2000]}")
    raw = pprof("-raw", path)
    # The mappings as the process had them (its executable segment: an
    # offset past the ELF header), each with its file's build-id, the
    # program first.
    threads = os.path.join(TARGETS, "threads")
    m = re.search(r"Mappings\n1: 0x([0-9a-f]+)/0x([0-9a-f]+)/0x([0-9a-f]+) (\S*/threads) "
                  r"([0-9a-f]+) ", raw)
    check(m is not None, f"the program is not the first mapping:\n{raw[-1500:]}")
    check(int(m.group(3), 16) > 0 and int(m.group(2), 16) - int(m.group(1), 16) >= 4096,
          f"the program's mapping is not its executable segment: {m.group(0)}")
    check(m.group(5) == build_id(threads), f"build-id {m.group(5)}, the file's is "
                                           f"{build_id(threads)}")
    libc = re.search(r"\n\d+: \S+ (\S*/libc\.so\.6) ([0-9a-f]+) ", raw)
    check(libc is not None and libc.group(2) == build_id(libc.group(1)),
          f"libc's mapping or build-id:\n{raw[-1500:]}")
    # A sample type for the count and one for the time it stands for.
    check(re.search(r"PeriodType: cpu nanoseconds", raw) and
          re.search(r"samples/count cpu/nanoseconds", raw), f"sample types:\n{raw[:600]}")
    target.kill()


def check_python(tmp, want):
    python = python_interpreter(want)
    lines = {}
    for i, text in enumerate(open(os.path.join(PYTHON_TARGETS, "app.py")).read().splitlines(), 1):
        m = re.search(r"# line: (\S+)", text)
        if m:
            lines[m.group(1)] = i
    target = start_python(python, "app.py")
    path = os.path.join(tmp, "py.pb.gz")
    # Python frames alone: merged with the native ones, a spinner's own
    # (flat) time is in the interpreter's C functions under it (on 3.12
    # _PyObject_Free led), and spin_leaf's share is its cumulative one.
    code, _, err = stacktop("record", "-p", target.pid, "-d", 2, "--python",
                            "--format", "pprof", "-o", path)
    check(code == 0, f"{python}: record --format pprof: {err}")
    top = top_rows(pprof("-top", path))
    check("spin_leaf" in top and max(top, key=top.get) == "spin_leaf",
          f"{python}: hottest in pprof: {top}")
    # Lines: the leaf at its busy loop, in app.py.
    listing = pprof("-traces", "-lines", path)
    check(re.search(r"spin_leaf \S*app\.py:%d" % lines["spin"], listing) is not None,
          f"{python}: no spin_leaf at app.py:{lines['spin']}:\n{listing[:2000]}")
    check(re.search(r"spin_middle \S*app\.py:%d" % lines["spin-call"], listing) is not None,
          f"{python}: no spin_middle at app.py:{lines['spin-call']}")
    target.kill()


def check_unknown_extension(tmp):
    target = start_target("threads", "1")
    path = os.path.join(tmp, "profile.html")
    code, out, err = stacktop("record", "-p", target.pid, "-d", 0.2, "-o", path)
    first = err.splitlines()[0] if err else ""
    check(code == 2 and first == "stacktop record: cannot tell a format from the name "
          f"'{path}': give --format folded, speedscope, svg, pprof, gecko or chrometrace "
          "(or end it in .folded, .json, .svg, .pb.gz, .gecko.json or .trace.json)",
          f"unknown extension: {code} {err}")
    check(not os.path.exists(path), "a file was written under an unknown extension")
    target.kill()


def test():
    if shutil.which("go") is None:
        skip("go is not installed (Debian: golang-go): go tool pprof is the client")
    with tempfile.TemporaryDirectory() as tmp:
        check_native(tmp)
        check_unknown_extension(tmp)
        for want in ("system", "2.7", "3.12"):
            check_python(tmp, want)


if __name__ == "__main__":
    run(test)
