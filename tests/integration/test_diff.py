"""stacktop diff on two real recordings of the threads target: before, one
thread spins (st-hot); after, a second one spins too (st-late, `threads 1
0`). In the differential graph of folded stacks, of pprof files and of one
of each, st-hot's share shrank (blue) and st-late's is new (red), each
tooltip carries both counts; the other way round, st-late is listed as
only in BEFORE. A missing, empty, text or binary garbage file is one line
and exit 1; a wrong command line exit 2; an SVG is not written to a
terminal."""

import os
import pty
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import STACKTOP, check, fail, run, stacktop, start_target

FRAME = re.compile(r'<g class="f" data-d="(\d+)" data-l="([^"]*)"><title>([^<]*)</title>'
                   r'<rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)"')


def record(tmp, name, *target_args):
    """A folded and a pprof recording of the threads target run with
    target_args: their paths."""
    target = start_target("threads", *target_args)
    paths = []
    for ext in ("folded", "pb.gz"):
        path = os.path.join(tmp, f"{name}.{ext}")
        code, out, err = stacktop("record", "-p", target.pid, "-d", 2, "-o", path)
        check(code == 0 and out == b"", f"record -o {path} exited {code}: {err}")
        paths.append(path)
    target.kill()
    return paths


def frames(svg):
    """{label at depth 1 or deeper: (r, g, b, tooltip)} of the graph; a label
    seen twice keeps its first (the thread roots are unique)."""
    found = {}
    for m in FRAME.finditer(svg):
        depth, label, title = int(m.group(1)), m.group(2), m.group(3)
        rgb = tuple(int(m.group(i)) for i in (4, 5, 6))
        if depth > 0 and label not in found:
            found[label] = (rgb, title)
    return found


def diff(tmp, before, after, *extra):
    """The SVG of stacktop diff before after, through -o; also checks that
    standard output (a pipe here) gets the same graph."""
    path = os.path.join(tmp, "diff.svg")
    code, out, err = stacktop("diff", before, after, "-o", path, *extra)
    check(code == 0 and out == b"" and err == "", f"diff {before} {after}: {code} {err}")
    with open(path) as f:
        svg = f.read()
    code, out, err = stacktop("diff", before, after, *extra)
    check(code == 0 and out.decode() == svg, f"diff to a pipe differs: {code} {err}")
    try:
        ET.fromstring(svg)
    except ET.ParseError as e:
        fail(f"diff {before} {after}: not well-formed XML: {e}")
    check("window.stacktopSearch" in svg and "window.stacktopZoom" in svg,
          "the search and zoom script is missing")
    return svg


def reddish(rgb):
    return rgb[0] - max(rgb[1], rgb[2]) > 40


def bluish(rgb):
    return rgb[2] - max(rgb[0], rgb[1]) > 40


def counts(title):
    """(before, after) samples of a tooltip."""
    m = re.search(r"before: (\d+) samples, [\d.]+%\nafter: (\d+) samples, [\d.]+%", title)
    check(m is not None, f"a tooltip without both counts: {title!r}")
    return int(m.group(1)), int(m.group(2))


def check_grew(svg, what):
    f = frames(svg)
    for label in ("thread st-hot", "thread st-late", "late_main", "hot_main"):
        check(label in f, f"{what}: no frame {label} in {sorted(f)}")
    hot_rgb, hot_title = f["thread st-hot"]
    late_rgb, late_title = f["thread st-late"]
    # st-hot had every sample before, about half after.
    check(bluish(hot_rgb), f"{what}: st-hot's share shrank but it is {hot_rgb}: {hot_title!r}")
    check(reddish(late_rgb), f"{what}: st-late is new but it is {late_rgb}: {late_title!r}")
    check(reddish(f["late_main"][0]), f"{what}: late_main is {f['late_main'][0]}")
    before, after = counts(hot_title)
    check(before > 0 and after > 0, f"{what}: st-hot counts {before} {after}")
    before, after = counts(late_title)
    check(before == 0 and after > 0 and "(new)" in late_title,
          f"{what}: st-late counts {before} {after}: {late_title!r}")
    check("normalized by total samples" in svg, f"{what}: the footer does not say normalized")


