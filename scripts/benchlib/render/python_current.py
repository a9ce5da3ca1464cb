"""Markdown of a python-current (sid's CPythons against their own
samplers, and two services) result."""
from .md import code, counts, heading, lines_of, num, pct, share, table, verdict

TITLE = "Python: current CPythons (Debian sid root) against their own samplers"
COMMAND = "scripts/bench python --section current"


def upstream(version):
    """Debian's "3.15.2-1" as "3.15.2"."""
    return version.split(":")[-1].rsplit("-", 1)[0] if version else "?"


def minor(version):
    """"3.15" of "3.15.2-1"."""
    return ".".join(upstream(version).split(".")[:2])


def sampler_table(p):
    """The table of a part comparing samplers, and its no-tool line."""
    rows = []
    for x in p["rows"]:
        if x["failed"]:
            rows.append([x["tool"], code(x["command"]), "failed", "", "", "",
                         "", ""])
            continue
        rows.append([x["tool"], code(x["command"]), num(x["hz"], "%.0f"),
                     pct(x["cpu"], "%.0f%%"), num(x["ms_per_k"]),
                     pct(None if x["loss"] is None else 1 - x["loss"]),
                     share(x["on_line"]) if x["command"] else "",
                     counts(x["other_leaves"])])
    return table(["tool", "command", "busy-thread samples/s",
                  "tool CPU (% of one CPU)", "CPU ms per 1,000 samples",
                  "target throughput vs no tool", "on the hot line",
                  "other leaves"], "llrrrrrl", rows) + [
        "", "No-tool rate %.2f Miter/s; noise (interquartile range of the "
        "no-tool slices over their median) %s; %d windows of %g s per tool."
        % (p["base_rate"] / 1e6, pct(p["spread"]), p["rounds"],
           p["seconds"])]


def failed(p):
    return lines_of(*["failed: %s ×%d" % (e, n) for e, n in p.get("errors")
                      or []])


def row(p, tool):
    return next((x for x in p["rows"] if x["tool"] == tool), None)


def tachyon(p, slice_s):
    out = ["Python %s. Samples: the busy thread's, from each tool's output, "
           "over the %d s window. Tachyon samples every thread every round "
           "(its default, wall mode), stacktop only those on a CPU (its "
           "default; the busy thread always is); `--mode wall` reads every "
           "thread as Tachyon does. Tool CPU: user + system of the tool's "
           "process tree over its lifetime, start-up included. Throughput: "
           "the busy thread's rate in %g s slices over the tool's window "
           "against the windows without a tool just before and after "
           "(median); \"no sampler\": the same with nothing attached."
           % (p["python_version"], p["seconds"], slice_s), "",
           "Tachyon never skips a tick: when late it samples back to back "
           "until caught up (`next_time += interval` in profiling/sampling/"
           "sample.py), so its count is the asked rate even when its samples "
           "bunch up; and less than 100 µs before a tick it spins instead of "
           "sleeping, so at 10 kHz it takes a whole CPU when one is free. "
           "stacktop drops the ticks it is late for (its summary: rounds and "
           "Hz achieved).", ""]
    out += sampler_table(p) + [""]
    said = []
    if p.get("ratios"):
        st, ta = row(p, "stacktop"), row(p, "Tachyon")
        g = p["goals"]
        said += [
            "stacktop / Tachyon: samples/s %.2f, CPU per sample %.2f, "
            "throughput %s vs %s." % (p["ratios"]["rate"], p["ratios"]["cpu"],
                                      pct(1 - st["loss"]), pct(1 - ta["loss"])),
            "Goals: stacktop's rate ≥ Tachyon's: %s; CPU per sample ≤ half of "
            "Tachyon's: %s; slowdown (%s) within the no-sampler noise (%s, "
            "the larger of the noise and the no-sampler window's "
            "difference): %s" % (verdict(g["rate"]), verdict(g["cpu"]),
                                 pct(st["loss"]), pct(p["noise"]),
                                 verdict(g["loss"]))]
        if p.get("wall_ratios"):
            said.append("stacktop --mode wall / Tachyon: samples/s %.2f, CPU "
                        "per sample %.2f." % (p["wall_ratios"]["rate"],
                                              p["wall_ratios"]["cpu"]))
        if p.get("summaries"):
            said.append("Last summaries: stacktop `%s`; Tachyon `%s`"
                        % (p["summaries"]["stacktop"],
                           p["summaries"]["tachyon"]))
    return out + lines_of(*said) + failed(p)


