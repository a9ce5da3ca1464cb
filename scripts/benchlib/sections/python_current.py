"""python-current: current CPythons from the Debian sid root against their
own samplers (Tachyon on 3.15, austin 3.7 on 3.13), and two services on
3.15 (many threads, few busy; a web-like one) against Tachyon. A part
that cannot run says why in its data; the others still run."""
import os
import subprocess
import sys

from .. import results, sid, sid_services
from ..common import BenchError
from ..pytargets import PY_SLICE_S, hot_line
from ..sid import SID_AUSTIN, SID_ROOT, SidTarget, sid_austin, sid_version
from ..sid_samplers import cur_rounds, part_data

CUR_ROUNDS = 5          # Tachyon windows of each tool (--runs overrides)
CUR_RECORD_S = 4        # each Tachyon-part window: the tools' -d
AUSTIN_RECORD_S = 2     # each austin-part window (austin's -x: whole seconds)
GOAL_CPU = 0.5          # stacktop's CPU per sample, as a share of Tachyon's


def tachyon(ctx, line, rounds):
    """Part 1: stacktop against CPython 3.15's own sampler on 3.15.

    Returns part_data() and python_version, ratios {rate, cpu} (stacktop
    over Tachyon: samples/s, CPU per sample), noise (the larger of the
    spread and the no-sampler window's difference), goals {rate, cpu,
    loss}, wall_ratios {rate, cpu} (--mode wall over Tachyon), summaries
    {stacktop, tachyon}; or {not_measured}."""
    python = "/usr/bin/python3.15"
    if not sid.has(python):
        return {"not_measured": "%s has no %s" % (SID_ROOT, python)}
    print("bench: Python 3.15 (sid), against Tachyon", file=sys.stderr)
    d = CUR_RECORD_S
    with SidTarget(python) as target:
        out = os.path.join(target.outer, "profile")
        inner = target.inner + "/profile"
        modes = {
            "Tachyon": (target.inside([
                python, "-m", "profiling.sampling", "attach", "-a", "-r",
                "10khz", "-d", str(d), "--collapsed", "-o", inner, "1"]),
                "tachyon", out),
            "stacktop": ([ctx.stacktop, "record", "-p", str(target.pid),
                          "--python", "-r", "10000", "-d", str(d), "-o", out],
                         "stacktop", out),
            "stacktop --mode wall": (
                [ctx.stacktop, "record", "-p", str(target.pid), "--python",
                 "--mode", "wall", "-r", "10000", "-d", str(d), "-o", out],
                "stacktop", out)}
        res = cur_rounds(target, modes, rounds, d)
        outer = target.outer
    shown = {
        "Tachyon": "nsenter -t PID -a -r -w python3.15 -m profiling.sampling"
                   " attach -a -r 10khz -d %d --collapsed -o FILE 1" % d,
        "stacktop": "stacktop record -p PID --python -r 10000 -d %d" % d,
        "stacktop --mode wall": "stacktop record -p PID --python --mode wall"
                                " -r 10000 -d %d" % d}
    part = part_data(res, shown, line, d, rounds)
    part["python_version"] = sid_version("python3.15")
    ta, st = res["modes"]["Tachyon"], res["modes"]["stacktop"]
    aa = res["modes"]["no sampler"]
    part.update(ratios=None, noise=None, goals=None, wall_ratios=None,
                summaries=None)
    if ta and st:
        rate, cpu = st["hz"] / ta["hz"], st["ms_per_k"] / ta["ms_per_k"]
        noise = max(res["spread"], abs(aa["loss"]) if aa else 0.0)
        part["ratios"] = {"rate": rate, "cpu": cpu}
        part["noise"] = noise
        part["goals"] = {"rate": results.goal(rate >= 1, 1),
                         "cpu": results.goal(cpu <= GOAL_CPU, GOAL_CPU),
                         "loss": results.goal(st["loss"] <= noise, noise)}
        wall = res["modes"]["stacktop --mode wall"]
        if wall:
            part["wall_ratios"] = {"rate": wall["hz"] / ta["hz"],
                                   "cpu": wall["ms_per_k"] / ta["ms_per_k"]}
        part["summaries"] = {
            "stacktop": st["summary"].replace(outer + "/", ""),
            "tachyon": ta["summary"]}
    return part


