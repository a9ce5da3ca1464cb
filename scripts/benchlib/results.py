"""The results model: what a section returns and what the JSON files in
docs/benchmarks/ hold.

A results file is one object:

    {"schema": "stacktop.bench/1", "results": [result, ...]}

and a result is one section's run:

    {"section": "collector",        one of SECTIONS
     "date": "2026-12-04 07:06",    UTC; "YYYY-MM-DD" when only the day is
                                    known (results seeded from older docs)
     "machine": {"arch", "nproc", "mem_gib", "kernel",
                 "packages": [[name, version]],
                 "load_average", "note"},   note: how quiet it was, by hand
     "stacktop": {"binary", "version"},     what was measured
     "runs": N,                     the rounds the section used
     "data": {...},                 the section's numbers, ratios and goals;
                                    its shape is the section module's
     "intro": [markdown, ...],      the reading of the run, added by hand:
     "notes": [markdown, ...]}      before and after the generated text

Numbers are kept as measured (seconds, milliseconds, fractions: the unit is
in the key), ratios as the section computed them from unrounded numbers,
and a value nobody measured is null, never a made-up number. A goal is
{"limit": number, "met": bool}, its verdict taken when it was measured.

Results are merged by section, the newest (by date) first: documents show
the newest run of each section and keep the others as earlier runs.
"""
import json
import math

from . import machine as machine_mod

SCHEMA = "stacktop.bench/1"

# Every section, in the order documents show them (the README's order).
SECTIONS = ["collector", "ui", "dump", "sampling", "load", "stall-load",
            "record-all", "python-installed", "python-current", "mem",
            "mem-objgraph"]


def new(section, ctx, packages=(), data=None):
    """A result for `section` measured now with ctx's stacktop; the caller
    fills data. packages: the Debian packages whose versions matter (the
    peers')."""
    assert section in SECTIONS, section
    return {"section": section,
            "date": machine_mod.now(),
            "machine": dict(machine_mod.machine(*packages), note=None),
            "stacktop": {"binary": ctx.stacktop_shown,
                         "version": machine_mod.stacktop_version(ctx.stacktop)},
            "runs": ctx.runs,
            "data": data if data is not None else {},
            "intro": [], "notes": []}


def goal(met, limit):
    """A goal's verdict, with the limit it was judged against."""
    return {"limit": limit, "met": bool(met)}


def ratio(a, b):
    """a / b, or None when b is 0 or either is unknown."""
    if a is None or b is None or not b:
        return None
    return a / b


def plain(value):
    """value with every infinite or NaN float made None: JSON has no such
    numbers, and an unmeasurable ratio is unknown, not infinite."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def save(path, results):
    """Write results (a list) as a results file."""
    with open(path, "w") as f:
        json.dump({"schema": SCHEMA, "results": plain(results)}, f, indent=1,
                  ensure_ascii=False, allow_nan=False)
        f.write("\n")


def load(path):
    """The results of one file (ValueError if it is not a results file)."""
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ValueError("%s: not a %s file" % (path, SCHEMA))
    for r in doc["results"]:
        if r.get("section") not in SECTIONS:
            raise ValueError("%s: unknown section %r" % (path, r.get("section")))
    return doc["results"]


def merge(results):
    """{section: [result, newest first]} in SECTIONS order, sections without
    a result left out. Equal dates keep the order given (a later file wins
    no tie: a stable sort)."""
    by = {s: [] for s in SECTIONS}
    for r in results:
        by[r["section"]].append(r)
    return {s: sorted(rs, key=lambda r: r["date"], reverse=True)
            for s, rs in by.items() if rs}
