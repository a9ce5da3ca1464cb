"""asyncio tasks for stacktop tasks. Runs on CPython 3.6+ (names need 3.8+,
TaskGroup 3.11+: older versions build the tree with gather).

Tasks (named where the version can):
  root           awaits a TaskGroup (3.11+) or a gather of 200 workers
  worker-N       N in 0..199: worker -> nap -> asyncio.sleep(3600)
  holder         holds an asyncio.Lock and sleeps
  blocked        waits for that Lock (in Lock.acquire)
  ping, pong     each awaits the other task: a deadlock
  gatherer       awaits a gather of gathered-0 and gathered-1 (nap), on
                 every version (3.11+'s root uses a TaskGroup instead)
  queued, evented, semaphored, conditioned, futured
                 wait in Queue.get, Event.wait, Semaphore.acquire,
                 Condition.wait and on a bare future
  done           returned; cancelled: cancelled; both still referenced
  spinner        on the loop of thread "spinning": runs, in time.sleep
                 (its coroutine executing whenever the process is stopped)
Prints "ready PID" once every task waits. With the argument "pure", asyncio
runs without its C module _asyncio, on its pure-Python Task and Future
(what it falls back to where the module is missing)."""
import os
import sys
import threading
import time

if sys.argv[1:] == ["pure"]:
    sys.modules["_asyncio"] = None  # import _asyncio fails: asyncio falls back
import asyncio  # noqa: E402

WORKERS = 200
VERSION = sys.version_info[:2]
tasks = {}


def spawn(loop, coro, name):
    if VERSION >= (3, 8):
        task = loop.create_task(coro, name=name)
    else:
        task = loop.create_task(coro)
    tasks[name] = task
    return task


async def nap():
    await asyncio.sleep(3600)


async def worker(n):
    await nap()


async def root():
    if VERSION >= (3, 11):
        async with asyncio.TaskGroup() as group:
            for n in range(WORKERS):
                group.create_task(worker(n), name="worker-%d" % n)
    else:
        loop = asyncio.get_event_loop()
        await asyncio.gather(*[spawn(loop, worker(n), "worker-%d" % n) for n in range(WORKERS)])


async def gatherer(loop):
    await asyncio.gather(spawn(loop, nap(), "gathered-0"), spawn(loop, nap(), "gathered-1"))


async def hold(lock, held):
    async with lock:
        held.set()
        await asyncio.sleep(3600)


async def take(lock):
    async with lock:
        pass


async def await_other(me, other, started):
    started.set()
    await asyncio.sleep(0)
    while other not in tasks:
        await asyncio.sleep(0.01)
    await tasks[other]


async def wait_queue(queue):
    await queue.get()


async def wait_event(event):
    await event.wait()


async def wait_semaphore(semaphore):
    await semaphore.acquire()


async def wait_condition(condition):
    async with condition:
        await condition.wait()


async def wait_future(future):
    await future


async def finish():
    return 1


async def spin(started):
    started.set()
    time.sleep(3600)


def run_spinner(started):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    spawn(loop, spin(started), "spinner")
    loop.run_forever()


async def main(loop):
    spawn(loop, root(), "root")
    spawn(loop, gatherer(loop), "gatherer")
    lock = asyncio.Lock()
    held = asyncio.Event()
    spawn(loop, hold(lock, held), "holder")
    await held.wait()
    spawn(loop, take(lock), "blocked")
    ping_started, pong_started = asyncio.Event(), asyncio.Event()
    spawn(loop, await_other("ping", "pong", ping_started), "ping")
    spawn(loop, await_other("pong", "ping", pong_started), "pong")
    await ping_started.wait()
    await pong_started.wait()
    spawn(loop, wait_queue(asyncio.Queue()), "queued")
    spawn(loop, wait_event(asyncio.Event()), "evented")
    spawn(loop, wait_semaphore(asyncio.Semaphore(0)), "semaphored")
    spawn(loop, wait_condition(asyncio.Condition()), "conditioned")
    spawn(loop, wait_future(loop.create_future()), "futured")
    spawn(loop, finish(), "done")
    spawn(loop, nap(), "cancelled").cancel()
    spinning = threading.Event()
    threading.Thread(target=run_spinner, args=(spinning,), name="spinning",
                     daemon=True).start()
    while not spinning.is_set():
        await asyncio.sleep(0.01)
    for _ in range(20):
        await asyncio.sleep(0.01)
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    await asyncio.sleep(3600)


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.run_until_complete(main(loop))
