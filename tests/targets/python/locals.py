"""A frame with arguments and locals of every kind dump --locals describes,
for its tests. Runs unchanged on CPython 2.7 and 3.6+.

The main thread calls hold(1, "two", 3, x=4), which binds a value of each
kind, then prints "ready PID" and, on a second line, the ids of the objects
shown by address ("ids rest=0x.. options=0x.. ..."), and sleeps in
time.sleep for good. Everything is bound before the line is printed: a dump
taken after it sees every variable, wherever the loop is."""
import os
import sys
import time


class Thing(object):
    pass


def hold(count, label, *rest, **options):
    nothing = None
    flag = True
    off = False
    small = -7
    big = 2 ** 100
    negbig = -(2 ** 100)
    ratio = 3.25
    tiny = 1e-05
    text = u"caf\u00e9\x07 'q'"
    raw = b"ab\x00\xff"
    items = [1, 2, 3]
    table = {"k": 1}
    thing = Thing()
    hostile = "\x1b[31mred\x1b]0;pwned\x07"
    captured = "boxed"

    def inner():
        return captured

    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.write("ids rest=%#x options=%#x items=%#x table=%#x thing=%#x inner=%#x\n" % (
        id(rest), id(options), id(items), id(table), id(thing), id(inner)))
    sys.stdout.flush()
    while True:
        time.sleep(1000)


hold(1, "two", 3, x=4)
