"""asyncio event loops in threads, for stacktop dump --tasks. Runs on
CPython 3.6+ (the tasks are told apart by their coroutines' functions,
which every version shows):
  thread "loop-a"  runs a loop whose tasks are two in_a() coroutines
  MainThread       runs a loop whose task is one in_main() coroutine
  (no thread)      a loop never run holds a task of in_idle(), created,
                   never started
Prints "ready PID" once every task waits."""
import asyncio
import os
import sys
import threading

idle_loop = asyncio.new_event_loop()
a_ready = threading.Event()


async def in_idle():
    await asyncio.sleep(3600)


async def in_a():
    await asyncio.sleep(3600)


async def in_main():
    await asyncio.sleep(3600)


async def a_main():
    tasks = [asyncio.ensure_future(in_a()) for _ in range(2)]
    await asyncio.sleep(0)
    a_ready.set()
    await asyncio.gather(*tasks)


def run_a():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(a_main())


async def main():
    task = asyncio.ensure_future(in_main())
    await asyncio.sleep(0)
    while not a_ready.is_set():
        await asyncio.sleep(0.01)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    await task


idle_task = idle_loop.create_task(in_idle())
threading.Thread(target=run_a, name="loop-a", daemon=True).start()
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main())
