"""The CPython interpreters the Python tests run on: pyenv's versions and the
system python3."""

import glob
import os
import subprocess

from harness import skip


def interpreter(want):
    """The interpreter for want ("3.11", or "system"): pyenv's (`pyenv
    root`, else ~/.pyenv), or the system python3. Skips the test, saying
    why, when it is not installed."""
    if want == "system":
        if os.path.exists("/usr/bin/python3"):
            return "/usr/bin/python3"
        skip("no /usr/bin/python3 on this machine")
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        root = ""
    root = root or os.path.expanduser("~/.pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", want + ".*", "bin", "python")))
    if not found:
        skip(f"CPython {want} is not installed (looked in {root}/versions)")
    return found[-1]
