"""Threads that race down a fixed call grammar, for checking that stacks read
from a running process are stacks the program had. Runs unchanged on
CPython 2.7 and 3.6+.

Each of THREADS threads (named py-grammar-N) runs worker(), which calls s1;
each sK calls one of s(K+1)a or s(K+1)b (chosen by a counter), down to s7,
whose frames are pushed and popped all the time. So every real stack of a
worker, root first, is Thread's bootstrap, worker, then s1, s2?, s3? ...
with consecutive levels: a stack read across a change can break that
(s7b;s6a;s4b;s3a, or no root). Prints "ready PID" once all run.

usage: grammar.py [THREADS]   (default 3)"""
import sys

from target_threads import name_this_thread, ready_when, start_daemons

started = []


def leaf(n):
    x = 0
    for i in range(n % 7 + 1):
        x += i
    return x


def s7a(n):
    return leaf(n)


def s7b(n):
    return leaf(n + 1)


def s6a(n):
    return s7a(n) if n % 3 else s7b(n)


def s6b(n):
    return s7b(n) if n % 2 else s7a(n)


def s5a(n):
    return s6a(n) if n % 5 else s6b(n)


def s5b(n):
    return s6b(n) if n % 3 else s6a(n)


def s4a(n):
    return s5a(n) if n % 2 else s5b(n)


def s4b(n):
    return s5b(n) if n % 7 else s5a(n)


def s3a(n):
    return s4a(n) if n % 3 else s4b(n)


def s3b(n):
    return s4b(n) if n % 2 else s4a(n)


def s2a(n):
    return s3a(n) if n % 5 else s3b(n)


def s2b(n):
    return s3b(n) if n % 3 else s3a(n)


def s1(n):
    return s2a(n) if n % 2 else s2b(n)


def worker(index):
    name_this_thread("py-grammar-%d" % index)
    started.append(index)
    n = index
    while True:
        n += 1
        s1(n)


count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
start_daemons(*[(worker, (i,)) for i in range(count)])
ready_when(lambda: len(started) == count)