def check_vanished(svg, what):
    """The graph of before against after: st-late only in BEFORE."""
    f = frames(svg)
    check("thread st-late" not in f, f"{what}: st-late drawn though AFTER has none")
    check(reddish(f["thread st-hot"][0]), f"{what}: st-hot grew, it is {f['thread st-hot'][0]}")
    m = re.search(r"Only in BEFORE \(not drawn\): (\d+) paths?, (\d+) samples", svg)
    check(m is not None and int(m.group(2)) > 0, f"{what}: no list of vanished paths")
    check(re.search(r"</tspan> thread st-late</text>", svg) is not None,
          f"{what}: st-late is not listed as only in BEFORE")


def check_errors(tmp, good):
    missing = os.path.join(tmp, "missing.folded")
    code, out, err = stacktop("diff", missing, good, "-o", os.path.join(tmp, "x.svg"))
    check(code == 1 and err == f"stacktop diff: cannot read {missing}: No such file or "
          "directory\n", f"missing file: {code} {err!r}")
    check(not os.path.exists(os.path.join(tmp, "x.svg")), "an output written for bad input")
    cases = {
        "empty.folded": (b"", "is empty"),
        "text.folded": (b"main;work 10\nthis is no profile\n",
                        "not folded stacks: line 2: no count at its end"),
        "binary.pb.gz": (bytes(range(256)) * 4,
                         "neither folded stacks nor a pprof profile: "),
        "cut.pb.gz": (open(good.replace(".folded", ".pb.gz"), "rb").read()[:40],
                      "not a pprof profile: gzip data cut short"),
        "zeros.folded": (b"main;work 0\n", "has no samples"),
    }
    for name, (data, want) in cases.items():
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        for args in ((path, good), (good, path)):
            code, out, err = stacktop("diff", *args)
            check(code == 1 and out == b"" and err.startswith(f"stacktop diff: {path}: {want}")
                  and err.count("\n") == 1, f"{name}: {code} {err!r}")
    # Usage: exit 2, the error and the usage line.
    for args in ((good,), (good, good, good), (good, good, "--bogus")):
        code, out, err = stacktop("diff", *args)
        check(code == 2 and err.startswith("stacktop diff: ") and
              "usage: stacktop diff BEFORE AFTER" in err, f"diff {args}: {code} {err!r}")
    # A terminal gets no SVG: one line asking for -o.
    master, slave = pty.openpty()
    done = subprocess.run([STACKTOP, "diff", good, good], stdout=slave, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=60)
    os.close(slave)
    os.close(master)
    check(done.returncode == 2 and b"give -o FILE" in done.stderr,
          f"diff to a terminal: {done.returncode} {done.stderr!r}")


def check_help():
    code, out, _ = stacktop("--help")
    check(code == 0 and re.search(rb"\n  diff +two profiles compared", out), "no diff in --help")
    code, out, _ = stacktop("diff", "--help")
    check(code == 0 and b"usage: stacktop diff BEFORE AFTER" in out and
          b"  BEFORE AFTER " in out and b"--no-normalize" in out, f"diff --help: {out!r}")


def test():
    with tempfile.TemporaryDirectory() as tmp:
        before_folded, before_pprof = record(tmp, "before", "1")
        after_folded, after_pprof = record(tmp, "after", "1", "0")
        check_grew(diff(tmp, before_folded, after_folded), "folded")
        check_grew(diff(tmp, before_pprof, after_pprof), "pprof")
        check_grew(diff(tmp, before_folded, after_pprof), "folded then pprof")
        check_vanished(diff(tmp, after_folded, before_folded), "folded, reversed")
        check_vanished(diff(tmp, after_pprof, before_pprof), "pprof, reversed")
        # Raw counts: said so in the footer.
        svg = diff(tmp, before_folded, after_folded, "--no-normalize")
        check("raw counts" in svg, "--no-normalize: the footer does not say raw counts")
        check_errors(tmp, before_folded)
        check_help()


if __name__ == "__main__":
    run(test)