def austin3(ctx, line, rounds):
    """Part 2: stacktop against austin 3.7 on sid's CPython 3.13.

    Returns part_data() and austin_version (its -V), austin_package,
    austin_path, python_version, ratios [{rate, samples, cpu}] (stacktop
    over austin at each rate), austin_summary (its own statistics at 10
    kHz); or {not_measured}."""
    python = "/usr/bin/python3.13"
    if not sid.has(python):
        return {"not_measured": "%s has no %s" % (SID_ROOT, python)}
    austin, why = sid_austin()
    if not austin:
        return {"not_measured": "austin: %s" % why}
    version = subprocess.run(["chroot", SID_ROOT, austin, "-V"],
                             capture_output=True, text=True).stdout.strip()
    print("bench: Python 3.13 (sid), against austin", file=sys.stderr)
    d = AUSTIN_RECORD_S
    modes, shown = {}, {}
    labels = ("100 Hz", "1 kHz", "10 kHz")
    with SidTarget(python) as target:
        out = os.path.join(target.outer, "profile")
        inner = target.inner + "/profile"
        for hz, label in zip((100, 1000, 10000), labels):
            modes["austin %s" % label] = (target.inside([
                austin, "-p", "1", "-i", str(1000000 // hz), "-x", str(d),
                "-o", inner]), "austin", out)
            shown["austin %s" % label] = (
                "nsenter -t PID -a -r -w austin -p 1 -i %d -x %d -o FILE"
                % (1000000 // hz, d))
            modes["stacktop %s" % label] = (
                [ctx.stacktop, "record", "-p", str(target.pid), "--python",
                 "-r", str(hz), "-d", str(d), "-o", out], "stacktop", out)
            shown["stacktop %s" % label] = (
                "stacktop record -p PID --python -r %d -d %d" % (hz, d))
        res = cur_rounds(target, modes, rounds, d)
    part = part_data(res, shown, line, d, rounds)
    unpacked = austin.startswith(SID_AUSTIN)
    part.update(
        austin_version=version or None,
        austin_package="3.7.0-9" if unpacked else sid_version("austin"),
        austin_path=SID_AUSTIN if unpacked else austin,
        python_version=sid_version("python3.13"))
    part["ratios"] = []
    for label in labels:
        st = res["modes"].get("stacktop %s" % label)
        au = res["modes"].get("austin %s" % label)
        part["ratios"].append({
            "rate": label,
            "samples": st["hz"] / au["hz"] if st and au else None,
            "cpu": st["ms_per_k"] / au["ms_per_k"] if st and au else None})
    au = res["modes"].get("austin 10 kHz")
    part["austin_summary"] = au["summary"] if au and au["summary"] else None
    return part


PARTS = [("tachyon", tachyon, True), ("austin", austin3, False),
         ("service", sid_services.service, False),
         ("web", sid_services.web, False)]


def measure(ctx):
    """Current CPythons from the sid root: Tachyon and austin 3.7, and two
    services against Tachyon.

    data: sid_root, hot_line, slice_s, parts {tachyon, austin, service,
    web: the part's data, or {not_measured}}; or {not_measured} without the
    sid root."""
    res = results.new("python-current", ctx, ("util-linux",))
    if not os.path.isdir(os.path.join(SID_ROOT, "usr", "bin")):
        res["data"] = {"not_measured": "No Debian sid root at %s "
                       "(scripts/test-pythons makes it)" % SID_ROOT}
        return res
    line = hot_line()
    parts = {}
    # The Tachyon part's own default (5 windows) unless --runs was given;
    # the others take the section's rounds.
    for name, part, own_rounds in PARTS:
        rounds = (ctx.given_runs or CUR_ROUNDS) if own_rounds else ctx.runs
        try:
            parts[name] = part(ctx, line, rounds)
        except (BenchError, OSError, subprocess.CalledProcessError) as e:
            parts[name] = {"not_measured": str(e).splitlines()[0]}
    res["data"] = {"sid_root": SID_ROOT, "hot_line": line,
                   "slice_s": PY_SLICE_S, "parts": parts}
    return res
