"""The time-ordered profile formats read back and checked: a chrometrace
(Trace Event Format) document's spans, every thread's B and E events
balanced, well nested and never going back in time; a Gecko profile's
documented required fields present and its tables consistent (every index
in range, each stack's prefix before it, samples in time order). Used by
int_record_trace on real recordings, and run on files (python3
trace_formats.py FILE.chrometrace.json FILE.gecko.json ...) by
unit_golden_trace on the golden files. Needs no stacktop."""

import json
import sys


def check(condition, message):
    if not condition:
        print("FAIL: " + message, flush=True)
        sys.exit(1)


def chrometrace_spans(doc):
    """{(pid, tid): [(name, begin µs, end µs, depth)]} with the metadata
    checked: B/E balanced and nested per thread, time never going back."""
    unit = doc.get("displayTimeUnit")
    check(unit in ("ms", "ns"), f"displayTimeUnit {unit}")
    events = doc["traceEvents"]
    names = {}
    processes = set()
    open_ = {}
    last = {}
    spans = {}
    for e in events:
        key = (e["pid"], e["tid"])
        if e["ph"] == "M":
            if e["name"] == "thread_name":
                names[key] = e["args"]["name"]
            elif e["name"] == "process_name":
                processes.add(e["pid"])
            continue
        check(e["ph"] in ("B", "E"), f"event {e}")
        check(key in names, f"thread {key} has events before its thread_name")
        check(e["pid"] in processes, f"process {e['pid']} has no process_name")
        check(isinstance(e["ts"], (int, float)), f"ts of {e}")
        check(e["ts"] >= last.get(key, 0), f"{key}: time goes back at {e}")
        last[key] = e["ts"]
        stack = open_.setdefault(key, [])
        if e["ph"] == "B":
            stack.append((e["name"], e["ts"]))
        else:
            check(stack, f"{key}: E with nothing open: {e}")
            name, begin = stack.pop()
            check(name == e["name"], f"{key}: E of {e['name']} closes {name}")
            spans.setdefault(key, []).append((name, begin, e["ts"], len(stack)))
    for key, stack in open_.items():
        check(not stack, f"{key}: left open at the end: {stack}")
    check(spans, "no spans at all")
    return spans, names


def gecko_threads(doc):
    """The documented required fields, and each thread's tables
    consistent. Returns [(thread, [frame names root first per sample])]."""
    meta = doc["meta"]
    for field in ("version", "interval", "startTime", "categories", "product", "processType",
                  "stackwalk", "markerSchema"):
        check(field in meta, f"meta has no {field}: {meta}")
    check(isinstance(meta["version"], int) and 5 <= meta["version"] <= 36,
          f"meta.version {meta['version']}")
    check(meta["product"] == "stacktop", f"product {meta['product']}")
    check(meta["interval"] > 0, f"interval {meta['interval']}")
    categories = [c["name"] for c in meta["categories"]]
    for c in ("Python", "Native", "Kernel"):
        check(c in categories, f"no category {c}: {categories}")
    for c in meta["categories"]:
        check(c.get("color") and c.get("subcategories"), f"category {c}")
    for field in ("libs", "threads", "processes", "pausedRanges"):
        check(isinstance(doc.get(field), list), f"no {field} list")
    out = []
    for t in doc["threads"]:
        for field in ("name", "tid", "pid", "processType", "registerTime", "samples",
                      "markers", "frameTable", "stackTable", "stringTable"):
            check(field in t, f"thread has no {field}")
        strings = t["stringTable"]
        fs, ss, sm = t["frameTable"]["schema"], t["stackTable"]["schema"], t["samples"]["schema"]
        check(set(fs) >= {"location", "relevantForJS", "implementation", "line", "category",
                          "subcategory"}, f"frame schema {fs}")
        check(set(ss) == {"prefix", "frame"}, f"stack schema {ss}")
        check(set(sm) >= {"stack", "time"} and ("eventDelay" in sm or "responsiveness" in sm),
              f"samples schema {sm}")
        check(set(t["markers"]["schema"]) >= {"name", "startTime", "endTime", "phase",
                                              "category", "data"}, "markers schema")
        frames = t["frameTable"]["data"]
        for f in frames:
            check(0 <= f[fs["location"]] < len(strings), f"location of {f}")
            check(0 <= f[fs["category"]] < len(categories), f"category of {f}")
            check(f[fs["subcategory"]] == 0, f"subcategory of {f}")
        stacks = t["stackTable"]["data"]
        for i, s in enumerate(stacks):
            prefix = s[ss["prefix"]]
            check(prefix is None or 0 <= prefix < i, f"stack {i} prefix {prefix}")
            check(0 <= s[ss["frame"]] < len(frames), f"stack {i} frame")
        times = [row[sm["time"]] for row in t["samples"]["data"]]
        check(times == sorted(times), f"{t['name']}: samples out of time order")
        samples = []
        for row in t["samples"]["data"]:
            i = row[sm["stack"]]
            check(i is None or 0 <= i < len(stacks), f"sample stack {i}")
            names = []
            while i is not None:
                f = frames[stacks[i][ss["frame"]]]
                names.append((strings[f[fs["location"]]], categories[f[fs["category"]]],
                              f[fs["line"]]))
                i = stacks[i][ss["prefix"]]
            samples.append(names[::-1])
        out.append((t, samples))
    check(out, "no threads")
    return out


def main(paths):
    for path in paths:
        doc = json.load(open(path))
        if path.endswith(".gecko.json"):
            threads = gecko_threads(doc)
            print(f"{path}: {len(threads)} threads, "
                  f"{sum(len(s) for _, s in threads)} samples, consistent")
        else:
            spans, _ = chrometrace_spans(doc)
            print(f"{path}: {sum(map(len, spans.values()))} spans in {len(spans)} threads, "
                  f"balanced and nested")
    check(paths, "no file to check")


if __name__ == "__main__":
    main(sys.argv[1:])
