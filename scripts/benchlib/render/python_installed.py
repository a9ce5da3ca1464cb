"""Markdown of a python-installed (every CPython against austin 1.0.1)
result."""
from .md import counts, heading, lines_of, num, pct, share, table

TITLE = "Python: every installed CPython against austin"
COMMAND = "scripts/bench python --section installed"

SAMPLING = ["stacktop --python 100 Hz", "stacktop --python 1 kHz",
            "stacktop --python 5 kHz", "stacktop merged 100 Hz",
            "austin 100 Hz", "austin 1 kHz"]


def cell(p, name, key, spec):
    """A mode's figure; "cannot read" where austin reads nothing of this
    interpreter, "failed" where the mode failed every run."""
    m = p["modes"].get(name)
    if m is None:
        if name.startswith("austin") and not p["austin_ok"]:
            return "cannot read"
        return "failed"
    return num(m.get(key), spec) if spec != "pct" else pct(m.get(key))


def dump_table(d, runs):
    rows = []
    for p in d["interpreters"]:
        dm = p["dump_ms"]
        ratio = ("%.2f" % p["dump_ratio"] if p.get("dump_ratio") is not None
                 else "austin cannot read it" if not p["austin_ok"] else "–")
        rows.append([p["label"], num(dm["py"]) or "–",
                     num(dm["merged"]) or "–",
                     (num(dm["austin"]) or "–") if p["austin_ok"] else "–",
                     ratio])
    return ["Wall time of one command, median of %d, interleaved. austin "
            "1.0.1 has no one-shot mode: its time is from its start until a "
            "sample of every thread has reached its stdout (a pty, so it "
            "writes each line at once), with `-i 1000000` (it samples at "
            "once, then every second); it is stopped with SIGINT then. The "
            "merged dump stops the target." % d["dump_rounds"], ""] + table(
        ["Python", "`stacktop dump --python` ms",
         "`stacktop dump` (merged) ms", "austin first snapshot ms",
         "stacktop --python / austin"], "lrrrr", rows)


def rate_table(d, runs):
    rows = []
    for p in d["interpreters"]:
        cells = []
        for n in SAMPLING:
            c = cell(p, n, "hz", "%.0f")
            m = p["modes"].get(n)
            if m and m.get("cpu") is not None:
                c += " (%.1f%%)" % (100 * m["cpu"])
            cells.append(c)
        cells.append(num(p.get("rate_ratio_1k"), "%.2f") or "–")
        rows.append([p["label"]] + cells)
    return ["Samples of the busy thread per second each sampler achieved, "
            "and in parentheses the sampler's CPU time over its lifetime "
            "(%% of one CPU), medians of %s runs of %g s. stacktop: its "
            "folded output's count over the duration its summary line gives; "
            "austin: its samples over the sum of its own time deltas (its "
            "sampling time)." % (runs, d["record_s"]), ""] + table(
        ["Python"] + SAMPLING + ["stacktop / austin at 1 kHz"],
        "l" + "r" * 7, rows)


def slowdown_table(d, runs):
    rows = []
    for p in d["interpreters"]:
        rows.append([p["label"], num(p.get("base_rate") and
                                     p["base_rate"] / 1e6, "%.2f"),
                     pct(p.get("spread"))]
                    + [cell(p, n, "loss", "pct")
                       for n in ["no sampler"] + SAMPLING]
                    + [pct(p.get("held_merged")) or "–",
                       pct(p.get("held_others_max")) or "–"])
    return ["The busy thread's loop iterations in %g s slices of a %g s "
            "window from %g s after the sampler starts; %s rounds of all "
            "modes (the order rotated each round), each window between two "
            "%g s windows without a sampler. Slowdown = 1 − the median over "
            "the mode's slices of the slice's rate / the median rate of the "
            "slices without a sampler just before and after its window. "
            "\"no sampler\" is such a window with nothing attached: what no "
            "difference looks like. \"noise\": the interquartile range of "
            "all slices without a sampler over their median. \"held\": the "
            "part of the window the busy thread was neither on a CPU nor "
            "waiting for one (its schedstat), i.e. stopped."
            % (d["slice_s"], d["window_s"], d["settle_s"], runs, d["off_s"]),
            ""] + table(
        ["Python", "no sampler Miter/s", "noise", "no sampler"] + SAMPLING
        + ["held: merged", "held: the others (max)"], "l" + "r" * 11, rows) \
        + ["", "Commands: " + "; ".join(
            "`%s`" % d["commands"][n] for n in SAMPLING) + "."]


def line_table(d):
    line = d["hot_line"]
    rows = []
    for p in d["interpreters"]:
        lv = p["lines"]
        rows.append([p["label"], share(lv["py"]), share(lv["merged"]),
                     counts(lv.get("stacktop_others")),
                     share(lv["austin"]) if p["austin_ok"] else "cannot read",
                     counts(lv.get("austin_others")) if p["austin_ok"]
                     else ""])
    return ["Share of the busy thread's stacks whose innermost Python frame "
            "is on the hot line (%d; nearly all its time is spent there, the "
            "rest in the call, the return and the counter's store). "
            "stacktop's column counts `dump --python --json` snapshots; "
            "austin's counts its samples from the sampling runs and its "
            "snapshots." % line, ""] + table(
        ["Python", "stacktop dump --python", "stacktop dump (merged)",
         "stacktop's other lines", "austin", "austin's other lines"],
        "lrrlrl", rows)


