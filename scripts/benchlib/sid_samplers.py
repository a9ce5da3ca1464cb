"""Windows of sampling on a sid-root target, shared by the python-current
parts that compare samplers (Tachyon, austin 3.7): each tool's window
between windows without a tool, its samples of the busy thread, its CPU,
and the target's throughput meanwhile."""
import collections
import os
import re
import statistics
import subprocess
import tempfile
import time

from .common import ENV, TOOL_TIMEOUT_S
from .procs import exit_error, kill, reap, stderr_text
from .pytargets import PY_SLICE_S

CUR_SETTLE_S, CUR_TAIL_S = 0.3, 0.2  # counted from settle to -d minus tail
CUR_OFF_S = 0.5         # the windows without a tool between the others

CurWindow = collections.namedtuple("CurWindow",
                                   "rate samples cpu leaves error summary")


def profile_counts(path, kind, target):
    """(busy-thread samples, Counter of their innermost frames as (function,
    line)) from one tool's output. stacktop: folded, `thread NAME (HOST
    TID);func (file:line);... N`; tachyon: collapsed, `tid:NS TID;file:func:
    line;... N`; austin 3: one line per sample, `P1;T0:NS TID;file:func:line
    ;... MICROSECONDS`."""
    count, leaves = 0, collections.Counter()
    with open(path, errors="replace") as f:
        for text in f:
            stack, _, n = text.rstrip("\n").rpartition(" ")
            frames = stack.split(";")
            if kind == "stacktop":
                if not frames[0].endswith("(%d)" % target.busy_tid):
                    continue
                m = re.match(r"(.*) \((.*):(\d+)\)$", frames[-1])
                leaf = ((m.group(1), int(m.group(3))) if m
                        else (frames[-1], None))
            elif kind == "tachyon":
                if frames[0] != "tid:%d" % target.ns_busy_tid:
                    continue
                parts = frames[-1].rsplit(":", 2)
                leaf = ((parts[1], int(parts[2])) if len(parts) == 3
                        and parts[2].isdigit() else (frames[-1], None))
            else:
                if (len(frames) < 2 or not frames[0].startswith("P") or
                        frames[1].rpartition(":")[2]
                        != str(target.ns_busy_tid)):
                    continue
                parts = frames[-1].rsplit(":", 2)
                leaf = ((parts[1], int(parts[2])) if len(frames) > 2 and
                        len(parts) == 3 and parts[2].isdigit()
                        else (frames[-1] if len(frames) > 2 else None, None))
                n = "1"  # each line is one sample; its number a time
            if not n.isdigit():
                continue
            count += int(n)
            leaves[leaf] += int(n)
    return count, leaves


def summary_lines(text):
    """A tool's own account of its run: stacktop's summary line, Tachyon's
    "Captured ... / Sample rate / Error rate", austin's statistics (colours
    and emoji removed)."""
    keep = []
    for raw in text.splitlines():
        s = re.sub(r"\x1b\[[0-9;]*m", "", raw)
        s = re.sub(r"^[^A-Za-z]*", "", s).strip()
        if re.match(r"(stacktop record:|Captured|Sample rate|Error rate|"
                    r"Sampling duration|Frame sampling|Long sampling)", s):
            keep.append(re.sub(r"\s+", " ", s))
    return keep


def cur_window(target, mode, seconds):
    """One window of `seconds`: start the tool (mode (argv, kind, output
    file here) or None: no tool), count the busy thread's iterations in
    PY_SLICE_S slices from CUR_SETTLE_S after its start to CUR_TAIL_S before
    its -d ends, wait for it, read its profile. A failing tool is a result."""
    argv, kind, out = mode or (None, None, None)
    if out and os.path.exists(out):
        os.unlink(out)
    with tempfile.TemporaryFile() as err:
        proc, ru = None, None
        if argv:
            # stdout too: Tachyon prints its summary there.
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    stdout=err, stderr=err, env=ENV)
        try:
            span = seconds
            if proc:
                time.sleep(CUR_SETTLE_S)
                span = seconds - CUR_SETTLE_S - CUR_TAIL_S
            marks = [target.sample()]
            for _ in range(max(1, int(round(span / PY_SLICE_S)))):
                time.sleep(PY_SLICE_S)
                marks.append(target.sample())
            if proc:
                ru = reap(proc, seconds + TOOL_TIMEOUT_S)
        except BaseException:
            if proc:
                kill(proc)
            raise
        text, error = "", None
        if proc:
            text = stderr_text(err)
            if proc.returncode != 0:
                error = exit_error(proc.returncode, text)
    rate = [(b[0] - a[0]) / (b[1] - a[1]) for a, b in zip(marks, marks[1:])]
    samples, leaves, summary = None, collections.Counter(), ""
    if proc and not error:
        try:
            samples, leaves = profile_counts(out, kind, target)
        except OSError as e:
            error = "no output: %s" % e
        else:
            if not samples:
                error = "no samples of the busy thread"
        summary = "; ".join(summary_lines(text))
    cpu = ru.ru_utime + ru.ru_stime if ru else None
    return CurWindow(rate, samples, cpu, leaves, error, summary)


