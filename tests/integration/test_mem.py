"""mem: a leaking target is "growing" at its known rate (within 30%), a
sawtooth target is "steady", and the totals and breakdown are consistent;
at -d 3, a leak of 1% of a 200 MB process a minute is already "growing"
while the sawtooth stays "steady"."""

from harness import check, run, stacktop, stacktop_json, start_target

LEAK_MIB_PER_MIN = 60


def check_totals(doc, what):
    for key in ("rss_kib", "pss_kib", "uss_kib", "swap_kib"):
        check(isinstance(doc[key], int), f"{what}: {key} = {doc[key]}")
    check(doc["uss_kib"] <= doc["pss_kib"] <= doc["rss_kib"], f"{what}: uss <= pss <= rss")
    kinds = {b["kind"]: b["kib"] for b in doc["breakdown"]}
    check(set(kinds) == {"heap", "anon", "stack", "file", "shmem"}, f"{what}: kinds {kinds}")
    # The kinds split the resident set (within the pages that move meanwhile).
    total = sum(kinds.values())
    check(abs(total - doc["rss_kib"]) <= max(1024, doc["rss_kib"] * 0.1),
          f"{what}: breakdown {total} vs rss {doc['rss_kib']}")
    return kinds


def check_leader_exit():
    """A live process whose main thread ended (pthread_exit): its memory,
    read through the thread that runs on (the main thread's files show
    none); once it is killed and reaped, "no such process" (before it is
    reaped, a zombie: test_errors)."""
    target = start_target("leaderexit")
    doc = stacktop_json("mem", "-p", target.pid, "-d", 0.3)
    check_totals(doc, "leader exited")
    check(doc["rss_kib"] > 0, f"leader exited: rss {doc['rss_kib']}")
    target.kill()
    target.wait()
    code, _, err = stacktop("mem", "-p", target.pid)
    check(code == 1 and "no such process" in err, f"killed: {code} {err!r}")


def test():
    check_leader_exit()
    leak = start_target("leak", str(LEAK_MIB_PER_MIN))
    doc = stacktop_json("mem", "-p", leak.pid, "-d", 6)
    print(f"leak: {doc['growth']}")
    check(doc["schema"] == "stacktop.mem/1" and doc["pid"] == leak.pid, "schema and pid")
    kinds = check_totals(doc, "leak")
    check(kinds["heap"] > 2048, f"the leak is on the heap: {kinds}")
    growth = doc["growth"]
    want = LEAK_MIB_PER_MIN * 1024
    check(growth["verdict"] == "growing", f"leak verdict {growth['verdict']}")
    check(abs(growth["anon_kib_per_min"] - want) <= 0.3 * want,
          f"leak rate {growth['anon_kib_per_min']} KiB/min, want {want} +/- 30%")
    check(5.5 <= growth["window_s"] <= 7, f"window {growth['window_s']}")
    leak.kill()

    # 2 MiB a minute in a process of 200 MiB: 100 KiB over the 3 s watched.
    slow = start_target("leak", "2", "200")
    doc = stacktop_json("mem", "-p", slow.pid, "-d", 3)
    print(f"slow leak -d 3: {doc['growth']}")
    check(doc["rss_kib"] > 200 * 1024, f"the slow leak's process is 200 MB: {doc['rss_kib']}")
    check(doc["growth"]["verdict"] == "growing",
          f"1%/min leak at -d 3: verdict {doc['growth']['verdict']}")
    slow.kill()

    saw = start_target("sawtooth", "32")
    doc = stacktop_json("mem", "-p", saw.pid, "-d", 6)
    print(f"sawtooth: {doc['growth']}")
    check_totals(doc, "sawtooth")
    check(doc["growth"]["verdict"] == "steady", f"sawtooth verdict {doc['growth']['verdict']}")

    # Three seconds: the sawtooth's one-second teeth land in windows of 0.6 s.
    doc = stacktop_json("mem", "-p", saw.pid, "-d", 3)
    print(f"sawtooth -d 3: {doc['growth']}")
    check(doc["growth"]["verdict"] == "steady",
          f"sawtooth -d 3 verdict {doc['growth']['verdict']}")

    code, out, err = stacktop("mem", "-p", saw.pid, "-d", 1)
    check(code == 0, f"text mem exited {code}: {err}")
    text = out.decode()
    for word in ("rss", "pss", "uss", "heap", "anon growth"):
        check(word in text, f"text mem lacks {word}:\n{text}")


run(test)
