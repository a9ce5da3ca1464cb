"""What a result must carry to be compared with another: when, on what
machine, with which peer versions. Ratios taken on a 2-CPU guest say little
about a 64-CPU host, and a peer's new release moves its side of a ratio."""
import datetime
import os
import platform
import subprocess


def now():
    """The date results carry: UTC, to the minute, sortable as text."""
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M")


def load_average():
    """The 1-minute load average: on a shared machine, stop times follow it."""
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def package_versions(*packages):
    """[[package, version]] of installed Debian packages, in the order
    asked; a package that is not installed is left out."""
    if not packages:
        # dpkg-query -W without a package lists them all.
        return []
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}\n"]
                         + list(packages), capture_output=True, text=True)
    found = dict(line.split(" ", 1) for line in out.stdout.splitlines()
                 if " " in line)
    return [[p, found[p]] for p in packages if found.get(p)]


def stacktop_version(binary):
    """What `stacktop --version` says, None if it says nothing."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def machine(*packages):
    """{arch, nproc, mem_gib, kernel, packages, load_average}: this machine
    now.
    nproc is the CPUs we may run on (the affinity mask), as the tools see
    them."""
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])  # MemTotal is the first line
    return {"arch": platform.machine(),
            "nproc": len(os.sched_getaffinity(0)),
            "mem_gib": round(mem_kib / 2**20, 1),
            "kernel": platform.release(),
            "packages": package_versions(*packages),
            "load_average": load_average()}