def cur_rounds(target, modes, rounds, seconds):
    """`rounds` windows of every mode and of "no sampler" (nothing attached:
    the A/A window), the order rotated each round, each between two windows
    of CUR_OFF_S without a tool. Returns {"base_rate", "spread", "modes":
    {name: {loss, hz, cpu, ms_per_k, leaves, n} or None}, "errors"}, loss
    and spread as in the Target slowdown table."""
    modes = dict(modes, **{"no sampler": None})
    names = list(modes)
    windows = {name: [] for name in names}
    ratios = {name: [] for name in names}
    offs = []
    before = cur_window(target, None, CUR_OFF_S).rate
    offs.extend(before)
    for rnd in range(rounds):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for name in order:
            w = cur_window(target, modes[name], seconds)
            after = cur_window(target, None, CUR_OFF_S).rate
            offs.extend(after)
            ref = statistics.median(before + after)
            windows[name].append(w)
            if not w.error:
                ratios[name].extend(x / ref for x in w.rate)
            before = after
    res = {"base_rate": statistics.median(offs), "modes": {},
           "errors": collections.Counter()}
    quart = statistics.quantiles(offs, n=4)
    res["spread"] = (quart[2] - quart[0]) / res["base_rate"]
    for name in names:
        ok = [w for w in windows[name] if not w.error]
        for w in windows[name]:
            if w.error:
                res["errors"]["%s: %s" % (name, w.error.splitlines()[0])] += 1
        if not ok:
            res["modes"][name] = None
            continue
        m = {"loss": 1 - statistics.median(ratios[name]), "n": len(ok),
             "hz": None, "cpu": None, "ms_per_k": None,
             "leaves": collections.Counter(), "summary": ok[-1].summary}
        if modes[name]:
            m["hz"] = statistics.median(w.samples / seconds for w in ok)
            m["cpu"] = statistics.median(w.cpu / seconds for w in ok)
            m["ms_per_k"] = statistics.median(1e6 * w.cpu / w.samples
                                              for w in ok)
            for w in ok:
                m["leaves"].update(w.leaves)
        res["modes"][name] = m
    return res


def leaf_share(leaves, line):
    """({pct, n} of the busy thread's samples whose innermost frame is hot()
    on the hot line, None without samples; [[FUNCTION:LINE, n]] of the
    commonest other leaves)."""
    total = sum(leaves.values())
    if not total:
        return None, []
    hits = sum(n for (func, ln), n in leaves.items()
               if func == "hot" and ln == line)
    rest = collections.Counter({k: n for k, n in leaves.items()
                                if not (k[0] == "hot" and k[1] == line)})
    return ({"pct": 100.0 * hits / total, "n": total},
            [["%s:%s" % (f, ln if ln is not None else "?"), n]
             for (f, ln), n in rest.most_common(2)])


def part_data(res, shown, line, seconds, rounds):
    """A part's table as data: {seconds, rounds, slice_s, base_rate (iter/s),
    spread, rows [{tool, command (None: no sampler), failed, hz, cpu (share
    of one CPU), ms_per_k, loss, on_line {pct, n}, other_leaves}], errors
    [[text, n]]}."""
    rows = []
    for name, m in res["modes"].items():
        row = {"tool": name, "command": shown.get(name), "failed": m is None,
               "hz": None, "cpu": None, "ms_per_k": None, "loss": None,
               "on_line": None, "other_leaves": []}
        if m is not None:
            row.update(hz=m["hz"], cpu=m["cpu"], ms_per_k=m["ms_per_k"],
                       loss=m["loss"])
            if name in shown:
                row["on_line"], row["other_leaves"] = leaf_share(m["leaves"],
                                                                 line)
        rows.append(row)
    return {"seconds": seconds, "rounds": rounds, "slice_s": PY_SLICE_S,
            "base_rate": res["base_rate"], "spread": res["spread"],
            "rows": rows, "errors": [list(kv) for kv in res["errors"].items()]}
