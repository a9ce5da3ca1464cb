"""A master with three workers (multiprocessing), one of them hot in
hot_worker_spin; prints "ready PID" (the master's) once all run.

With an argument ("replace"), the master ends worker 1 (an idle one) after
a second and starts another in its place, printing "replaced OLD NEW".
The workers end when the master does (killed by the test)."""
import multiprocessing
import os
import sys
import time


def hot_worker_spin(ready, master):
    ready.put(os.getpid())
    x = 0
    while os.getppid() == master:
        for _ in range(100000):
            x = (x * 31 + 7) % 1000003


def idle_worker_wait(ready, master):
    ready.put(os.getpid())
    while os.getppid() == master:
        time.sleep(0.2)


def main():
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Queue()
    workers = [ctx.Process(target=idle_worker_wait, args=(ready, os.getpid()), daemon=True),
               ctx.Process(target=hot_worker_spin, args=(ready, os.getpid()), daemon=True),
               ctx.Process(target=idle_worker_wait, args=(ready, os.getpid()), daemon=True)]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=30)
    print("ready", os.getpid(), " ".join(str(w.pid) for w in workers), flush=True)
    if len(sys.argv) > 1 and sys.argv[1] == "replace":
        time.sleep(1)
        old = workers[0]
        old.terminate()
        old.join()
        new = ctx.Process(target=hot_worker_spin, args=(ready, os.getpid()), daemon=True)
        new.start()
        ready.get(timeout=30)
        workers[0] = new
        print("replaced", old.pid, new.pid, flush=True)
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
