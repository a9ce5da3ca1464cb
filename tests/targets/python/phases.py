"""A Python process whose main thread changes what it runs over time:
phase_one() for PHASE seconds, then phase_two(), then phase_one() again,
and so on, both spinning. A time-ordered profile shows the phases
alternate; one that lists distinct stacks shows each once. Runs on CPython
2.7 and 3.6+. Prints "ready PID" once it runs."""
import os
import sys
import time

PHASE = 0.25


def spin_until(deadline):
    x = 0
    while time.time() < deadline:
        x += 1


def phase_one():
    spin_until(time.time() + PHASE)


def phase_two():
    spin_until(time.time() + PHASE)


def main():
    sys.stdout.write("ready %d\n" % os.getpid())
    sys.stdout.flush()
    while True:
        phase_one()
        phase_two()


main()
