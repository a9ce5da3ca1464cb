"""asyncio tasks on a CPU, for record --async. Runs on CPython 3.6+ (task
names need 3.8+: before, stacktop names a task after its coroutine's
function, which here is the task's name too).

  alpha   a task (coroutine alpha()) burning in burn_alpha for ~20 ms, then
          await asyncio.sleep(0), forever
  beta    the same in burn_beta, taking turns with alpha on one loop
  plain   a thread (not asyncio) burning in burn_plain
The loop runs in the main thread. Prints "ready PID" once all three ran.
With the argument "pure", asyncio runs without its C module _asyncio, on its
pure-Python Task."""
import sys

if sys.argv[1:] == ["pure"]:
    sys.modules["_asyncio"] = None  # import _asyncio fails: asyncio falls back
import asyncio  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from target_threads import name_this_thread  # noqa: E402

SLICE_S = 0.02
started = set()


def burn_alpha():
    end = time.time() + SLICE_S
    while time.time() < end:
        pass


def burn_beta():
    end = time.time() + SLICE_S
    while time.time() < end:
        pass


def burn_plain():
    while True:
        pass


def plain():
    name_this_thread("plain")
    started.add("plain")
    burn_plain()


async def alpha():
    while True:
        burn_alpha()
        started.add("alpha")
        await asyncio.sleep(0)


async def beta():
    while True:
        burn_beta()
        started.add("beta")
        await asyncio.sleep(0)


async def announce():
    while len(started) < 3:
        await asyncio.sleep(0.01)
    sys.stdout.write("ready %d\n" % __import__("os").getpid())
    sys.stdout.flush()


def main():
    thread = threading.Thread(target=plain)
    thread.daemon = True
    thread.start()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if sys.version_info >= (3, 8):
        tasks = [loop.create_task(alpha(), name="alpha"), loop.create_task(beta(), name="beta")]
    else:
        tasks = [loop.create_task(alpha()), loop.create_task(beta())]
    loop.run_until_complete(announce())
    loop.run_until_complete(asyncio.gather(*tasks))


main()