def goals(d):
    said = []
    for p in d["interpreters"]:
        parts = []
        for name in ("stacktop --python 1 kHz", "stacktop --python 5 kHz"):
            m = p["modes"].get(name)
            parts.append("-r %s000: %s" % (name.split()[-2], "failed" if not m
                         else "%.0f samples/s, slowdown %s" % (
                             m["hz"], pct(m["loss"]))))
        aa = p["modes"].get("no sampler")
        g = p["goal"]
        said.append("Python %s: %s (the window without a sampler: %s); goal "
                    "(≥ %d samples/s with ≤ %s slowdown) %s" % (
                        p["label"], "; ".join(parts),
                        pct(aa["loss"]) if aa else "failed",
                        g["limit"]["hz"], pct(g["limit"]["loss"], "%.0f%%"),
                        "met (%s)" % g["at"] if g["met"] else "NOT met"))
    return ["Met when a `record --python` run (-r 1000 or -r 5000) achieved "
            "at least 1000 samples/s of the busy thread with a slowdown of at "
            "most 1%; the window without a sampler shows how far from 0 "
            "noise alone takes the slowdown.", ""] + lines_of(*said)


def body(r, level):
    d = r["data"]
    runs = num(r["runs"], "%d")
    out = ["Target `tests/targets/python/bench.py`: a thread `py-busy` runs "
           "a counting loop on line %d (`# line: hot`) and stores its "
           "progress in a shared file, read without waking the target; the "
           "main thread sleeps. One target per interpreter; stacktop and "
           "austin take turns on it." % d["hot_line"], ""]
    for title, part in (("Dump latency", dump_table(d, runs)),
                        ("Sampling rate", rate_table(d, runs)),
                        ("Target slowdown", slowdown_table(d, runs)),
                        ("Line numbers", line_table(d)),
                        ("Goals", goals(d))):
        out += [heading(level + 1, title), ""] + part + [""]
    austin_no = [(p["label"], p["austin_error"]) for p in d["interpreters"]
                 if not p["austin_ok"] and p.get("austin_error")]
    if austin_no:
        out += ["austin cannot read: " + "; ".join(
            "%s (%s)" % x for x in austin_no) + ".", ""]
    errs = [(p["label"], e, n) for p in d["interpreters"]
            for e, n in p.get("errors") or []]
    if errs:
        out += ["Errors:  "] + lines_of(*["%s: %s ×%d" % x for x in errs])
    return out


def minor(label):
    """(3, 10) of "3.10.13" or "3.11.2 (/usr/bin/python3)"."""
    return tuple(int(x) for x in label.split()[0].split(".")[:2])


def span(values, spec):
    """"a–b" of the smallest and largest, one value when they are equal."""
    lo, hi = spec % min(values), spec % max(values)
    return lo if lo == hi else "%s–%s" % (lo, hi)


def upstream(version):
    """Debian's "1.0.1-2" or "1:1.0.1-2" as upstream's "1.0.1"."""
    return version.split(":")[-1].rsplit("-", 1)[0] if version else ""


def summary(r):
    d = r["data"]
    ps = d["interpreters"]
    ok = [p for p in ps if p["austin_ok"]]
    if not ok:
        return []
    austin = "austin %s" % upstream(dict(r["machine"]["packages"]).get(
        "austin"))
    readable = sorted({minor(p["label"]) for p in ok})
    unreadable = sorted({minor(p["label"]) for p in ps if not p["austin_ok"]})
    lo, hi = ("%d.%d" % v for v in (readable[0], readable[-1]))
    versions = "CPython %s" % (lo if lo == hi else "%s–%s" % (lo, hi))
    rows = []
    dumps = [p["dump_ratio"] for p in ok if p.get("dump_ratio") is not None]
    if dumps:
        rows.append(["`dump --python` vs %s, first snapshot" % austin,
                     versions + (" (austin reads no %d.%d+)" % unreadable[0]
                                 if unreadable else ""),
                     "%s×" % span(dumps, "%.2f")])
    both = [(p["modes"].get(SAMPLING[1]), p["modes"].get(SAMPLING[5]),
             p.get("rate_ratio_1k")) for p in ok]
    both = [(st, au, x) for st, au, x in both if st and au and x is not None]
    if both:
        rows.append(["`record --python -r 1000` vs %s `-i 1000`" % austin,
                     versions,
                     "%s× the samples, at %s%% of a CPU vs %s%%" % (
                         span([x for _, _, x in both], "%.2f"),
                         span([100 * st["cpu"] for st, _, _ in both], "%.1f"),
                         span([100 * au["cpu"] for _, au, _ in both],
                              "%.1f"))])
    return rows