def austin(p, slice_s):
    path = p.get("austin_path") or "austin"
    where = ("%s is unpacked from it in the root, as its python3 (<< 3.14~) "
             "dependency cannot be met in sid" % path
             if path.startswith("/opt/") else "at %s" % path)
    out = ["%s (sid's package %s; %s), Python %s. austin's -i is its "
           "interval in µs; it samples every thread every round (wall time, "
           "its default), one output line per thread and sample. Columns as "
           "above." % (p.get("austin_version") or "austin",
                       p.get("austin_package"), where, p["python_version"]),
           ""]
    out += sampler_table(p) + [""]
    out += table(["rate", "stacktop / austin samples/s",
                  "stacktop / austin CPU per sample"], "lrr",
                 [[x["rate"], num(x["samples"], "%.2f") or "–",
                   num(x["cpu"], "%.2f") or "–"] for x in p["ratios"]])
    if p.get("austin_summary"):
        out += [""] + lines_of("austin 10 kHz, its own statistics (last "
                               "window): %s" % p["austin_summary"])
    return out + failed(p)


def service(p, slice_s):
    out = ["Python %s; `tests/targets/python/service.py %d %d %d`: %d "
           "threads parked in time.sleep(1), %d computing, each %d frames "
           "deep, and the main thread asleep. Medians of %d runs of %d s at "
           "%d Hz. Per thread: each thread's samples per second, the median "
           "thread's. CPU per stack: the tool's CPU (user + system, start-up "
           "included) over the stacks it gave. Busy share: the computing "
           "threads' part of the samples. CPU used: the target's own, over "
           "the tool's run; a CPU profile should have about rate × that many "
           "samples." % (p["python_version"], p["parked"], p["busy"],
                         p["depth"], p["parked"], p["busy"], p["depth"],
                         p["rounds"], p["seconds"], p["rate"]), ""]
    rows = []
    for x in p["rows"]:
        if x.get("error"):
            rows.append([x["tool"], code(x["command"]),
                         "failed: %s" % x["error"], "", "", "", "", ""])
            continue
        rows.append([x["tool"], code(x["command"]), "%d" % x["threads"],
                     "%.1f" % x["hz"], pct(x["busy"]),
                     pct(x["cpu_s"] / p["seconds"], "%.0f%%"),
                     "%.1f" % x["per_stack_us"], "%.2f" % x["fit"]])
    out += table(["tool", "command", "threads", "samples/s per thread",
                  "busy share", "tool CPU (% of one CPU)", "µs CPU per stack",
                  "samples / (rate × CPU used)"], "llrrrrrr", rows) + [""]
    said = []
    w, c = p.get("wall"), p.get("cpu")
    if w:
        said.append("Wall: stacktop %.1f Hz per thread (goal ≥ %.0f: %s); CPU "
                    "per stack %.2f of Tachyon's (goal ≤ %g: %s)" % (
                        w["hz"], w["hz_goal"]["limit"], verdict(w["hz_goal"]),
                        w["per_stack_ratio"], w["goal"]["limit"],
                        verdict(w["goal"])))
    if c:
        said.append("CPU mode: parked threads %s of the samples (goal ≤ %s: "
                    "%s); samples %.2f × rate × CPU used (goal within %s: %s)"
                    % (pct(c["parked"]),
                       pct(c["parked_goal"]["limit"], "%.0f%%"),
                       verdict(c["parked_goal"]), c["fit"],
                       pct(c["fit_goal"]["limit"], "%.0f%%"),
                       verdict(c["fit_goal"])))
    return out + lines_of(*said)


def web(p, slice_s):
    out = ["Python %s; `tests/targets/python/web.py` (a threading HTTP "
           "server answering a JSON document through a few calls) in the "
           "root, and %d keep-alive clients here, as fast as it answers. "
           "Requests per second over %d s windows, the tools' windows and "
           "the no-tool ones taking turns, medians of %d. Tool CPU: user + "
           "system of its run (start-up included)."
           % (p["python_version"], p["clients"], p["seconds"], p["rounds"]),
           ""]
    rows = []
    for x in p["rows"]:
        if x.get("error"):
            rows.append([x["tool"], code(x["command"]),
                         "failed: %s" % x["error"], "", ""])
            continue
        rows.append([x["tool"], code(x["command"]),
                     "%.0f" % x["requests_s"], pct(x["throughput"]),
                     pct(x["cpu"], "%.0f%%")])
    out += table(["tool", "command", "requests/s", "throughput vs no tool",
                  "tool CPU (% of one CPU)"], "llrrr", rows)
    loss = p.get("losses") or {}
    if p.get("goal"):
        out += ["", "Throughput loss at %d Hz: stacktop %s, --mode wall %s, "
                "Tachyon %s (goal: stacktop's no more than Tachyon's: %s)"
                % (p["rate"], pct(loss["stacktop"]),
                   pct(loss.get("stacktop --mode wall")) or "?",
                   pct(loss["Tachyon"]), verdict(p["goal"]))]
    return out


