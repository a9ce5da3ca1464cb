"""The peer tools: stacktop is only ever measured against them, so a run
first makes sure they are there (and that build/ is current: the targets
are built with stacktop)."""
import os
import shutil
import subprocess
import sys

from .common import ROOT

# The command each section runs, and the Debian package that provides it.
PEER_PACKAGES = {"top": "procps", "ps": "procps", "pidstat": "sysstat",
                 "time": "time",  # GNU time, for peak RSS (procs.run)
                 "eu-stack": "elfutils", "gdb": "gdb", "perf": "linux-perf",
                 "austin": "austin", "htop": "htop",
                 "script": "bsdutils"}  # util-linux's script, for UI bytes
# The libraries a section measures stacktop's code against, by pkg-config
# name: tests/bench links them (collector: libproc2, procps-ng 4's).
PEER_LIBRARIES = {"libproc2": "libproc2-dev"}
# The Python modules a section runs inside its target, under Debian's
# python3 (mem's objgraph section), and their packages.
PEER_PYTHON_MODULES = {"objgraph": "python3-objgraph"}


def prepare():
    """Build stacktop (scripts/setup) and install the peers that are missing."""
    subprocess.run([os.path.join(ROOT, "scripts", "setup")], check=True)
    missing = sorted({pkg for tool, pkg in PEER_PACKAGES.items()
                      if shutil.which(tool) is None})
    libraries = [pkg for lib, pkg in PEER_LIBRARIES.items()
                 if subprocess.run(["pkg-config", "--exists", lib]).returncode]
    missing += libraries
    missing += [pkg for module, pkg in PEER_PYTHON_MODULES.items()
                if subprocess.run(["/usr/bin/python3", "-c", "import " + module],
                                  stderr=subprocess.DEVNULL).returncode]
    if missing:
        print("bench: installing " + " ".join(missing), file=sys.stderr)
        apt = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=apt,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq",
                        "--no-install-recommends"] + missing,
                       check=True, env=apt, stdout=subprocess.DEVNULL)
    if libraries:
        # meson looks for libraries at configure time: again, now they are in.
        subprocess.run(["meson", "setup", "--reconfigure", "build"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["ninja", "-C", "build"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
