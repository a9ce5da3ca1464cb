"""dump of a C++ process: demangled names (a namespace function, a class
method, a lambda, a template instance) in the right order reaching
start_thread, with full symbols, MiniDebugInfo and a debuglink file; the
stripped binary gives module+offset, never a wrong name; glibc's versioned
symbols print without their version."""

from harness import assert_terminal_safe, check, run, stacktop, stacktop_json, start_target
from stacks import by_name, check_frames, functions, in_order, settle

HOT = ["void app::spin<int>(int)",
       "app::Worker::run()::{lambda()#1}::operator()() const",
       "app::Worker::run()",
       "app::hot_thread(void*)",
       "start_thread"]
WAIT = ["pthread_cond_wait", "app::Mailbox<long>::take()", "app::wait_thread(void*)",
        "start_thread"]


def check_names(variant):
    target = start_target(variant)
    settle(target.pid)
    doc = stacktop_json("dump", "-p", target.pid)
    check(len(doc["threads"]) == 3, f"{variant}: {len(doc['threads'])} threads")
    check_frames(doc, variant)
    threads = by_name(doc)
    hot = functions(threads["cx-hot"])
    check(hot[0] == HOT[0], f"{variant}: hot thread is in {hot[0]}, not {HOT[0]}")
    in_order(hot, HOT, f"{variant} cx-hot")
    check(any("clone" in (f or "") for f in hot[-2:]), f"{variant}: no clone at the root {hot}")
    in_order(functions(threads["cx-wait"]), WAIT, f"{variant} cx-wait")
    in_order(functions(threads["cx-main"]), ["pause", "main", "__libc_start_main"],
             f"{variant} cx-main")
    module = threads["cx-hot"]["stack"][0]["module"]
    check(module and module.endswith("/" + variant), f"{variant}: module {module}")

    code, out, err = stacktop("dump", "-p", target.pid)
    check(code == 0, f"{variant}: text dump exited {code}: {err}")
    assert_terminal_safe(out, f"{variant} dump text")
    check(f"in {HOT[0]}+0x" in out.decode(), f"{variant}: {HOT[0]} not in {out.decode()}")
    target.kill()


def check_stripped():
    """Without symbols the program's own frames are module+offset; libc's
    and libstdc++'s frames keep their names."""
    target = start_target("cxxchain-stripped")
    settle(target.pid)
    doc = stacktop_json("dump", "-p", target.pid)
    check_frames(doc, "cxxchain-stripped")
    for t in doc["threads"]:
        own = [f for f in t["stack"] if (f["module"] or "").endswith("/cxxchain-stripped")]
        check(own, f"{t['name']}: no frame in the program itself: {functions(t)}")
        for f in own:
            check(f["function"] is None, f"stripped binary named a frame {f['function']}")
            check(f["offset"] > 0, "module+offset has an offset")
    threads = by_name(doc)
    check(len(threads["cx-hot"]["stack"]) >= 6, f"cx-hot: {functions(threads['cx-hot'])}")
    in_order(functions(threads["cx-wait"]), ["pthread_cond_wait", "start_thread"], "cx-wait")
    target.kill()


def test():
    for variant in ("cxxchain", "cxxchain-minidebug", "cxxchain-debuglink"):
        check_names(variant)
    check_stripped()


run(test)