PARTS = [
    ("tachyon", "CPython 3.15: stacktop against Tachyon "
     "(`python3.15 -m profiling.sampling`)", tachyon),
    ("austin", "CPython 3.13: stacktop against austin%s", austin),
    ("service", "A service of %d threads, %d busy: stacktop against Tachyon",
     service),
    ("web", "A web-like service at %d Hz: stacktop against Tachyon", web)]


def part_title(name, title, p):
    if name == "austin":
        return title % (" " + upstream(p["austin_package"])
                        if p.get("austin_package") else "")
    if name == "service" and "parked" in p:
        return title % (p["parked"] + p["busy"] + 1, p["busy"])
    if name == "service":
        return title % (201, 4)
    if name == "web":
        return title % p.get("rate", 1000)
    return title


def body(r, level):
    d = r["data"]
    out = ["Target `tests/targets/python/bench.py` (copied into the root), "
           "run as `unshare --pid --fork --mount-proc --kill-child --root=%s "
           "/usr/bin/python3.X /tmp/…/bench.py …`; the peers run in its "
           "namespaces (`nsenter -t PID -a -r -w`, the target is PID 1 "
           "there), stacktop from outside on its host pid. Hot line: %d."
           % (d["sid_root"], d["hot_line"]), ""]
    for name, title, render in PARTS:
        p = d["parts"].get(name)
        if p is None:
            continue
        out += [heading(level + 1, part_title(name, title, p)), ""]
        if p.get("not_measured"):
            out += ["not measured: %s" % p["not_measured"], ""]
            continue
        out += render(p, d.get("slice_s", 0.25)) + [""]
    return out


def summary(r):
    parts = r["data"]["parts"]
    rows = []
    p = parts.get("tachyon")
    if p and p.get("ratios"):
        st, ta = row(p, "stacktop"), row(p, "Tachyon")
        text = ("rate %.2f×, CPU per sample %.2f× (target %s of its speed vs "
                "%s)" % (p["ratios"]["rate"], p["ratios"]["cpu"],
                         pct(1 - st["loss"]), pct(1 - ta["loss"])))
        if p.get("wall_ratios"):
            text += "; `--mode wall` %.2f×, %.2f×" % (
                p["wall_ratios"]["rate"], p["wall_ratios"]["cpu"])
        rows.append(["`record --python -r 10000` vs Tachyon",
                     "CPython %s" % minor(p["python_version"]), text])
    p = parts.get("austin")
    if p and not p.get("not_measured"):
        rt = {x["rate"]: x for x in p["ratios"]}
        st, au = row(p, "stacktop 10 kHz"), row(p, "austin 10 kHz")
        if rt["1 kHz"]["samples"] and rt["10 kHz"]["samples"]:
            rows.append([
                "`record --python` vs austin %s, 1 kHz / 10 kHz"
                % ".".join(upstream(p["austin_package"]).split(".")[:2]),
                "CPython %s" % minor(p["python_version"]),
                "rate %.2f× / %.2f×, CPU per sample %.2f× / %.2f× (target "
                "at 10 kHz: %s of its speed vs %s)" % (
                    rt["1 kHz"]["samples"], rt["10 kHz"]["samples"],
                    rt["1 kHz"]["cpu"], rt["10 kHz"]["cpu"],
                    pct(1 - st["loss"]), pct(1 - au["loss"]))])
    p = parts.get("service")
    if p and p.get("wall") and p.get("cpu"):
        rows.append([
            "`record --python -r %d` vs Tachyon, %d-thread service"
            % (p["rate"], p["parked"] + p["busy"] + 1),
            "CPython %s, %d threads asleep, %d busy"
            % (minor(p["python_version"]), p["parked"], p["busy"]),
            "wall: %.1f Hz a thread, CPU per stack %.2f×; CPU mode: asleep "
            "threads %s of samples, samples = %.2f × rate × CPU used" % (
                p["wall"]["hz"], p["wall"]["per_stack_ratio"],
                pct(p["cpu"]["parked"]), p["cpu"]["fit"])])
    p = parts.get("web")
    if p and p.get("goal"):
        rows.append([
            "`record --python -r %d` vs Tachyon, web-like service" % p["rate"],
            "CPython %s HTTP server, %d clients"
            % (minor(p["python_version"]), p["clients"]),
            "throughput loss %s vs %s" % (pct(p["losses"]["stacktop"]),
                                          pct(p["losses"]["Tachyon"]))])
    return rows
